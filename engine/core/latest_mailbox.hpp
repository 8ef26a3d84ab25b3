#pragma once
// Capacity-1 mailbox for live sources: put() replaces an unread value (counted as dropped), take()
// waits for the newest. Any thread may call any method; one producer and one consumer is the intent.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace facefilter {

template <class T>
class LatestMailbox {
 public:
  // Never blocks. Returns false when closed (the value is discarded).
  bool put(T value) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      if (value_) ++dropped_;
      value_ = std::move(value);
    }
    cv_.notify_one();
    return true;
  }

  // Returns the newest value if one is waiting, without blocking.
  std::optional<T> tryTake() {
    std::lock_guard lock(mutex_);
    return takeLocked();
  }

  // Waits up to `timeout` for a value. Returns nullopt on timeout, or when closed and empty.
  template <class Rep, class Period>
  std::optional<T> take(std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return value_.has_value() || closed_; });
    return takeLocked();
  }

  // Wakes waiters; later puts are refused. A value already waiting can still be taken.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  bool drained() const {
    std::lock_guard lock(mutex_);
    return closed_ && !value_;
  }
  uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  std::optional<T> takeLocked() {
    std::optional<T> out = std::move(value_);
    value_.reset();
    return out;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<T> value_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace facefilter
