// The camera capture (engine/capture/camera_source.hpp) through recorded cameras
// (tests/capture/recorded_capture_io.hpp): the mode set on the device, mmap'd buffers streamed, MJPG frames
// decoded (also as UVC cameras send them, without Huffman tables), YUYV converted, the driver's time stamps,
// the newest frame taken when several wait, the measured rate and the suggestion, and each failure's message.

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "capture/recorded_capture_io.hpp"
#include "engine/capture/camera_source.hpp"
#include "engine/capture/capture_thread.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class QuietLogs : public ::testing::Environment {
 public:
  void SetUp() override { setLogLevel(spdlog::level::off); }
};
const auto* const kQuietLogs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

constexpr int64_t kStartNs = 1'000'000'000'000;  // the manual clock's start: well away from 0

// A picture with detail in both directions and colour, different for each frame (a moving bar), so that a
// frame from the wrong buffer or of the wrong sequence shows.
cv::Mat picture(int w, int h, uint32_t sequence) {
  cv::Mat img(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      img.at<cv::Vec3b>(y, x) = {static_cast<uint8_t>(x * 255 / w), static_cast<uint8_t>(y * 255 / h),
                                 static_cast<uint8_t>(128 + 100 * ((x / 40 + y / 40) % 2 ? 1 : -1))};
  const int bar = static_cast<int>(sequence * 37 % static_cast<uint32_t>(w - 40));
  cv::rectangle(img, {bar, 0, 40, h}, {255, 255, 255}, cv::FILLED);
  return img;
}

// JPEG as UVC cameras send it: baseline, and (option) without its Huffman tables (DHT segments), which
// MJPG streams leave out and decoders fill in with the standard ones.
std::vector<uint8_t> jpeg(const cv::Mat& img, bool stripHuffmanTables) {
  std::vector<uint8_t> out;
  cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 90});
  if (!stripHuffmanTables) return out;
  std::vector<uint8_t> stripped(out.begin(), out.begin() + 2);
  size_t i = 2;
  while (i + 4 <= out.size() && out[i] == 0xFF && out[i + 1] != 0xDA) {
    const size_t len = (size_t{out[i + 2]} << 8) | out[i + 3];
    if (out[i + 1] != 0xC4) stripped.insert(stripped.end(), out.begin() + i, out.begin() + i + 2 + len);
    i += 2 + len;
  }
  stripped.insert(stripped.end(), out.begin() + i, out.end());  // SOS and the scan
  return stripped;
}

// YUYV (4:2:2, BT.601 limited range, as UVC cameras give it) from BGR.
std::vector<uint8_t> yuyv(const cv::Mat& bgr) {
  const auto clamp8 = [](double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); };
  std::vector<uint8_t> out(static_cast<size_t>(bgr.cols * bgr.rows * 2));
  size_t o = 0;
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; x += 2) {
      double yy[2], cb = 0, cr = 0;
      for (int k = 0; k < 2; ++k) {
        const auto p = bgr.at<cv::Vec3b>(y, x + k);
        const double b = p[0] / 255.0, g = p[1] / 255.0, r = p[2] / 255.0;
        yy[k] = 16 + 65.481 * r + 128.553 * g + 24.966 * b;
        cb += (128 - 37.797 * r - 74.203 * g + 112.0 * b) / 2;
        cr += (128 + 112.0 * r - 93.786 * g - 18.214 * b) / 2;
      }
      out[o++] = clamp8(yy[0]);
      out[o++] = clamp8(cb);
      out[o++] = clamp8(yy[1]);
      out[o++] = clamp8(cr);
    }
  }
  return out;
}

test::RecordedCaptureIo::FrameMaker cameraFrames(bool stripHuffmanTables = true) {
  return [stripHuffmanTables](const CameraMode& m, uint32_t sequence) {
    const cv::Mat img = picture(m.width, m.height, sequence);
    return m.fourcc == V4L2_PIX_FMT_YUYV ? yuyv(img) : jpeg(img, stripHuffmanTables);
  };
}

double meanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const cv::Scalar m = cv::mean(d);
  return (m[0] + m[1] + m[2]) / 3;
}

SourceSpec spec(const std::string& text) {
  auto s = parseSourceSpec(text);
  EXPECT_TRUE(s.ok()) << text;
  return s.ok() ? s.value() : SourceSpec{};
}

struct Rig {
  ManualClock clock{kStartNs};
  std::shared_ptr<test::RecordedCaptureIo> io = std::make_shared<test::RecordedCaptureIo>(clock);
  test::RecordedCaptureIo::Node& c920 =
      io->addCamera(0, "HD Pro Webcam C920", "usb-0000:00:14.0-1", test::kC920);
  Rig() { c920.frames = cameraFrames(); }
  Result<std::unique_ptr<FrameSource>> open(const std::string& text) {
    return CameraSource::open(spec(text), io, clock);
  }
};

