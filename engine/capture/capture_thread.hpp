#pragma once
// The capture thread: reads a FrameSource, stamps each frame once (id, steady-clock ns) and hands it on
// through a latest-frame mailbox (live sources: keeps the newest, counts drops) or a bounded no-drop
// queue (files in batch mode: every frame is processed).
//
// Threads: start()/stop()/stats() from the owner's thread; next() from one consumer thread.
// A camera that fails mid-stream is reported in stats().lastError and reopened until stop().

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/capture/frame_source.hpp"
#include "engine/core/bounded_queue.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/frame.hpp"
#include "engine/core/latest_mailbox.hpp"
#include "engine/core/sample_window.hpp"

namespace facefilter {

enum class Delivery {
  kAuto,    // latest-only for live sources, no-drop for files
  kLatest,  // capacity-1 mailbox, newest wins
  kNoDrop,  // bounded queue, the producer waits
};

enum class Pacing {
  kAsFastAsPossible,  // batch processing
  kSourceRate,        // files play at their nominal fps (live sources pace themselves)
};

enum class EndBehaviour { kStop, kLoop };

struct CaptureParams {
  Delivery delivery = Delivery::kAuto;
  Pacing pacing = Pacing::kAsFastAsPossible;
  EndBehaviour atEnd = EndBehaviour::kStop;
  size_t queueCapacity = 8;
  int reconnectDelayMs = 1000;  // between attempts to reopen a failed camera
  uint64_t maxFrames = 0;       // 0 = no limit
};

struct CaptureStats {
  uint64_t framesCaptured = 0;
  uint64_t framesDropped = 0;  // replaced in the mailbox before the consumer took them
  uint64_t framesSkipped = 0;  // undecodable frames the source skipped
  uint64_t reconnects = 0;
  uint64_t loops = 0;
  bool ended = false;       // the source is done (end of file, error, stop)
  bool failed = false;      // it ended because of an error
  bool sourceLost = false;  // a live source is failing and being retried right now
  std::string lastError;
  SampleSummary decodeMs;
  std::string source;
};

class CaptureThread {
 public:
  // `spec` is kept for looping (the source is reopened at its end).
  CaptureThread(SourceSpec spec, std::unique_ptr<FrameSource> source, CaptureParams params,
                const Clock& clock = SteadyClock::instance());
  ~CaptureThread();
  CaptureThread(const CaptureThread&) = delete;
  CaptureThread& operator=(const CaptureThread&) = delete;

  void start();
  // Stops reading and joins. Frames already handed on stay available to next().
  void stop();

  // Next frame for the consumer; nullopt after `timeout`, or once the source has ended and every frame
  // was taken (then finished() is true).
  std::optional<FramePtr> next(std::chrono::milliseconds timeout);
  bool finished() const;

  CaptureStats stats() const;
  SourceInfo sourceInfo() const;

 private:
  void run(std::stop_token stop);
  bool hand(FramePtr frame);
  void sleepFor(std::stop_token& stop, std::chrono::nanoseconds d);
  void setError(const std::string& message, bool fatal);

  SourceSpec spec_;
  std::unique_ptr<FrameSource> source_;
  CaptureParams params_;
  const Clock& clock_;
  bool latestOnly_ = false;
  SourceInfo info_;  // guarded by statsMutex_ once the thread runs
  uint64_t infoVersion_ = 0;

  LatestMailbox<FramePtr> mailbox_;
  BoundedQueue<FramePtr> queue_;

  mutable std::mutex statsMutex_;  // guards stats_ and info_
  CaptureStats stats_;
  SampleWindow decodeMs_{256};
  std::mutex sleepMutex_;
  std::condition_variable_any sleepCv_;
  std::jthread thread_;
};

}  // namespace facefilter
