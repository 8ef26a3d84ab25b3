#include "vcam/virtual_camera.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/core/clock.hpp"
#include "engine/core/logging.hpp"
#include "vcam/frame_pacer.hpp"

namespace facefilter {
namespace {

std::chrono::steady_clock::time_point steadyAt(int64_t ns) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

VirtualCamera::VirtualCamera(std::unique_ptr<FrameSink> sink, int fps)
    : sink_(std::move(sink)),
      fps_(std::clamp(fps, 1, 240)),
      format_(sink_->format()),
      description_(sink_->description()) {
  stats_.running = true;
  thread_ = std::thread([this] { run(); });
}

VirtualCamera::~VirtualCamera() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void VirtualCamera::push(cv::Mat bgraBottomUp) {
  {
    std::lock_guard lock(mutex_);
    ++stats_.pushed;
    if (waiting_.size() == kHeldPictures) {
      waiting_.pop_front();
      ++stats_.dropped;
    }
    waiting_.push_back(std::move(bgraBottomUp));
  }
  // A picture may go out at once (FramePacer): wake the sender rather than wait for its next tick.
  wake_.notify_one();
}

VirtualCameraStats VirtualCamera::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

bool VirtualCamera::running() const {
  std::lock_guard lock(mutex_);
  return stats_.running;
}

void VirtualCamera::run() {
  const SteadyClock& clock = SteadyClock::instance();
  FramePacer pacer(clock.nowNs(), fps_);
  FrameConverter converter;
  std::vector<uint8_t> frame;  // the last picture, converted: what a repeat writes
  double convertMsTotal = 0;
  uint64_t converted = 0;
  while (true) {
    cv::Mat picture;
    FramePacer::Action action = FramePacer::Action::kWait;
    {
      std::unique_lock lock(mutex_);
      while (!stop_) {
        const int64_t now = clock.nowNs();
        action = pacer.decide(now, !waiting_.empty());
        if (action != FramePacer::Action::kWait) break;
        wake_.wait_until(lock, steadyAt(pacer.wakeNs(now)));
      }
      if (stop_) break;
      stats_.skippedSlots = pacer.skippedSlots();
      if (action == FramePacer::Action::kSendNew) {
        picture = std::move(waiting_.front());
        waiting_.pop_front();
      }
    }
    if (action == FramePacer::Action::kSendNew) {
      const int64_t t0 = clock.nowNs();
      converter.convert(picture, format_, frame);
      convertMsTotal += nsToMs(clock.nowNs() - t0);
      ++converted;
    }
    pacer.wrote(action);
    if (frame.empty()) continue;  // nothing to repeat before the first picture
    const Status written = sink_->write(frame.data(), frame.size());
    std::lock_guard lock(mutex_);
    stats_.convertMsMean = converted > 0 ? convertMsTotal / static_cast<double>(converted) : 0.0;
    if (!written) {
      ++stats_.writeErrors;
      stats_.error = written.error().message;
      stats_.running = false;
      logger("vcam")->error("{}", stats_.error);
      return;
    }
    if (action == FramePacer::Action::kSendNew)
      ++stats_.sent;
    else
      ++stats_.repeated;
  }
  std::lock_guard lock(mutex_);
  stats_.running = false;
}

}  // namespace facefilter
