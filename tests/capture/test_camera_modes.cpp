// Mode enumeration and choice (engine/capture/v4l2/camera_modes.hpp) against the recorded mode lists of
// three UVC cameras (tests/capture/recorded_capture_io.hpp).

#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capture/recorded_capture_io.hpp"
#include "engine/capture/v4l2/camera_modes.hpp"

namespace facefilter {
namespace {

using test::parseFormatListing;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Recorded {
  const char* name;
  const char* listing;
};
const Recorded kCameras[] = {
    {"C920", test::kC920}, {"C270", test::kC270}, {"Integrated", test::kIntegratedWebcam}};

CameraMode mode(uint32_t fourcc, int w, int h, double fps) {
  CameraMode m;
  m.fourcc = fourcc;
  m.width = w;
  m.height = h;
  m.intervalNumerator = fps == 7.5 ? 2 : 1;
  m.intervalDenominator = fps == 7.5 ? 15 : static_cast<uint32_t>(fps);
  return m;
}

ModeChoice choose(const char* listing, int w, int h, double fps, CameraFormat format = CameraFormat::kAuto) {
  ModeRequest r;
  r.width = w;
  r.height = h;
  r.fps = fps;
  r.format = format;
  auto c = chooseMode(parseFormatListing(listing), r);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? c.value() : ModeChoice{};
}

TEST(CameraModes, RecordedListingsParse) {
  const auto c920 = parseFormatListing(test::kC920);
  // YUYV: 19 sizes; 1280x720 only at 10, 7.5 and 5 fps.
  int yuyv720 = 0;
  for (const auto& m : c920) {
    if (m.fourcc == V4L2_PIX_FMT_YUYV && m.width == 1280 && m.height == 720) {
      ++yuyv720;
      EXPECT_LE(m.fps(), 10.0);
    }
  }
  EXPECT_EQ(yuyv720, 3);
  EXPECT_EQ(c920.front(), mode(V4L2_PIX_FMT_YUYV, 640, 480, 30));
  EXPECT_EQ(c920.back(), mode(V4L2_PIX_FMT_MJPEG, 1920, 1080, 5));
  EXPECT_DOUBLE_EQ(parseFormatListing(test::kC270)[0].fps(), 30.0);
}

TEST(CameraModes, EnumerationThroughTheLayerGivesEveryRecordedMode) {
  for (const auto& cam : kCameras) {
    ManualClock clock(1'000'000'000'000);
    test::RecordedCaptureIo io(clock);
    io.addCamera(0, cam.name, "usb-0000:00:14.0-1", cam.listing);
    const int fd = io.openCapture("/dev/video0");
    ASSERT_GE(fd, 0);
    auto modes = enumerateModes(io, fd, "/dev/video0");
    ASSERT_TRUE(modes.ok()) << modes.error().message;
    EXPECT_EQ(modes.value(), parseFormatListing(cam.listing)) << cam.name;
    io.close(fd);
  }
}

TEST(CameraModes, AMetadataNodeListsNoFormat) {
  ManualClock clock;
  test::RecordedCaptureIo io(clock);
  io.addCamera(0, "HD Pro Webcam C920", "usb-1", test::kC920);
  const int fd = io.openCapture("/dev/video1");
  auto modes = enumerateModes(io, fd, "/dev/video1");
  ASSERT_FALSE(modes.ok());
  EXPECT_THAT(modes.error().message, HasSubstr("/dev/video1"));
  EXPECT_THAT(modes.error().message, HasSubstr("not a camera that delivers video"));
}

TEST(CameraModes, WithoutASizeTheLargestModeAt30UpTo720p) {
  for (const auto& cam : kCameras) {
    const ModeChoice c = choose(cam.listing, 0, 0, 0);
    EXPECT_EQ(c.mode, mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30)) << cam.name << ": " << describeMode(c.mode);
    EXPECT_THAT(c.note, IsEmpty()) << cam.name;
    EXPECT_EQ(c.requestedFps, 30);
  }
  // A camera with YUYV only: its largest mode at 30 fps.
  std::vector<CameraMode> yuyvOnly;
  for (const auto& m : parseFormatListing(test::kC920))
    if (m.fourcc == V4L2_PIX_FMT_YUYV) yuyvOnly.push_back(m);
  auto c = chooseMode(yuyvOnly, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mode, mode(V4L2_PIX_FMT_YUYV, 800, 448, 30)) << describeMode(c->mode);
}

TEST(CameraModes, YuyvWhereItReachesTheRateMjpgWhereItCannot) {
  // 640x480@30: YUYV reaches it, no decoding needed.
  EXPECT_EQ(choose(test::kC920, 640, 480, 30).mode, mode(V4L2_PIX_FMT_YUYV, 640, 480, 30));
  EXPECT_EQ(choose(test::kC270, 640, 480, 30).mode, mode(V4L2_PIX_FMT_YUYV, 640, 480, 30));
  // 1280x720@30: YUYV gives 10 at most over USB 2.0, MJPG 30.
  for (const auto& cam : kCameras) {
    const ModeChoice c = choose(cam.listing, 1280, 720, 30);
    EXPECT_EQ(c.mode, mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30)) << cam.name;
    EXPECT_THAT(c.note, IsEmpty());
  }
  // 1280x720@10 is within YUYV's reach on the C920.
  EXPECT_EQ(choose(test::kC920, 1280, 720, 10).mode, mode(V4L2_PIX_FMT_YUYV, 1280, 720, 10));
  // 1920x1080 at 30: MJPG; the H.264 mode (not decoded) is never chosen.
  EXPECT_EQ(choose(test::kC920, 1920, 1080, 30).mode, mode(V4L2_PIX_FMT_MJPEG, 1920, 1080, 30));
  // 24 fps: the mode rated 24, not the faster one.
  EXPECT_EQ(choose(test::kC920, 1280, 720, 24).mode, mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 24));
}

