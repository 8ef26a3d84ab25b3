// The camera list and choosing a camera by number, path or name (engine/capture/v4l2/camera_list.hpp)
// against a fake sysfs tree and recorded QUERYCAP answers (tests/capture/recorded_capture_io.hpp).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capture/recorded_capture_io.hpp"
#include "engine/capture/v4l2/camera_list.hpp"
#include "engine/capture/v4l2/camera_report.hpp"

namespace facefilter {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

SourceSpec spec(const std::string& text) {
  auto s = parseSourceSpec(text);
  EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? s.value() : SourceSpec{};
}

// A desk as people have it: facefilter's own virtual camera first (loaded before the webcam was plugged in),
// a laptop's built-in camera with its metadata node, a USB C920 with its metadata node.
struct Desk {
  ManualClock clock{1'000'000'000'000};
  test::RecordedCaptureIo io{clock};
  Desk() {
    io.addLoopback(0, "facefilter");
    io.addCamera(2, "Integrated_Webcam_HD: Integrate", "usb-0000:00:14.0-5", test::kIntegratedWebcam);
    io.addCamera(4, "HD Pro Webcam C920", "usb-0000:00:14.0-1", test::kC920);
  }
};

TEST(CameraList, ListsEveryNodeInNumberOrderWithWhatItIs) {
  Desk desk;
  const auto list = listCameras(desk.io);
  ASSERT_EQ(list.size(), 5u);
  EXPECT_EQ(list[0].path, "/dev/video0");
  EXPECT_TRUE(list[0].loopback);
  EXPECT_FALSE(list[0].captures) << "no producer yet: an output device only";
  EXPECT_EQ(list[0].driver, "v4l2 loopback");
  EXPECT_EQ(list[0].name, "facefilter");

  EXPECT_EQ(list[1].path, "/dev/video2");
  EXPECT_EQ(list[1].number, 2);
  EXPECT_TRUE(list[1].captures);
  EXPECT_TRUE(list[1].realCamera());
  EXPECT_EQ(list[1].driver, "uvcvideo");
  EXPECT_EQ(list[1].bus, "usb-0000:00:14.0-5");

  EXPECT_EQ(list[2].path, "/dev/video3");
  EXPECT_TRUE(list[2].metadata);
  EXPECT_FALSE(list[2].captures);
  EXPECT_FALSE(list[2].realCamera());

  EXPECT_EQ(list[3].name, "HD Pro Webcam C920");
  EXPECT_TRUE(list[3].realCamera());
  EXPECT_TRUE(list[4].metadata);

  EXPECT_THAT(describeCamera(list[0]), HasSubstr("virtual camera"));
  EXPECT_THAT(describeCamera(list[2]), HasSubstr("metadata node"));
  EXPECT_THAT(describeCamera(list[3]),
              AllOf(HasSubstr("/dev/video4"), HasSubstr("HD Pro Webcam C920"), HasSubstr("uvcvideo")));
}

TEST(CameraList, CameraAndDefaultPickTheFirstRealCameraNeverALoopbackDevice) {
  Desk desk;
  desk.io.node(0)->producer = true;  // even while a program writes to it, so that it captures
  for (const char* text : {"camera", "default"}) {
    auto c = findCamera(desk.io, spec(text));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->path, "/dev/video2") << text;
  }
}

TEST(CameraList, NoCameraSaysWhatIsThere) {
  ManualClock clock;
  test::RecordedCaptureIo empty(clock);
  auto none = findCamera(empty, spec("camera"));
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message,
              AllOf(HasSubstr("no camera"), HasSubstr("no video device"), HasSubstr("plug one in")));

  test::RecordedCaptureIo onlyOurs(clock);
  onlyOurs.addLoopback(0, "facefilter");
  auto c = findCamera(onlyOurs, spec("default"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message,
              AllOf(HasSubstr("no camera"), HasSubstr("/dev/video0"), HasSubstr("virtual camera")));
}