TEST(CameraSource, Mjpg720pAt30DecodedWithTheDriversTimeStamps) {
  Rig rig;
  auto source = rig.open("camera:0:1280x720@30");
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(rig.io->streamed.format, (CameraMode{V4L2_PIX_FMT_MJPEG, 1280, 720, 1, 30}));
  EXPECT_EQ(rig.io->streamed.buffersRequested, 4u);
  EXPECT_EQ(rig.io->streamed.mapped, 4);
  EXPECT_TRUE(rig.io->streamed.streaming);

  const SourceInfo info = source.value()->info();
  EXPECT_TRUE(info.live);
  EXPECT_EQ(info.cameraName, "HD Pro Webcam C920");
  EXPECT_EQ(info.cameraPath, "/dev/video0");
  EXPECT_EQ(info.cameraBus, "usb-0000:00:14.0-1");
  EXPECT_EQ(info.pixelFormat, "MJPG");
  EXPECT_EQ(info.width, 1280);
  EXPECT_EQ(info.height, 720);
  EXPECT_DOUBLE_EQ(info.fps, 30);
  EXPECT_DOUBLE_EQ(info.requestedFps, 30);
  EXPECT_EQ(info.measuredFps, 0) << "not known before a second of frames";
  EXPECT_THAT(info.modeNote, IsEmpty());
  EXPECT_THAT(info.description, AllOf(HasSubstr("HD Pro Webcam C920"), HasSubstr("MJPG 1280x720@30")));

  for (uint32_t i = 0; i < 5; ++i) {
    ReadResult r = source.value()->read();
    ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
    ASSERT_EQ(r.image.type(), CV_8UC3);
    ASSERT_EQ(r.image.size(), cv::Size(1280, 720));
    // Frame i was due at start + (i + 1) / 30 s, and that is its capture time.
    // (microseconds, as struct timeval carries it)
    EXPECT_NEAR(r.captureNs, kStartNs + (i + 1) * static_cast<int64_t>(1e9 / 30), 1000);
    EXPECT_GE(r.decodeNs, 0);
    EXPECT_LT(meanAbsDiff(r.image, picture(1280, 720, i)), 3.0) << "frame " << i;
    EXPECT_GT(meanAbsDiff(r.image, picture(1280, 720, i + 1)), 3.0) << "frame " << i << " is its own";
  }
}

TEST(CameraSource, MjpgWithItsHuffmanTablesToo) {
  Rig rig;
  rig.c920.frames = cameraFrames(/*stripHuffmanTables=*/false);
  auto source = rig.open("camera:0:640x480@30:mjpg");
  ASSERT_TRUE(source.ok()) << source.error().message;
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
  EXPECT_LT(meanAbsDiff(r.image, picture(640, 480, 0)), 3.0);
}

TEST(CameraSource, YuyvConverted) {
  Rig rig;
  auto source = rig.open("camera:\"C920\":640x480@30");
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source.value()->info().pixelFormat, "YUYV");
  for (uint32_t i = 0; i < 3; ++i) {
    ReadResult r = source.value()->read();
    ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
    ASSERT_EQ(r.image.size(), cv::Size(640, 480));
    // 4:2:2 chroma and the limited-range round trip: within a few levels.
    EXPECT_LT(meanAbsDiff(r.image, picture(640, 480, i)), 4.0) << "frame " << i;
  }
}

TEST(CameraSource, ASlowReaderGetsTheNewestFrame) {
  Rig rig;
  auto source = rig.open("camera:0:1280x720@30");
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);  // frame 0
  // The reader was busy for 100 ms: frames 1..3 were filled meanwhile (4 buffers, one was still ours).
  rig.clock.advanceNs(100'000'000);
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame);
  EXPECT_LT(meanAbsDiff(r.image, picture(1280, 720, 3)), 3.0) << "the newest waiting frame";
  EXPECT_NEAR(r.captureNs, kStartNs + 4 * static_cast<int64_t>(1e9 / 30), 1000);
  // The older ones went back to the driver: the capture goes on without running out of buffers.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
}

TEST(CameraSource, TheRateOverTheFirstSecondIsMeasuredAndPublished) {
  Rig rig;
  auto source = rig.open("camera");
  ASSERT_TRUE(source.ok());
  const uint64_t version = source.value()->infoVersion();
  int frames = 0;
  while (source.value()->info().measuredFps == 0 && frames < 100) {
    ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
    ++frames;
  }
  EXPECT_EQ(frames, 31) << "known with the frame a second after the first";
  EXPECT_NEAR(source.value()->info().measuredFps, 30, 0.1);
  EXPECT_GT(source.value()->infoVersion(), version);
  EXPECT_THAT(source.value()->info().suggestion, IsEmpty());
}

