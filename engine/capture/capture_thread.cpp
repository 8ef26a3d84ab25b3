#include "engine/capture/capture_thread.hpp"

#include "engine/core/logging.hpp"

namespace facefilter {

CaptureThread::CaptureThread(SourceSpec spec, std::unique_ptr<FrameSource> source, CaptureParams params,
                             const Clock& clock)
    : spec_(std::move(spec)),
      source_(std::move(source)),
      params_(params),
      clock_(clock),
      queue_(params.queueCapacity) {
  info_ = source_->info();
  infoVersion_ = source_->infoVersion();
  // `default` fell back to the demo clip: loop the clip, do not probe for a camera at every restart.
  if (spec_.kind == SourceKind::kDefault && !info_.live) {
    spec_.kind = SourceKind::kDemo;
    spec_.path = kDemoVideoPath;
  }
  latestOnly_ = params_.delivery == Delivery::kLatest || (params_.delivery == Delivery::kAuto && info_.live);
  stats_.source = info_.description;
}

CaptureThread::~CaptureThread() {
  stop();
}

void CaptureThread::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void CaptureThread::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    sleepCv_.notify_all();
    // A producer blocked on a full queue must wake: closing refuses further pushes.
    queue_.close();
    mailbox_.close();
    thread_.join();
  }
}

std::optional<FramePtr> CaptureThread::next(std::chrono::milliseconds timeout) {
  return latestOnly_ ? mailbox_.take(timeout) : queue_.pop(timeout);
}

bool CaptureThread::finished() const {
  return latestOnly_ ? mailbox_.drained() : queue_.drained();
}

CaptureStats CaptureThread::stats() const {
  std::lock_guard lock(statsMutex_);
  CaptureStats s = stats_;
  s.framesDropped = mailbox_.dropped();
  s.decodeMs = decodeMs_.summary();
  return s;
}

SourceInfo CaptureThread::sourceInfo() const {
  std::lock_guard lock(statsMutex_);
  return info_;
}

bool CaptureThread::hand(FramePtr frame) {
  return latestOnly_ ? mailbox_.put(std::move(frame)) : queue_.push(std::move(frame));
}

void CaptureThread::sleepFor(std::stop_token& stop, std::chrono::nanoseconds d) {
  std::unique_lock lock(sleepMutex_);
  sleepCv_.wait_for(lock, stop, d, [] { return false; });
}

void CaptureThread::setError(const std::string& message, bool fatal) {
  std::lock_guard lock(statsMutex_);
  stats_.lastError = message;
  if (fatal) stats_.failed = true;
}

void CaptureThread::run(std::stop_token stop) {
  auto log = logger("capture");
  uint64_t nextId = 0;
  int64_t paceStartNs = clock_.nowNs();
  uint64_t pacedFrames = 0;
  const double paceFps = info_.fps > 0 ? info_.fps : 30.0;

  while (!stop.stop_requested()) {
    if (params_.maxFrames > 0 && nextId >= params_.maxFrames) break;
    const int64_t t0 = clock_.nowNs();
    ReadResult r = source_->read();
    const int64_t t1 = clock_.nowNs();

    if (r.status == ReadStatus::kEndOfStream || (r.status == ReadStatus::kFailed && !info_.live)) {
      if (r.status == ReadStatus::kFailed) {
        log->error("{}", r.error);
        setError(r.error, true);
      }
      {
        std::lock_guard lock(statsMutex_);
        stats_.framesSkipped += static_cast<uint64_t>(source_->skippedFrames());
      }
      if (params_.atEnd == EndBehaviour::kLoop && r.status == ReadStatus::kEndOfStream && nextId > 0) {
        auto reopened = openSource(spec_);
        if (reopened) {
          source_ = std::move(reopened).value();
          std::lock_guard lock(statsMutex_);
          ++stats_.loops;
          continue;
        }
        log->error("{}", reopened.error().message);
        setError(reopened.error().message, true);
      }
      break;
    }

    if (r.status == ReadStatus::kFailed) {  // a live source: report, then retry until it comes back
      log->warn("{}; retrying every {} ms", r.error, params_.reconnectDelayMs);
      {
        std::lock_guard lock(statsMutex_);
        stats_.sourceLost = true;
        stats_.lastError = r.error;
      }
      while (!stop.stop_requested()) {
        sleepFor(stop, std::chrono::milliseconds(params_.reconnectDelayMs));
        if (stop.stop_requested()) break;
        if (source_->reopen()) {
          log->info("{}: back", info_.description);
          std::lock_guard lock(statsMutex_);
          stats_.sourceLost = false;
          ++stats_.reconnects;
          break;
        }
      }
      continue;
    }

    if (source_->infoVersion() != infoVersion_) {  // e.g. a camera's measured rate became known
      infoVersion_ = source_->infoVersion();
      SourceInfo updated = source_->info();
      std::lock_guard lock(statsMutex_);
      info_ = std::move(updated);
    }

    const int64_t decodeNs = r.decodeNs >= 0 ? r.decodeNs : t1 - t0;
    auto frame = std::make_shared<Frame>();
    frame->id = nextId++;
    frame->captureNs = r.captureNs > 0 ? r.captureNs : t1;
    frame->decodeNs = decodeNs;
    frame->sourceTimeMs = r.sourceTimeMs;
    frame->image = std::move(r.image);
    {
      std::lock_guard lock(statsMutex_);
      ++stats_.framesCaptured;
      decodeMs_.add(nsToMs(decodeNs));
    }
    if (!hand(std::move(frame))) break;  // closed by stop()

    if (params_.pacing == Pacing::kSourceRate && !info_.live) {
      ++pacedFrames;
      const auto dueNs = paceStartNs + static_cast<int64_t>(static_cast<double>(pacedFrames) * 1e9 / paceFps);
      const int64_t wait = dueNs - clock_.nowNs();
      if (wait > 0)
        sleepFor(stop, std::chrono::nanoseconds(wait));
      else if (wait < -1'000'000'000) {  // far behind (paused, slow disk): restart the schedule
        paceStartNs = clock_.nowNs();
        pacedFrames = 0;
      }
    }
  }
  {
    std::lock_guard lock(statsMutex_);
    stats_.ended = true;
  }
  queue_.close();
  mailbox_.close();
}

}  // namespace facefilter
