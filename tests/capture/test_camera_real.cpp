// The capture against the real kernel: a camera where one is plugged in, a v4l2loopback device where the
// module is loaded (we write to it ourselves and read it back as a camera). Each test skips with its reason
// elsewhere (CI machines have neither); the same code runs in tests/capture/test_camera_source.cpp against
// recorded cameras.

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "engine/capture/camera_source.hpp"
#include "engine/core/clock.hpp"
#include "vcam/frame_sink.hpp"
#include "vcam/video_devices.hpp"

namespace facefilter {
namespace {

struct Measured {
  int frames = 0;
  double measuredFps = 0;
  std::string suggestion;
  std::string error;
};

// Reads for up to `seconds` (or until the rate is known and a few more frames came), checking each frame's
// stamp: on the steady clock, not in the future, not older than a second.
Measured readFor(FrameSource& source, double seconds) {
  Measured m;
  const int64_t endNs = SteadyClock::instance().nowNs() + static_cast<int64_t>(seconds * 1e9);
  while (SteadyClock::instance().nowNs() < endNs) {
    ReadResult r = source.read();
    if (r.status != ReadStatus::kFrame) {
      m.error = r.error;
      break;
    }
    ++m.frames;
    EXPECT_FALSE(r.image.empty());
    if (r.captureNs != 0) {
      const int64_t now = SteadyClock::instance().nowNs();
      EXPECT_LE(r.captureNs, now);
      EXPECT_GT(r.captureNs, now - 1'000'000'000);
    }
    if (source.info().measuredFps > 0 && m.frames > 40) break;
  }
  m.measuredFps = source.info().measuredFps;
  m.suggestion = source.info().suggestion;
  return m;
}

TEST(RealCamera, DeliversTheChosenModesRate) {
  auto io = systemVideoDeviceIo();
  const auto all = listCameras(*io);
  bool any = false;
  std::string seen;
  for (const auto& c : all) {
    any = any || (c.realCamera() && c.problem.empty());
    seen += (seen.empty() ? "" : ", ") + describeCamera(c);
  }
  if (!any) GTEST_SKIP() << "no camera on this machine (" << (all.empty() ? "no video device" : seen) << ")";
  auto source = CameraSource::open(parseSourceSpec("camera").value(), io);
  if (!source && source.error().message.find("busy") != std::string::npos)
    GTEST_SKIP() << source.error().message;
  ASSERT_TRUE(source.ok()) << source.error().message;
  const SourceInfo info = source.value()->info();
  const Measured m = readFor(*source.value(), 4.0);
  ASSERT_TRUE(m.error.empty()) << m.error;
  ASSERT_GT(m.measuredFps, 0) << info.description << ": no rate after " << m.frames << " frames";
  RecordProperty("camera", info.description);
  RecordProperty("measured_fps", std::to_string(m.measuredFps));
  // Never faster than the mode; slower only with the reason said (a dim room lowers a UVC camera's rate).
  EXPECT_LE(m.measuredFps, info.fps * 1.1) << info.description;
  if (m.measuredFps < kFarUnderRateShare * info.requestedFps) {
    EXPECT_FALSE(m.suggestion.empty()) << info.description << " at " << m.measuredFps << " fps";
  } else {
    EXPECT_GE(m.measuredFps, info.fps * kFarUnderRateShare) << info.description;
  }
}

TEST(RealLoopback, ReadsWhatAProducerWritesAtItsRate) {
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
  converter.convert(cv::Mat(f.height, f.width, CV_8UC4, cv::Scalar(40, 160, 90, 255)), f, frame);

  // The producer: 30 frames a second, on its own thread, until the reader is done.
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::thread producer([&] {
    auto next = std::chrono::steady_clock::now();
    while (!done) {
      if (!sink.value()->write(frame.data(), frame.size())) break;
      ++written;
      next += std::chrono::microseconds(33'333);
      std::this_thread::sleep_until(next);
    }
  });
  while (written < 3) std::this_thread::sleep_for(std::chrono::milliseconds(10));

  SourceSpec spec = parseSourceSpec("camera:" + path.value()).value();
  auto source = CameraSource::open(spec, io);
  Measured m;
  if (source) m = readFor(*source.value(), 4.0);
  done = true;
  producer.join();
  ASSERT_TRUE(source.ok()) << source.error().message;
  ASSERT_TRUE(m.error.empty()) << m.error;
  EXPECT_NEAR(m.measuredFps, 30, 30 * 0.2) << source.value()->info().description;
  RecordProperty("measured_fps", std::to_string(m.measuredFps));
}

}  // namespace
}  // namespace facefilter
