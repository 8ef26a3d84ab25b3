// The virtual camera's device side through the VideoDeviceIo seam, against recorded v4l2loopback answers
// (recorded_loopback_io.hpp): the device list, `auto`, format negotiation, and every error a user can meet
// (module not loaded, no such device, a webcam chosen, busy, a device removed while sending). Then the same
// path against a real loopback device, where this machine has one.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/vcam/recorded_loopback_io.hpp"
#include "vcam/frame_sink.hpp"
#include "vcam/video_devices.hpp"
#include "vcam/virtual_camera.hpp"

using namespace facefilter;
using facefilter::test::RecordedLoopbackIo;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

VcamRequest request720() {
  VcamRequest r;
  r.format = {VcamPixelFormat::kYuyv, 1280, 720};
  r.fps = 30;
  return r;
}

}  // namespace

TEST(VcamDevices, ListsNodesInOrderWithLoopbackMarked) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(10, "facefilter");
  io->addWebcam(0, "Integrated Camera: Integrated C");
  io->addLoopback(2, "OBS Virtual Camera");
  const auto list = listVideoNodes(*io);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].path, "/dev/video0");
  EXPECT_FALSE(list[0].loopback);
  EXPECT_EQ(list[0].name, "Integrated Camera: Integrated C");
  EXPECT_EQ(list[1].path, "/dev/video2");
  EXPECT_TRUE(list[1].loopback);
  EXPECT_EQ(list[2].path, "/dev/video10");
  EXPECT_EQ(list[2].name, "facefilter");
}

TEST(VcamDevices, AutoPrefersTheFacefilterLabelThenTheFirstLoopback) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addWebcam(0, "cam");
  io->addLoopback(3, "OBS Virtual Camera");
  io->addLoopback(7, "facefilter");
  EXPECT_EQ(resolveVirtualCameraDevice(*io, "auto").value(), "/dev/video7");
  io->nodes.pop_back();
  EXPECT_EQ(resolveVirtualCameraDevice(*io, "auto").value(), "/dev/video3");
  EXPECT_EQ(resolveVirtualCameraDevice(*io, "/dev/video42").value(), "/dev/video42");
}

TEST(VcamDevices, ModuleNotLoadedSaysHowToLoadIt) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->moduleLoaded = false;
  io->addWebcam(0, "cam");
  auto r = resolveVirtualCameraDevice(*io, "auto");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "not loaded")) << r.error().message;
  EXPECT_TRUE(
      contains(r.error().message, "sudo modprobe v4l2loopback exclusive_caps=1 card_label=facefilter"));
  EXPECT_TRUE(contains(r.error().message, "v4l2loopback-dkms"));
  // An explicit path that does not exist says the same when the module is missing.
  auto s = openLoopbackOutput(io, "/dev/video9", request720());
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "modprobe v4l2loopback")) << s.error().message;
}

TEST(VcamDevices, ModuleLoadedWithoutDevices) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addWebcam(0, "cam");
  auto r = resolveVirtualCameraDevice(*io, "auto");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "has no device")) << r.error().message;
}

TEST(VcamDevice, NegotiatesYuyvAndAnnouncesTheRate) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter");
  auto sink = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ(sink.value()->format(), (VcamFrameFormat{VcamPixelFormat::kYuyv, 1280, 720}));
  EXPECT_TRUE(contains(sink.value()->description(), "/dev/video4 \"facefilter\" YUYV 1280x720"));
  EXPECT_EQ(io->parmCalls, 1);
  EXPECT_EQ(io->lastParmDenominator, 30u);
  std::vector<uint8_t> frame(1280 * 720 * 2);
  ASSERT_TRUE(sink.value()->write(frame.data(), frame.size()));
  ASSERT_EQ(io->node(4)->writes.size(), 1u);
  EXPECT_EQ(io->node(4)->writes[0], frame.size());
  sink.value().reset();
  EXPECT_EQ(io->node(4)->openCount, 0) << "the descriptor is closed with the sink";
}

TEST(VcamDevice, TakesTheFormatAnotherProducerLeft) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter", /*exclusiveCaps=*/false);
  io->attachOtherProducer(4, V4L2_PIX_FMT_YUV420, 640, 480);
  auto sink = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_EQ(sink.value()->format(), (VcamFrameFormat{VcamPixelFormat::kYu12, 640, 480}));
}

TEST(VcamDevice, RefusesAHeldFormatItCannotWrite) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter", /*exclusiveCaps=*/false);
  io->attachOtherProducer(4, V4L2_PIX_FMT_MJPEG, 1280, 720);
  auto sink = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_FALSE(sink);
  EXPECT_TRUE(contains(sink.error().message, "MJPG")) << sink.error().message;
}

