#pragma once
// One captured frame, stamped once by the capture thread and immutable afterwards: shared read-only
// between threads through FramePtr.

#include <cstdint>
#include <memory>

#include <opencv2/core.hpp>

namespace facefilter {

struct Frame {
  uint64_t id = 0;        // 0, 1, 2, ... in capture order, per source
  int64_t captureNs = 0;  // steady-clock time of capture: a camera driver's time stamp, else when it was read
  int64_t decodeNs = 0;   // time spent reading/decoding it
  double sourceTimeMs = 0;  // position in the source (video timestamp), 0 for live sources
  cv::Mat image;            // 8-bit BGR, never empty
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace facefilter
