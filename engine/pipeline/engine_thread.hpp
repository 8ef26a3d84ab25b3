#pragma once
// The engine thread: takes frames from the capture thread, runs the FacePipeline on each, and publishes
// the newest frame (as soon as it arrives) and the newest result (when processed) for the render loop,
// which reads them without waiting. Data flows one way: capture -> engine -> readers.
//
// Threads: every public method may be called from any one controlling thread (the UI); latestFrame()/
// latestResult()/stats()/modelDescription() from any thread. Switching the source stops and joins the old
// capture thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/capture/capture_thread.hpp"
#include "engine/core/latest_value.hpp"
#include "engine/pipeline/face_pipeline.hpp"

namespace facefilter {

struct EngineStats {
  CaptureStats capture;
  PipelineStats pipeline;
  std::string source;
  bool running = false;
  bool sourceEnded = false;
  std::string lastError;  // the newest problem (source, model), empty when fine
};

// What readers get: a frame and, separately, the newest result (which may be for an older frame).
struct FrameAndResult {
  FramePtr frame;
  FrameResultPtr result;
};

// Called on the engine thread for every processed frame, in order (e.g. a batch recorder that must see
// every frame). With a live source it must return quickly (frames are dropped meanwhile); with no-drop
// delivery it may block to apply backpressure: capture then waits too, and no frame is lost.
using ResultCallback = std::function<void(const FramePtr&, const FrameResultPtr&)>;

class EngineThread {
 public:
  explicit EngineThread(std::unique_ptr<FacePipeline> pipeline, const Clock& clock = SteadyClock::instance());
  ~EngineThread();
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

  // Opens `spec` and starts capturing from it (stopping any previous source). On error the previous
  // source keeps running and the error is returned.
  Status setSource(const SourceSpec& spec, const CaptureParams& params);
  void stop();

  FramePtr latestFrame() const { return latestFrame_.get().first; }
  FrameResultPtr latestResult() const { return latestResult_.get().first; }
  uint64_t resultVersion() const { return latestResult_.version(); }
  uint64_t frameVersion() const { return latestFrame_.version(); }

  // True once a file source has ended and every frame was processed.
  bool finished() const { return finished_.load(); }

  // For the pipeline's any-thread setters and getters (face_pipeline.hpp); the model it runs is seen through
  // modelDescription().
  FacePipeline& pipeline() { return *pipeline_; }
  ModelDescriptionPtr modelDescription() const { return pipeline_->modelDescription(); }
  // The current source's description, size and nominal rate (empty before setSource()).
  SourceInfo sourceInfo() const;
  void setResultCallback(ResultCallback cb);
  EngineStats stats() const;

 private:
  void run(std::stop_token stop, CaptureThread* capture);

  std::unique_ptr<FacePipeline> pipeline_;
  const Clock& clock_;
  mutable std::mutex mutex_;  // guards capture_, callback_, sourceName_, lastError_
  std::unique_ptr<CaptureThread> capture_;
  std::jthread worker_;
  ResultCallback callback_;
  std::string sourceName_;
  std::string lastError_;
  SourceInfo sourceInfo_;
  CaptureStats lastCaptureStats_;  // kept when the capture thread is stopped, so stats() stay readable
  std::atomic<bool> finished_{false};
  LatestValue<FramePtr> latestFrame_;
  LatestValue<FrameResultPtr> latestResult_;
};

}  // namespace facefilter
