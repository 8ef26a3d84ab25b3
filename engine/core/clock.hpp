#pragma once
// Time source for everything that stamps or measures. Injected so that timing logic (mailbox drops,
// detection interval, smoothing) is tested with a manual clock instead of sleeps.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace facefilter {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds. Any thread.
  virtual int64_t nowNs() const = 0;
};

class SteadyClock final : public Clock {
 public:
  int64_t nowNs() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static const SteadyClock& instance() {
    static const SteadyClock clock;
    return clock;
  }
};

// A clock that only moves when told to. Any thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t startNs = 0) : now_(startNs) {}
  int64_t nowNs() const override { return now_.load(); }
  void advanceNs(int64_t ns) { now_ += ns; }
  void setNs(int64_t ns) { now_ = ns; }

 private:
  std::atomic<int64_t> now_;
};

inline double nsToMs(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace facefilter
