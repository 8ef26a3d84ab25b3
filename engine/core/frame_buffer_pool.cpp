#include "engine/core/frame_buffer_pool.hpp"

#include <cassert>

#if defined(__SANITIZE_ADDRESS__)
#define FACEFILTER_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FACEFILTER_POOL_ASAN 1
#endif
#endif
#ifdef FACEFILTER_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace facefilter {
namespace {

// CV_AUTOSTEP of OpenCV's C API (types_c.h): the step OpenCV's own allocator takes as "not given".
constexpr size_t kAutoStep = 0x7fffffff;

// An idle buffer is poisoned under AddressSanitizer, so that a read or write through a pointer kept past
// its image's release is still reported although the memory was not freed.
void poison([[maybe_unused]] void* data, [[maybe_unused]] size_t bytes) {
#ifdef FACEFILTER_POOL_ASAN
  ASAN_POISON_MEMORY_REGION(data, bytes);
#endif
}

void unpoison([[maybe_unused]] void* data, [[maybe_unused]] size_t bytes) {
#ifdef FACEFILTER_POOL_ASAN
  ASAN_UNPOISON_MEMORY_REGION(data, bytes);
#endif
}

}  // namespace

FrameBufferPool::FrameBufferPool(FrameBufferPoolLimits limits) : limits_(limits) {}

FrameBufferPool::~FrameBufferPool() {
  std::lock_guard lock(mutex_);
  assert(stats_.buffersInUse == 0 && "FrameBufferPool destroyed while images made by it are alive");
  freeIdle(idle_);
}

FrameBufferPool& FrameBufferPool::shared() {
  // Never destroyed: images released during the process's exit still return their buffers to it.
  static FrameBufferPool* const pool = new FrameBufferPool();
  return *pool;
}

cv::Mat FrameBufferPool::acquire(cv::Size size, int type) {
  cv::Mat image;
  image.allocator = this;
  image.create(size, type);
  return image;
}

FrameBufferPoolStats FrameBufferPool::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void FrameBufferPool::trim() {
  std::vector<Idle> idle;
  {
    std::lock_guard lock(mutex_);
    idle.swap(idle_);
    stats_.idleBuffers = 0;
    stats_.idleBytes = 0;
  }
  freeIdle(idle);
}

void FrameBufferPool::freeIdle(std::vector<Idle>& idle) const {
  for (const Idle& b : idle) {
    unpoison(b.data, b.bytes);
    cv::fastFree(b.data);
  }
  idle.clear();
}

void* FrameBufferPool::take(size_t bytes) const {
  {
    std::lock_guard lock(mutex_);
    ++stats_.buffersInUse;
    if (bytes < limits_.minPooledBytes) return cv::fastMalloc(bytes);  // small: malloc's own reuse is good
    // The most recently returned buffer of this size first: its pages are the likeliest still in cache.
    for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
      if (it->bytes != bytes) continue;
      void* data = it->data;
      idle_.erase(std::next(it).base());
      --stats_.idleBuffers;
      stats_.idleBytes -= bytes;
      ++stats_.reuses;
      unpoison(data, bytes);
      return data;
    }
    ++stats_.freshAllocations;
  }
  return cv::fastMalloc(bytes);
}

void FrameBufferPool::give(void* data, size_t bytes) const {
  std::vector<Idle> evicted;
  {
    std::lock_guard lock(mutex_);
    --stats_.buffersInUse;
    const bool keep =
        bytes >= limits_.minPooledBytes && limits_.maxIdleBuffers > 0 && bytes <= limits_.maxIdleBytes;
    if (keep) {
      poison(data, bytes);
      idle_.push_back({bytes, data});
      ++stats_.idleBuffers;
      stats_.idleBytes += bytes;
      // Over a limit (the frame size changed, or more frames were in flight than usual): the oldest go.
      size_t drop = 0;
      while (stats_.idleBuffers > limits_.maxIdleBuffers || stats_.idleBytes > limits_.maxIdleBytes) {
        --stats_.idleBuffers;
        stats_.idleBytes -= idle_[drop].bytes;
        evicted.push_back(idle_[drop++]);
      }
      idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(drop));
    } else {
      evicted.push_back({bytes, data});
    }
  }
  freeIdle(evicted);  // outside the lock: freeing 6 MB can take a while (munmap)
}

cv::UMatData* FrameBufferPool::allocate(int dims, const int* sizes, int type, void* data, size_t* step,
                                        cv::AccessFlag /*flags*/, cv::UMatUsageFlags /*usageFlags*/) const {
  // The layout as OpenCV's own allocator computes it: rows packed, or the caller's steps for its data.
  size_t total = CV_ELEM_SIZE(type);
  for (int i = dims - 1; i >= 0; --i) {
    if (step) {
      if (data && step[i] != kAutoStep) {
        CV_Assert(total <= step[i]);
        total = step[i];
      } else {
        step[i] = total;
      }
    }
    total *= static_cast<size_t>(sizes[i]);
  }
  auto* u = new cv::UMatData(this);
  u->data = u->origdata = static_cast<uchar*>(data ? data : take(total));
  u->size = total;
  if (data) u->flags |= cv::UMatData::USER_ALLOCATED;
  return u;
}

bool FrameBufferPool::allocate(cv::UMatData* data, cv::AccessFlag /*accessFlags*/,
                               cv::UMatUsageFlags /*usageFlags*/) const {
  return data != nullptr;  // host memory only: nothing more to allocate
}

void FrameBufferPool::deallocate(cv::UMatData* u) const {
  if (!u) return;
  CV_Assert(u->urefcount == 0);
  CV_Assert(u->refcount == 0);
  if (!(u->flags & cv::UMatData::USER_ALLOCATED)) give(u->origdata, u->size);
  u->origdata = nullptr;
  delete u;
}

}  // namespace facefilter
