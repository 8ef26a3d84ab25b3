#pragma once
// The app's recording and snapshots: a Recorder's lifecycle (started on a size and rate, fed the render
// loop's pictures through the non-stalling FrameReadback with each frame's landmark line, stopped with its
// report) and PNG snapshots of the scene target. Main (GL) thread only.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/gl/gl_objects.hpp"
#include "app/record/frame_readback.hpp"
#include "app/record/output_files.hpp"
#include "media/recorder.hpp"

namespace facefilter {

class SessionRecording {
 public:
  ~SessionRecording() { stop(); }

  Status start(const RecorderParams& params);
  // The target holds a new picture to record: of frame `frameId` at `timeNs` on the recording's clock (see
  // RecorderParams), with its sidecar line (empty for none).
  void addFrame(const gl::RenderTarget& target, uint64_t frameId, int64_t timeNs, std::string sidecarLine);
  // Finalises the file with every frame read back so far; the summary, or nothing when not recording.
  std::optional<RecorderSummary> stop();

  bool active() const { return recorder_ != nullptr; }
  const Recorder* recorder() const { return recorder_.get(); }
  // The writer gave up (disk full): stop() to finalise what was written.
  bool failed() const { return recorder_ != nullptr && recorder_->failed(); }
  // The last recording's report, or why the last start failed.
  const std::string& lastReport() const { return lastReport_; }
  void setLastReport(std::string text) { lastReport_ = std::move(text); }

  void requestSnapshot() { snapshotRequested_ = true; }
  bool snapshotRequested() const { return snapshotRequested_; }
  // Writes the target as PNG to `path` and says so in lastSnapshot().
  void takeSnapshot(const gl::RenderTarget& target, const std::filesystem::path& path);
  const std::string& lastSnapshot() const { return lastSnapshot_; }

 private:
  std::unique_ptr<Recorder> recorder_;
  FrameReadback readback_;
  std::string pendingSidecarLine_;  // the sidecar line and time of the frame in the readback ring
  int64_t pendingTimeNs_ = 0;
  std::string lastReport_;
  bool snapshotRequested_ = false;
  std::string lastSnapshot_;
};

}  // namespace facefilter
