#pragma once
// The video frame as a texture. Uploads go through two pixel-unpack buffers used in turn: the frame is
// copied into a freshly orphaned buffer and glTexSubImage2D reads from it asynchronously, so the CPU never
// waits for the previous transfer. Main (GL) thread only.

#include <array>
#include <cstdint>

#include <opencv2/core.hpp>

#include "app/gl/gl_objects.hpp"

namespace facefilter {

class VideoTexture {
 public:
  VideoTexture() = default;
  // `bgr` is 8-bit, 3 channels; the texture is re-created if the size changes.
  void upload(const cv::Mat& bgr);
  GLuint id() const { return texture_.id(); }
  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return !texture_; }
  uint64_t uploads() const { return uploads_; }

 private:
  gl::Texture texture_;
  std::array<gl::Buffer, 2> pbos_;
  int width_ = 0;
  int height_ = 0;
  size_t next_ = 0;
  uint64_t uploads_ = 0;
};

}  // namespace facefilter