TEST(CameraSource, ADimRoomsSlowerRateGetsASuggestion) {
  Rig rig;
  rig.c920.deliveredFps = 15;  // auto exposure doubled the exposure time
  auto source = rig.open("camera:0:1280x720@30");
  ASSERT_TRUE(source.ok());
  for (int i = 0; i < 40 && source.value()->info().measuredFps == 0; ++i)
    ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
  const SourceInfo info = source.value()->info();
  EXPECT_NEAR(info.measuredFps, 15, 0.1);
  EXPECT_THAT(info.suggestion,
              AllOf(HasSubstr("15 fps, far under the 30 asked"), HasSubstr("dim"), HasSubstr("exposure")));
}

// A camera with one size, slow as YUYV (as over USB 2.0) and fast as MJPG.
constexpr const char* kOneSizeCamera = R"(ioctl: VIDIOC_ENUM_FMT
	Type: Video Capture

	[0]: 'YUYV' (YUYV 4:2:2)
		Size: Discrete 1280x720
			Interval: Discrete 0.100s (10.000 fps)
	[1]: 'MJPG' (Motion-JPEG, compressed)
		Size: Discrete 1280x720
			Interval: Discrete 0.033s (30.000 fps)
)";

TEST(CameraSource, AForcedSlowModeSuggestsTheOneThatReaches) {
  Rig rig;
  rig.c920.modes = test::parseFormatListing(kOneSizeCamera);
  auto source = rig.open("camera:0:1280x720@30:yuyv");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source.value()->info().pixelFormat, "YUYV");
  EXPECT_DOUBLE_EQ(source.value()->info().fps, 10);
  EXPECT_THAT(source.value()->info().modeNote, HasSubstr("MJPG 1280x720@30 would"));
  for (int i = 0; i < 20 && source.value()->info().measuredFps == 0; ++i)
    ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
  EXPECT_NEAR(source.value()->info().measuredFps, 10, 0.1);
  EXPECT_THAT(source.value()->info().suggestion, HasSubstr("camera:0:1280x720@30:mjpg"));
}

TEST(CameraSource, TheRateCountsFramesTheReaderMissed) {
  Rig rig;
  auto source = rig.open("camera:0:1280x720@30");
  ASSERT_TRUE(source.ok());
  // A reader that manages 10 reads a second: the camera still sends 30.
  for (int i = 0; i < 15 && source.value()->info().measuredFps == 0; ++i) {
    ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
    rig.clock.advanceNs(100'000'000);
  }
  EXPECT_NEAR(source.value()->info().measuredFps, 30, 1.0);
}

TEST(CameraSource, WithoutMonotonicStampsTheCaptureThreadStamps) {
  Rig rig;
  rig.c920.monotonicStamps = false;
  auto source = rig.open("camera");
  ASSERT_TRUE(source.ok());
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame);
  EXPECT_EQ(r.captureNs, 0);
}

TEST(CameraSource, DamagedFramesAreSkippedAndCounted) {
  Rig rig;
  rig.c920.frames = [](const CameraMode& m, uint32_t sequence) {
    if (sequence % 2 == 0) return std::vector<uint8_t>(1000, 0x55);  // not a JPEG
    return jpeg(picture(m.width, m.height, sequence), true);
  };
  auto source = rig.open("camera:0:640x480@30:mjpg");
  ASSERT_TRUE(source.ok());
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
  EXPECT_LT(meanAbsDiff(r.image, picture(640, 480, 1)), 3.0);
  EXPECT_EQ(source.value()->skippedFrames(), 1);

  // Nothing but damaged frames: a failure that says what was wrong.
  rig.c920.frames = [](const CameraMode&, uint32_t) { return std::vector<uint8_t>(1000, 0x55); };
  r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFailed);
  EXPECT_THAT(r.error,
              AllOf(HasSubstr("no frame for 2 s that could be used"), HasSubstr("HD Pro Webcam C920")));
}

TEST(CameraSource, UnpluggedThenBack) {
  Rig rig;
  auto source = rig.open("camera:\"C920\"");
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(source.value()->read().status, ReadStatus::kFrame);
  rig.c920.unplugged = true;
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFailed);
  EXPECT_THAT(r.error, AllOf(HasSubstr("HD Pro Webcam C920"), HasSubstr("gone (unplugged?)")));
  EXPECT_FALSE(source.value()->reopen());
  rig.c920.unplugged = false;
  ASSERT_TRUE(source.value()->reopen());
  EXPECT_EQ(source.value()->read().status, ReadStatus::kFrame);
  EXPECT_EQ(rig.io->streamed.opens, rig.io->streamed.closes + 1) << "every earlier descriptor closed";
}