TEST(VcamDevice, NoSuchDeviceListsTheLoopbackDevices) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter");
  auto sink = openLoopbackOutput(io, "/dev/video9", request720());
  ASSERT_FALSE(sink);
  EXPECT_TRUE(contains(sink.error().message, "no such device /dev/video9")) << sink.error().message;
  EXPECT_TRUE(contains(sink.error().message, "/dev/video4 \"facefilter\"")) << sink.error().message;
}

TEST(VcamDevice, AWebcamIsNotALoopbackDevice) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addWebcam(0, "Integrated Camera");
  auto sink = openLoopbackOutput(io, "/dev/video0", request720());
  ASSERT_FALSE(sink);
  EXPECT_TRUE(contains(sink.error().message, "not a v4l2loopback device")) << sink.error().message;
  EXPECT_TRUE(contains(sink.error().message, "uvcvideo")) << sink.error().message;
  EXPECT_EQ(io->node(0)->openCount, 0);
}

TEST(VcamDevice, AFileThatIsNotAVideoDevice) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  auto sink = openLoopbackOutput(io, "/dev/null", request720());
  ASSERT_FALSE(sink);
  EXPECT_TRUE(contains(sink.error().message, "not a video device")) << sink.error().message;
}

TEST(VcamDevice, BusyWhenAnotherProgramSendsWithExclusiveCaps) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter");
  auto first = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_TRUE(first);
  std::vector<uint8_t> frame(frameBytes(first.value()->format()));
  ASSERT_TRUE(first.value()->write(frame.data(), frame.size()));
  auto second = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_FALSE(second);
  EXPECT_TRUE(contains(second.error().message, "busy")) << second.error().message;
  EXPECT_TRUE(contains(second.error().message, "another program")) << second.error().message;
}

TEST(VcamDevice, BusyWhenMaxOpenersIsReached) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter").maxOpeners = 0;
  auto sink = openLoopbackOutput(io, "/dev/video4", request720());
  ASSERT_FALSE(sink);
  EXPECT_TRUE(contains(sink.error().message, "is busy")) << sink.error().message;
  EXPECT_TRUE(contains(sink.error().message, "max_openers")) << sink.error().message;
}

TEST(VcamDevice, ADeviceRemovedWhileSendingStopsTheSenderWithTheReason) {
  auto io = std::make_shared<RecordedLoopbackIo>();
  io->addLoopback(4, "facefilter");
  auto sink = openLoopbackOutput(io, "/dev/video4", {{VcamPixelFormat::kYuyv, 64, 48}, 100});
  ASSERT_TRUE(sink);
  VirtualCamera camera(std::move(sink).value(), 100);
  camera.push(cv::Mat(48, 64, CV_8UC4, cv::Scalar(10, 20, 30, 255)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (camera.stats().sent + camera.stats().repeated < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  io->node(4)->removed = true;  // the writes now fail as after `modprobe -r` or an unplug
  while (camera.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const VirtualCameraStats st = camera.stats();
  EXPECT_FALSE(st.running);
  EXPECT_EQ(st.writeErrors, 1u);
  EXPECT_TRUE(contains(st.error, "went away")) << st.error;
  EXPECT_TRUE(contains(st.error, "No such device")) << st.error;
}

// The real thing: where v4l2loopback is loaded and has a device this user may open (not in CI; this
// machine cannot load kernel modules).
TEST(VcamRealDevice, NegotiatesAndWritesFramesAConsumerReads) {
  auto io = systemVideoDeviceIo();
  if (!loopbackModuleLoaded(*io)) GTEST_SKIP() << "v4l2loopback is not loaded (/sys/module/v4l2loopback)";
  auto path = resolveVirtualCameraDevice(*io, "auto");
  if (!path) GTEST_SKIP() << path.error().message;
  auto sink = openLoopbackOutput(io, path.value(), {{VcamPixelFormat::kYuyv, 640, 480}, 30});
  if (!sink && sink.error().message.find("busy") != std::string::npos) GTEST_SKIP() << sink.error().message;
  ASSERT_TRUE(sink) << sink.error().message;
  const VcamFrameFormat f = sink.value()->format();
  std::vector<uint8_t> frame;
  FrameConverter converter;
  const cv::Mat grey(f.height, f.width, CV_8UC4, cv::Scalar(128, 128, 128, 255));
  converter.convert(grey, f, frame);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(sink.value()->write(frame.data(), frame.size()));
  // A consumer opening the device now sees a capture device with our format.
  const int fd = ::open(path.value().c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  v4l2_capability cap{};
  ASSERT_EQ(io->queryCap(fd, cap), 0);
  EXPECT_NE(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE, 0u);
  v4l2_format got{};
  got.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  ASSERT_EQ(io->getFormat(fd, got), 0);
  EXPECT_EQ(got.fmt.pix.pixelformat, fourcc(f.pixels));
  EXPECT_EQ(static_cast<int>(got.fmt.pix.width), f.width);
  std::vector<uint8_t> read(frame.size());
  const ssize_t n = ::read(fd, read.data(), read.size());
  ::close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(frame.size()));
  EXPECT_EQ(read, frame);
}
