#pragma once
// The app: one window (AppWindow), the engine thread, the scene renderer, the filters, the recorder and the
// control panel, tied together by a render loop that never waits on capture or inference.
//   interactive: each frame takes the newest frame and the newest result, draws them, shows the result's age.
//   headless batch (--headless): an invisible window, every input frame rendered in order (the engine's
//   no-drop delivery feeding a bounded queue through the result callback) and recorded; exits at the end.
// Main thread only (GL); SIGINT/SIGTERM end the loop and finalise the recording.

#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/config/app_config.hpp"
#include "app/platform/app_window.hpp"
#include "app/record/frame_readback.hpp"
#include "app/record/recorder.hpp"
#include "app/render/filter_library.hpp"
#include "app/render/scene_renderer.hpp"
#include "engine/core/bounded_queue.hpp"
#include "engine/core/sample_window.hpp"
#include "engine/pipeline/engine_thread.hpp"

namespace facefilter {

enum class RunMode { kInteractive, kHeadless };

struct AppOptions {
  AppConfig config;
  std::filesystem::path configPath;  // empty: do not persist
  RunMode mode = RunMode::kInteractive;
  std::string recordPath;            // headless: required; interactive: start recording at once
  std::string snapshotPath;          // headless: also write the last frame as PNG
  uint64_t maxFrames = 0;            // 0 = all
  bool loopFiles = false;            // interactive: loop video files at their end
  uint64_t quitAfterFrames = 0;      // interactive: close after this many frames (tests, demos); 0 = never
  std::string windowScreenshotPath;  // interactive: the whole window (panel included) as PNG at quit
};

// Asks the running session to end (from a signal handler: only sets a flag).
void requestStopFromSignal();

class AppSession {
 public:
  static Result<std::unique_ptr<AppSession>> create(AppOptions options);
  ~AppSession();
  // Runs until the window closes (interactive) or the input ends (headless). Returns the exit code.
  int run();

  // --- for the control panel (main thread) ---
  AppConfig& config() { return options_.config; }
  FilterAssignment& assignment() { return assignment_; }
  FilterLibrary& filters() { return *filters_; }
  EngineThread& engine() { return *engine_; }
  const FrameResultPtr& shownResult() const { return shownResult_; }
  const FramePtr& shownFrame() const { return scene_->frame(); }
  Status applySource(const std::string& sourceText);
  Status applyModel(const std::string& path, const std::string& device);
  void applyDetectorAndTracker();
  Status startRecording(const std::filesystem::path& path);
  void stopRecording();
  bool recording() const { return recorder_ != nullptr; }
  const Recorder* recorder() const { return recorder_.get(); }
  const std::string& lastRecordReport() const { return lastRecordReport_; }
  void requestSnapshot() { snapshotRequested_ = true; }
  const std::string& lastSnapshot() const { return lastSnapshot_; }
  const SampleWindow& renderFpsHistory() const { return renderMs_; }
  const SampleWindow& latencyMs() const { return latencyMs_; }
  double resultAgeMs() const { return resultAgeMs_; }
  int64_t framesBehind() const { return framesBehind_; }
  const std::deque<std::array<float, 4>>& stageHistory() const { return stageHistory_; }
  const std::string& lightingHint() const { return lightingHint_; }
  const SceneStats& sceneStats() const { return sceneStats_; }
  void saveConfigNow();

 private:
  explicit AppSession(AppOptions options) : options_(std::move(options)) {}
  int runInteractive();
  int runHeadless();
  void renderOne(const FramePtr& frame, const FrameResultPtr& result, DropPolicy policy);
  void handleShortcuts();
  void saveWindowScreenshot(const std::filesystem::path& path);
  void updateLighting(const Frame& frame, const FrameResult& result);
  CaptureParams captureParamsFor(const SourceSpec& spec) const;

  AppOptions options_;
  std::unique_ptr<AppWindow> window_;
  std::unique_ptr<EngineThread> engine_;
  std::optional<SceneRenderer> scene_;
  std::unique_ptr<FilterLibrary> filters_;
  FilterAssignment assignment_;
  FrameReadback readback_;
  std::unique_ptr<Recorder> recorder_;
  std::string lastRecordReport_;
  std::string pendingSidecarLine_;  // the sidecar line of the frame in the readback ring
  bool snapshotRequested_ = false;
  std::string lastSnapshot_;
  std::deque<FramePtr> recentFrames_;
  FrameResultPtr shownResult_;
  SampleWindow renderMs_{240};
  SampleWindow latencyMs_{240};
  double resultAgeMs_ = 0;
  int64_t framesBehind_ = 0;
  std::deque<std::array<float, 4>> stageHistory_;  // detect, keypoints, track, total ms per result
  uint64_t lastResultVersion_ = 0;
  std::string lightingHint_;
  SceneStats sceneStats_;
  double sourceFps_ = 0;
};

}  // namespace facefilter
