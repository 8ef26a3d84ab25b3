#pragma once
// The newest value of something, readable any number of times (the render loop reads the newest frame
// and the newest result every frame without consuming them). A version number tells readers whether
// it changed. Any thread.

#include <cstdint>
#include <mutex>
#include <utility>

namespace facefilter {

template <class T>
class LatestValue {
 public:
  void set(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
    ++version_;
  }
  // Returns {value, version}; version 0 means nothing was set yet.
  std::pair<T, uint64_t> get() const {
    std::lock_guard lock(mutex_);
    return {value_, version_};
  }
  uint64_t version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }

 private:
  mutable std::mutex mutex_;
  T value_{};
  uint64_t version_ = 0;
};

}  // namespace facefilter
