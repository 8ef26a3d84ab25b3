#include "app/record/session_recording.hpp"

#include "engine/core/logging.hpp"

namespace facefilter {

Status SessionRecording::start(const RecorderParams& params) {
  stop();
  auto r = Recorder::start(params);
  if (!r) return r.error();
  recorder_ = std::move(r).value();
  readback_ = FrameReadback();
  return Ok{};
}

void SessionRecording::addFrame(const gl::RenderTarget& target, uint64_t frameId, int64_t timeNs,
                                std::string sidecarLine) {
  if (!recorder_) return;
  // The readback returns the previous frame; its time and sidecar line are carried along.
  if (auto previous = readback_.push(target, frameId)) {
    recorder_->push(std::move(previous->bgra), pendingTimeNs_, true, std::move(pendingSidecarLine_));
  }
  pendingTimeNs_ = timeNs;
  pendingSidecarLine_ = std::move(sidecarLine);
}

std::optional<RecorderSummary> SessionRecording::stop() {
  if (!recorder_) return std::nullopt;
  // The frame still in the readback ring belongs to the recording.
  if (auto last = readback_.flush())
    recorder_->push(std::move(last->bgra), pendingTimeNs_, true, std::move(pendingSidecarLine_));
  pendingSidecarLine_.clear();
  RecorderSummary summary = recorder_->stop();
  lastReport_ = recordReport(summary);
  recorder_.reset();
  return summary;
}

void SessionRecording::takeSnapshot(const gl::RenderTarget& target, const std::filesystem::path& path) {
  snapshotRequested_ = false;
  auto s = writeSnapshot(path, readTargetNow(target));
  lastSnapshot_ = s ? "saved " + path.string() : s.error().message;
  logger("record")->info("{}", lastSnapshot_);
}

}  // namespace facefilter