TEST(CameraList, ByNumber) {
  Desk desk;
  auto c = findCamera(desk.io, spec("camera:4"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "HD Pro Webcam C920");

  auto meta = findCamera(desk.io, spec("camera:5"));
  ASSERT_FALSE(meta.ok());
  EXPECT_THAT(meta.error().message, AllOf(HasSubstr("camera 5 (/dev/video5) is the metadata node"),
                                          HasSubstr("HD Pro Webcam C920"), HasSubstr("camera:/dev/video4")));

  auto loop = findCamera(desk.io, spec("camera:0"));
  ASSERT_FALSE(loop.ok());
  EXPECT_THAT(loop.error().message, AllOf(HasSubstr("virtual camera"), HasSubstr("camera:/dev/video0")));

  auto missing = findCamera(desk.io, spec("camera:7"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, AllOf(HasSubstr("no camera at /dev/video7, it does not exist"),
                                             HasSubstr("HD Pro Webcam C920"), HasSubstr("cameras")));
}

TEST(CameraList, ByPathALoopbackDeviceIsTakenWhenItHasAProducer) {
  Desk desk;
  auto idle = findCamera(desk.io, spec("camera:/dev/video0"));
  ASSERT_FALSE(idle.ok());
  EXPECT_THAT(idle.error().message, HasSubstr("does not capture video yet"));
  desk.io.node(0)->producer = true;
  auto c = findCamera(desk.io, spec("camera:/dev/video0"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->loopback);

  auto gone = findCamera(desk.io, spec("camera:/dev/video9"));
  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.error().message, HasSubstr("/dev/video9: does not exist"));
}

TEST(CameraList, ByNameWholeOrAUniquePartAnyCase) {
  Desk desk;
  for (const char* text :
       {"camera:\"HD Pro Webcam C920\"", "camera:\"c920\"", "camera:C920", "camera:pro webcam"}) {
    auto c = findCamera(desk.io, spec(text));
    ASSERT_TRUE(c.ok()) << text << ": " << c.error().message;
    EXPECT_EQ(c->path, "/dev/video4") << text << ": the video node, not its metadata node of the same name";
  }
  auto laptop = findCamera(desk.io, spec("camera:\"Integrated\""));
  ASSERT_TRUE(laptop.ok());
  EXPECT_EQ(laptop->path, "/dev/video2");
}

TEST(CameraList, ANameMatchingSeveralOrNoneIsNamed) {
  Desk desk;
  auto several = findCamera(desk.io, spec("camera:\"webcam\""));
  ASSERT_FALSE(several.ok());
  EXPECT_THAT(several.error().message,
              AllOf(HasSubstr("\"webcam\" matches several cameras"), HasSubstr("/dev/video2"),
                    HasSubstr("/dev/video4"), HasSubstr("give more of the name")));

  auto none = findCamera(desk.io, spec("camera:\"Brio\""));
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message,
              AllOf(HasSubstr("\"Brio\": no camera's name holds it"), HasSubstr("HD Pro Webcam C920")));

  // A virtual camera is not taken by name, and the message says how to take it.
  auto ours = findCamera(desk.io, spec("camera:\"facefilter\""));
  ASSERT_FALSE(ours.ok());
  EXPECT_THAT(ours.error().message, HasSubstr("named by path"));
}

TEST(CameraList, TwoCamerasOfOneModelTheFirstByName) {
  ManualClock clock;
  test::RecordedCaptureIo io(clock);
  io.addCamera(0, "HD Pro Webcam C920", "usb-0000:00:14.0-1", test::kC920);
  io.addCamera(2, "HD Pro Webcam C920", "usb-0000:00:14.0-2", test::kC920);
  auto c = findCamera(io, spec("camera:\"HD Pro Webcam C920\""));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->path, "/dev/video0");
  EXPECT_EQ(c->bus, "usb-0000:00:14.0-1");
}

TEST(CameraList, ANodeThatCannotBeOpenedSaysWhy) {
  ManualClock clock;
  test::RecordedCaptureIo io(clock);
  io.addCamera(0, "HD Pro Webcam C920", "usb-1", test::kC920).denied = true;
  const auto list = listCameras(io);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_THAT(list[0].problem, HasSubstr("video"));
  EXPECT_EQ(list[0].name, "HD Pro Webcam C920") << "sysfs still names it";
  auto c = findCamera(io, spec("camera:0"));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message,
              AllOf(HasSubstr("cannot be opened"), HasSubstr("Permission denied"), HasSubstr("video")));
  auto first = findCamera(io, spec("camera"));
  ASSERT_FALSE(first.ok());
  EXPECT_THAT(first.error().message, Not(HasSubstr("plug one in")));
}

// What `facefilter-cli cameras` prints, from the same desk.
TEST(CameraReport, EveryNodeWithItsModesTheDefaultAndTheSourceText) {
  Desk desk;
  const auto report = cameraReport(desk.io);
  ASSERT_EQ(report.size(), 5u);
  EXPECT_FALSE(report[0].isDefault) << "the virtual camera";
  EXPECT_EQ(report[0].source, "camera:/dev/video0");
  EXPECT_TRUE(report[0].modes.empty());
  EXPECT_TRUE(report[1].isDefault);
  EXPECT_EQ(report[1].source, "camera:\"Integrated_Webcam_HD: Integrate\"");
  ASSERT_TRUE(report[1].chosen.has_value());
  EXPECT_EQ(describeMode(report[1].chosen->mode), "MJPG 1280x720@30");
  EXPECT_EQ(report[1].modes, test::parseFormatListing(test::kIntegratedWebcam));
  EXPECT_FALSE(report[3].isDefault);
  EXPECT_EQ(report[3].source, "camera:\"HD Pro Webcam C920\"");

  const OrderedJson j = cameraReportJson(report);
  ASSERT_EQ(j["cameras"].size(), 5u);
  const auto& c920 = j["cameras"][3];
  EXPECT_EQ(c920["name"], "HD Pro Webcam C920");
  EXPECT_EQ(c920["bus"], "usb-0000:00:14.0-1");
  EXPECT_EQ(c920["driver"], "uvcvideo");
  EXPECT_EQ(c920["captures"], true);
  EXPECT_EQ(c920["chosen_mode"]["format"], "MJPG");
  EXPECT_EQ(c920["chosen_mode"]["width"], 1280);
  EXPECT_EQ(c920["modes"][0]["format"], "YUYV");
  EXPECT_EQ(c920["modes"][0]["width"], 640);
  EXPECT_EQ(c920["modes"][0]["fps"].size(), 7u);
  EXPECT_EQ(j["cameras"][4]["metadata"], true);
  EXPECT_EQ(j["cameras"][0]["loopback"], true);

  const std::string text = cameraReportText(report);
  EXPECT_THAT(text, HasSubstr("/dev/video4  HD Pro Webcam C920  (uvcvideo, usb-0000:00:14.0-1)"));
  EXPECT_THAT(text, HasSubstr("YUYV: 640x480@30"));
  EXPECT_THAT(text, HasSubstr("1280x720@10"));
  EXPECT_THAT(text, HasSubstr("H264 (not decoded):"));
  EXPECT_THAT(text, HasSubstr("the default camera"));
  EXPECT_THAT(text, HasSubstr("without a mode asked: MJPG 1280x720@30"));
}

}  // namespace
}  // namespace facefilter
