#pragma once
// Recycled pixel buffers for captured frames. A 1920x1080 BGR frame is 6 MB; allocated fresh for every
// frame, its pages are faulted in (and zeroed by the kernel) again each time, which costs more than
// decoding the frame on some machines (virtual machines especially). The pool keeps the buffers of frames
// that nothing holds any more and hands them out again, so the capture path touches the same warm memory.
//
// The pool is an OpenCV allocator: a cv::Mat made by acquire() returns its buffer to the pool when its last
// reference is released, on whichever thread that happens. Header copies and ROIs of it share its
// reference count, so a buffer is reused only once no Frame, copy or ROI of it is alive anywhere. An image
// that is re-created at another size through such a header also comes from the pool.
//
// Threads: every member may be called from any thread (one mutex). OpenCV keeps a plain pointer to the
// allocator in every image it made, so a pool must outlive all of its images: shared() lives for the whole
// process; a pool of one's own (tests) asserts on destruction that none of its images is still alive.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include <opencv2/core.hpp>

namespace facefilter {

struct FrameBufferPoolLimits {
  size_t maxIdleBuffers = 16;               // buffers kept for reuse while nothing holds them
  size_t maxIdleBytes = size_t{256} << 20;  // and their total size
  size_t minPooledBytes =
      size_t{64} << 10;  // smaller buffers are plain allocations: malloc reuses those well
};

struct FrameBufferPoolStats {
  uint64_t freshAllocations = 0;  // buffers the pool had to allocate (pooled sizes only)
  uint64_t reuses = 0;            // buffers handed out again
  size_t idleBuffers = 0;
  size_t idleBytes = 0;
  size_t buffersInUse = 0;  // buffers currently held by images made by the pool
};

class FrameBufferPool final : public cv::MatAllocator {
 public:
  explicit FrameBufferPool(FrameBufferPoolLimits limits = {});
  ~FrameBufferPool() override;
  FrameBufferPool(const FrameBufferPool&) = delete;
  FrameBufferPool& operator=(const FrameBufferPool&) = delete;

  // The process-wide pool the capture sources use.
  static FrameBufferPool& shared();

  // An image of `size` and `type` whose pixels come from the pool (contents undefined, continuous).
  cv::Mat acquire(cv::Size size, int type);

  FrameBufferPoolStats stats() const;
  // Frees the idle buffers (memory back to the system); images in use are not affected.
  void trim();

  // cv::MatAllocator: called by OpenCV, not by our code.
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, size_t* step, cv::AccessFlag flags,
                         cv::UMatUsageFlags usageFlags) const override;
  bool allocate(cv::UMatData* data, cv::AccessFlag accessFlags, cv::UMatUsageFlags usageFlags) const override;
  void deallocate(cv::UMatData* data) const override;

 private:
  struct Idle {
    size_t bytes;
    void* data;
  };
  void* take(size_t bytes) const;
  void give(void* data, size_t bytes) const;
  void freeIdle(std::vector<Idle>& idle) const;

  FrameBufferPoolLimits limits_;
  mutable std::mutex mutex_;
  mutable std::vector<Idle> idle_;      // oldest first; guarded by mutex_
  mutable FrameBufferPoolStats stats_;  // guarded by mutex_
};

}  // namespace facefilter
