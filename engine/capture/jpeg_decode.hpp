#pragma once
// JPEG to 8-bit BGR through libjpeg-turbo's TurboJPEG API, straight into a buffer of the frame pool: how a
// camera's MJPG frames are decoded on the capture thread. TurboJPEG decodes a 1280x720 frame in about 70 %
// of cv::imdecode's time on our stack (both are libjpeg-turbo; imdecode goes through libjpeg's scanline
// API and a fresh image per call): the bench's `mjpg_decode_ms_720p` row and its imdecode row beside it.
//
// Threads: a JpegDecoder holds a TurboJPEG handle; one thread uses it at a time (the capture thread). The
// images it returns are ordinary cv::Mat that any thread may hold; their buffers go back to the pool when
// the last holder lets go.
// Failures are values: data that is not a JPEG, a frame of the wrong size, a picture the decoder cannot
// use. A frame that is damaged but still gives a picture (a camera's frame cut short, as USB transfers
// sometimes are) is returned, and counted in warnings().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "engine/core/frame_buffer_pool.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

// Larger sides are refused before anything is allocated: a damaged header must not ask for gigabytes.
inline constexpr int kMaxJpegSide = 8192;

class JpegDecoder {
 public:
  static Result<JpegDecoder> create(FrameBufferPool& pool = FrameBufferPool::shared());

  // Decodes one whole JPEG image (an MJPG frame) of `bytes` bytes at `data`. `expected`: the size the
  // picture must have (a camera mode's), or an empty size for any size up to kMaxJpegSide.
  Result<cv::Mat> decode(const uint8_t* data, size_t bytes, cv::Size expected = {});

  // Frames decoded with a warning (damaged data that still gave a picture), and the last warning's text.
  uint64_t warnings() const { return warnings_; }
  const std::string& lastWarning() const { return lastWarning_; }

 private:
  struct HandleDeleter {
    void operator()(void* handle) const;
  };
  JpegDecoder(void* handle, FrameBufferPool& pool) : handle_(handle), pool_(&pool) {}

  std::unique_ptr<void, HandleDeleter> handle_;
  FrameBufferPool* pool_;
  uint64_t warnings_ = 0;
  std::string lastWarning_;
};

}  // namespace facefilter
