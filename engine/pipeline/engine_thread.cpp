#include "engine/pipeline/engine_thread.hpp"

#include "engine/core/logging.hpp"

namespace facefilter {

EngineThread::EngineThread(std::unique_ptr<FacePipeline> pipeline, const Clock& clock)
    : pipeline_(std::move(pipeline)), clock_(clock) {}

EngineThread::~EngineThread() {
  stop();
}

void EngineThread::stop() {
  std::unique_ptr<CaptureThread> capture;
  {
    std::lock_guard lock(mutex_);
    capture = std::move(capture_);
  }
  if (capture) capture->stop();  // wakes the worker if it waits for a frame
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
  if (capture) {
    std::lock_guard lock(mutex_);
    lastCaptureStats_ = capture->stats();
  }
}

Status EngineThread::setSource(const SourceSpec& spec, const CaptureParams& params) {
  auto source = openSource(spec);
  if (!source) {
    std::lock_guard lock(mutex_);
    lastError_ = source.error().message;
    return source.error();
  }
  stop();
  pipeline_->reset();
  auto capture = std::make_unique<CaptureThread>(spec, std::move(source).value(), params, clock_);
  CaptureThread* raw = capture.get();
  {
    std::lock_guard lock(mutex_);
    sourceInfo_ = raw->sourceInfo();
    sourceName_ = sourceInfo_.description;
    lastError_.clear();
    capture_ = std::move(capture);
  }
  finished_ = false;
  raw->start();
  worker_ = std::jthread([this, raw](std::stop_token st) { run(st, raw); });
  return Ok{};
}

void EngineThread::setResultCallback(ResultCallback cb) {
  std::lock_guard lock(mutex_);
  callback_ = std::move(cb);
}

void EngineThread::run(std::stop_token stop, CaptureThread* capture) {
  while (!stop.stop_requested()) {
    auto frame = capture->next(std::chrono::milliseconds(50));
    if (!frame) {
      if (capture->finished()) {
        finished_ = true;
        break;
      }
      continue;
    }
    latestFrame_.set(*frame);
    auto result = std::make_shared<const FrameResult>(pipeline_->process(**frame));
    latestResult_.set(result);
    ResultCallback cb;
    {
      std::lock_guard lock(mutex_);
      cb = callback_;
      if (!result->error.empty()) lastError_ = result->error;
    }
    if (cb) cb(*frame, result);
  }
}

SourceInfo EngineThread::sourceInfo() const {
  std::lock_guard lock(mutex_);
  // The running capture's, which follows the source's updates (a camera's measured rate).
  return capture_ ? capture_->sourceInfo() : sourceInfo_;
}

EngineStats EngineThread::stats() const {
  EngineStats s;
  s.pipeline = pipeline_->stats();
  std::lock_guard lock(mutex_);
  s.capture = capture_ ? capture_->stats() : lastCaptureStats_;
  s.running = capture_ && !s.capture.ended;
  if (!s.capture.lastError.empty()) s.lastError = s.capture.lastError;
  if (!lastError_.empty()) s.lastError = lastError_;
  s.source = sourceName_;
  s.sourceEnded = finished_.load();
  return s;
}

}  // namespace facefilter