TEST(CameraSource, FailuresNameTheCameraAndWhatToDo) {
  {
    Rig rig;
    rig.c920.busyElsewhere = true;
    auto s = rig.open("camera");
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.error().message, AllOf(HasSubstr("HD Pro Webcam C920"), HasSubstr("/dev/video0"),
                                         HasSubstr("is busy"), HasSubstr("another program")));
    EXPECT_EQ(rig.io->streamed.opens, rig.io->streamed.closes) << "the descriptor is closed again";
  }
  {
    Rig rig;
    rig.c920.noBandwidth = true;
    auto s = rig.open("camera:0:640x480@30:yuyv");
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.error().message,
                AllOf(HasSubstr("bandwidth"), HasSubstr("YUYV 640x480@30"), HasSubstr(":mjpg")));
  }
  {
    Rig rig;
    auto s = rig.open("camera:1");
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(s.error().message, HasSubstr("metadata node"));
  }
  {
    Rig rig;
    auto s = rig.open("camera:0:999x999@240");
    ASSERT_TRUE(s.ok()) << "the nearest mode is used";
    EXPECT_THAT(s.value()->info().modeNote,
                AllOf(HasSubstr("999x999 is not a size"), HasSubstr("using MJPG 960x720@30")));
  }
}

// What read() costs per frame on the capture thread, recorded as test properties (run the test with
// --gtest_output=xml to see them; not a pass/fail figure: machines differ): MJPG 1280x720 as cameras send it
// (no Huffman tables), YUYV 640x480 and 1280x720.
TEST(CameraSource, RecordsTheCostOfEachFrameOnTheCaptureThread) {
  for (const char* text :
       {"camera:0:1280x720@30:mjpg", "camera:0:640x480@30:yuyv", "camera:0:1280x720@10:yuyv"}) {
    Rig rig;
    // Frames made once per sequence number would dominate: one picture, encoded once, for every frame.
    // With sensor-like noise, which JPEG spends most of its bits (and its decoder most of its time) on.
    cv::Mat img720 = picture(1280, 720, 7), img480 = picture(640, 480, 7);
    for (cv::Mat* img : {&img720, &img480}) {
      cv::Mat noise(img->size(), CV_16SC3);
      cv::randn(noise, 0, 8);
      img->convertTo(*img, CV_16SC3);
      *img += noise;
      img->convertTo(*img, CV_8UC3);
    }
    const std::vector<uint8_t> mjpg = jpeg(img720, true), yuyv720 = yuyv(img720), yuyv480 = yuyv(img480);
    rig.c920.frames = [&](const CameraMode& m, uint32_t) {
      if (m.fourcc != V4L2_PIX_FMT_YUYV) return mjpg;
      return m.width == 1280 ? yuyv720 : yuyv480;
    };
    auto source = rig.open(text);
    ASSERT_TRUE(source.ok()) << source.error().message;
    std::vector<double> ms;
    for (int i = 0; i < 60; ++i) {
      // Wall time around read() (the source's own timing runs on the manual clock, which stands still): the
      // decode or conversion, plus the recorded driver copying the frame's bytes into its buffer.
      const auto t0 = std::chrono::steady_clock::now();
      ReadResult r = source.value()->read();
      const auto t1 = std::chrono::steady_clock::now();
      ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const std::string mode = describeMode(rig.io->streamed.format);
    RecordProperty("read_ms_median " + mode, std::to_string(ms[ms.size() / 2]));
    const size_t bytes = rig.io->streamed.format.fourcc == V4L2_PIX_FMT_YUYV
                             ? (rig.io->streamed.format.width == 1280 ? yuyv720 : yuyv480).size()
                             : mjpg.size();
    std::printf("%s (%zu bytes a frame): read() median %.2f ms, min %.2f ms over %zu frames\n", mode.c_str(),
                bytes, ms[ms.size() / 2], ms.front(), ms.size());
  }
}

// The capture thread publishes the measured rate as the source learns it (the panel reads it there).
TEST(CameraSource, TheCaptureThreadPublishesTheMeasuredRate) {
  Rig rig;
  auto source = rig.open("camera:0:640x480@30");
  ASSERT_TRUE(source.ok());
  CaptureParams params;
  params.maxFrames = 40;
  CaptureThread capture(spec("camera:0:640x480@30"), std::move(source).value(), params, rig.clock);
  EXPECT_EQ(capture.sourceInfo().measuredFps, 0);
  capture.start();
  int taken = 0;
  while (!capture.finished()) {
    if (auto f = capture.next(std::chrono::milliseconds(200))) {
      ++taken;
      EXPECT_GT((*f)->captureNs, kStartNs) << "the driver's stamp";
    }
  }
  capture.stop();
  EXPECT_GT(taken, 0);
  EXPECT_NEAR(capture.sourceInfo().measuredFps, 30, 0.5);
  EXPECT_EQ(capture.sourceInfo().pixelFormat, "YUYV");
}

}  // namespace
}  // namespace facefilter