TEST(CameraModes, AForcedFormatIsKeptAndTheNoteNamesTheModeThatWouldReach) {
  // YUYV reaches 30 fps only at smaller sizes: the rate comes first, the note names the MJPG mode with both.
  const ModeChoice c = choose(test::kC920, 1280, 720, 30, CameraFormat::kYuyv);
  EXPECT_EQ(c.mode, mode(V4L2_PIX_FMT_YUYV, 800, 448, 30));
  EXPECT_THAT(c.note, HasSubstr("1280x720 does not reach 30 fps"));
  EXPECT_THAT(c.note, HasSubstr("MJPG 1280x720@30 would (drop :yuyv)"));
  EXPECT_THAT(c.note, HasSubstr("using YUYV 800x448@30"));
  // No YUYV mode reaches 60: the fastest near the size.
  const ModeChoice f = choose(test::kC920, 1280, 720, 60, CameraFormat::kYuyv);
  EXPECT_EQ(f.mode.fourcc, static_cast<uint32_t>(V4L2_PIX_FMT_YUYV));
  EXPECT_THAT(f.note, HasSubstr("no YUYV mode reaches 60 fps"));

  const ModeChoice m = choose(test::kC920, 640, 480, 30, CameraFormat::kMjpg);
  EXPECT_EQ(m.mode, mode(V4L2_PIX_FMT_MJPEG, 640, 480, 30));
  EXPECT_THAT(m.note, IsEmpty());
}

TEST(CameraModes, AFormatTheCameraLacksIsNamed) {
  std::vector<CameraMode> yuyvOnly;
  for (const auto& m : parseFormatListing(test::kC270))
    if (m.fourcc == V4L2_PIX_FMT_YUYV) yuyvOnly.push_back(m);
  ModeRequest r;
  r.width = 640;
  r.height = 480;
  r.fps = 30;
  r.format = CameraFormat::kMjpg;
  auto c = chooseMode(yuyvOnly, r);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mode, mode(V4L2_PIX_FMT_YUYV, 640, 480, 30));
  EXPECT_THAT(c->note, HasSubstr("the camera has no MJPG mode"));
}

TEST(CameraModes, AModeTheCameraLacksGetsTheNearestNamed) {
  const ModeChoice c = choose(test::kC920, 999, 999, 240);
  EXPECT_THAT(c.note, HasSubstr("999x999@240"));
  EXPECT_THAT(c.note, HasSubstr("999x999 is not a size of this camera"));
  EXPECT_THAT(c.note, HasSubstr("no mode reaches 240 fps"));
  EXPECT_THAT(c.note, HasSubstr("using " + describeMode(c.mode)));
  // The fastest rate the camera has, near the size: 30 fps, 960x720 (MJPG).
  EXPECT_EQ(c.mode, mode(V4L2_PIX_FMT_MJPEG, 960, 720, 30)) << describeMode(c.mode);

  // A size it lacks at a rate it has: the nearest size that reaches the rate.
  const ModeChoice d = choose(test::kIntegratedWebcam, 1920, 1080, 30);
  EXPECT_EQ(d.mode, mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30));
  EXPECT_THAT(d.note, HasSubstr("1920x1080 is not a size of this camera"));
}

