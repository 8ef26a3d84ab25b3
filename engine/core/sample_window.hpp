#pragma once
// A rolling window of the last N samples of one quantity (e.g. a stage's milliseconds) with totals
// over all time. Not thread-safe: the owner guards it.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace facefilter {

struct SampleSummary {
  uint64_t count = 0;  // samples ever added
  double last = 0;
  double mean = 0;    // over all samples ever added
  double median = 0;  // over the window
  double p95 = 0;     // over the window
  double max = 0;     // over the window
};

class SampleWindow {
 public:
  explicit SampleWindow(size_t capacity = 512) : capacity_(capacity == 0 ? 1 : capacity) {
    samples_.reserve(capacity_);
  }

  void add(double value) {
    if (samples_.size() < capacity_) {
      samples_.push_back(value);
    } else {
      samples_[next_] = value;
    }
    next_ = (next_ + 1) % capacity_;
    ++count_;
    sum_ += value;
    last_ = value;
  }

  // Oldest first.
  std::vector<double> values() const {
    if (samples_.size() < capacity_) return samples_;
    std::vector<double> out(samples_.begin() + static_cast<long>(next_), samples_.end());
    out.insert(out.end(), samples_.begin(), samples_.begin() + static_cast<long>(next_));
    return out;
  }

  SampleSummary summary() const {
    SampleSummary s;
    s.count = count_;
    s.last = last_;
    if (count_ == 0) return s;
    s.mean = sum_ / static_cast<double>(count_);
    std::vector<double> sorted = samples_;
    std::sort(sorted.begin(), sorted.end());
    s.median = quantileSorted(sorted, 0.5);
    s.p95 = quantileSorted(sorted, 0.95);
    s.max = sorted.back();
    return s;
  }

  static double quantileSorted(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<size_t>(pos);
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return sorted[lo] * (1 - frac) + sorted[hi] * frac;
  }

 private:
  size_t capacity_;
  std::vector<double> samples_;
  size_t next_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
  double last_ = 0;
};

}  // namespace facefilter