// The target: for every recorded camera and every asked size and rate, the chosen mode reaches the rate
// whenever any mode does; and keeps the asked size when some format reaches the rate at it.
TEST(CameraModes, TheChosenModeReachesTheRateWhereAnyModeCan) {
  const std::pair<int, int> sizes[] = {{0, 0},       {160, 120},   {320, 240},  {640, 360},  {640, 480},
                                       {800, 600},   {960, 720},   {1024, 576}, {1280, 720}, {1280, 960},
                                       {1920, 1080}, {2304, 1536}, {3840, 2160}};
  const double rates[] = {5, 7.5, 10, 15, 20, 24, 25, 30, 60};
  int checked = 0, reachable = 0, reached = 0;
  for (const auto& cam : kCameras) {
    const auto modes = parseFormatListing(cam.listing);
    for (const auto& [w, h] : sizes) {
      for (const double fps : rates) {
        for (const auto format : {CameraFormat::kAuto, CameraFormat::kMjpg, CameraFormat::kYuyv}) {
          ModeRequest r{w, h, fps, format};
          auto c = chooseMode(modes, r);
          ASSERT_TRUE(c.ok());
          const auto within = [&](const CameraMode& m) {
            if (!decodableFormat(m.fourcc)) return false;
            if (format == CameraFormat::kMjpg && m.fourcc != V4L2_PIX_FMT_MJPEG) return false;
            if (format == CameraFormat::kYuyv && m.fourcc != V4L2_PIX_FMT_YUYV) return false;
            return true;
          };
          bool anyReaches = false, sizeReaches = false;
          for (const auto& m : modes) {
            if (!within(m) || m.fps() < fps * 0.99) continue;
            anyReaches = true;
            if (m.width == w && m.height == h) sizeReaches = true;
          }
          const std::string what = std::string(cam.name) + " " + std::to_string(w) + "x" + std::to_string(h) +
                                   "@" + fpsText(fps) + " -> " + describeMode(c->mode);
          EXPECT_TRUE(decodableFormat(c->mode.fourcc)) << what;
          if (anyReaches) {
            EXPECT_GE(c->mode.fps(), fps * 0.99) << what;
            ++reachable;
            reached += c->mode.fps() >= fps * 0.99 ? 1 : 0;
          }
          if (sizeReaches) {
            EXPECT_EQ(c->mode.width, w) << what;
            EXPECT_EQ(c->mode.height, h) << what;
          }
          if (w == 0 && anyReaches && c->mode.width <= 1280 && c->mode.height <= 720) {
            // The largest such mode within 1280x720.
            for (const auto& m : modes) {
              if (within(m) && m.fps() >= fps * 0.99 && m.width <= 1280 && m.height <= 720) {
                EXPECT_LE(m.width * m.height, c->mode.width * c->mode.height) << what;
              }
            }
          }
          if (!anyReaches || (w > 0 && !sizeReaches)) {
            EXPECT_THAT(c->note, Not(IsEmpty())) << what;
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 3 * 13 * 9 * 3);
  RecordProperty("requests", checked);
  RecordProperty("requests_a_mode_can_reach", reachable);
  RecordProperty("requests_reached", reached);
  std::printf("%d requests; a mode reaches the rate in %d; the chosen mode reaches it in %d\n", checked,
              reachable, reached);
}

TEST(CameraModes, OnlyFormatsItCannotDecodeIsAnError) {
  std::vector<CameraMode> h264;
  for (const auto& m : parseFormatListing(test::kC920))
    if (m.fourcc == V4L2_PIX_FMT_H264) h264.push_back(m);
  auto c = chooseMode(h264, {});
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("H264"));
  EXPECT_THAT(c.error().message, HasSubstr("MJPG, YUYV"));
}

TEST(CameraModes, ModeReachingForSuggestions) {
  const auto modes = parseFormatListing(test::kC920);
  auto same = modeReaching(modes, 1280, 720, 30);
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(*same, mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30));
  auto yuyv = modeReaching(modes, 640, 480, 30);
  ASSERT_TRUE(yuyv.has_value());
  EXPECT_EQ(*yuyv, mode(V4L2_PIX_FMT_YUYV, 640, 480, 30));
  EXPECT_FALSE(modeReaching(modes, 1920, 1080, 60).has_value());
}

TEST(CameraModes, Text) {
  EXPECT_EQ(describeMode(mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30)), "MJPG 1280x720@30");
  EXPECT_EQ(describeMode(mode(V4L2_PIX_FMT_YUYV, 1280, 720, 7.5)), "YUYV 1280x720@7.5");
  EXPECT_EQ(modeSpecText("0", mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30)), "camera:0:1280x720@30:mjpg");
  EXPECT_EQ(modeSpecText("\"HD Pro Webcam C920\"", mode(V4L2_PIX_FMT_YUYV, 640, 480, 30)),
            "camera:\"HD Pro Webcam C920\":640x480@30:yuyv");
  EXPECT_EQ(fourccText(V4L2_PIX_FMT_MJPEG), "MJPG");
  // A mode written with modeSpecText parses back to the same request.
  auto spec = parseSourceSpec(modeSpecText("2", mode(V4L2_PIX_FMT_MJPEG, 1280, 720, 30)));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->cameraIndex, 2);
  EXPECT_EQ(spec->width, 1280);
  EXPECT_EQ(spec->fps, 30);
  EXPECT_EQ(spec->cameraFormat, CameraFormat::kMjpg);
}

}  // namespace
}  // namespace facefilter
