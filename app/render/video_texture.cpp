#include "app/render/video_texture.hpp"

#include <cstring>

namespace facefilter {

void VideoTexture::upload(const cv::Mat& bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3) return;
  const size_t rowBytes = static_cast<size_t>(bgr.cols) * 3;
  const size_t bytes = rowBytes * static_cast<size_t>(bgr.rows);
  GLint previousTex = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previousTex);
  if (!texture_ || bgr.cols != width_ || bgr.rows != height_) {
    texture_ = gl::Texture::create();
    width_ = bgr.cols;
    height_ = bgr.rows;
    glBindTexture(GL_TEXTURE_2D, texture_.id());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, width_, height_, 0, GL_BGR, GL_UNSIGNED_BYTE, nullptr);
    for (auto& pbo : pbos_) {
      if (!pbo) pbo = gl::Buffer::create();
    }
  }
  const gl::Buffer& pbo = pbos_[next_];
  next_ = (next_ + 1) % pbos_.size();
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, pbo.id());
  // Orphan the storage: if the GPU still reads the old contents, the driver hands us fresh memory.
  glBufferData(GL_PIXEL_UNPACK_BUFFER, static_cast<GLsizeiptr>(bytes), nullptr, GL_STREAM_DRAW);
  void* dst = glMapBufferRange(GL_PIXEL_UNPACK_BUFFER, 0, static_cast<GLsizeiptr>(bytes),
                               GL_MAP_WRITE_BIT | GL_MAP_INVALIDATE_BUFFER_BIT | GL_MAP_UNSYNCHRONIZED_BIT);
  if (dst != nullptr) {
    if (bgr.isContinuous()) {
      std::memcpy(dst, bgr.data, bytes);
    } else {
      for (int y = 0; y < bgr.rows; ++y) {
        std::memcpy(static_cast<uint8_t*>(dst) + rowBytes * static_cast<size_t>(y), bgr.ptr(y), rowBytes);
      }
    }
    glUnmapBuffer(GL_PIXEL_UNPACK_BUFFER);
    glBindTexture(GL_TEXTURE_2D, texture_.id());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, width_, height_, GL_BGR, GL_UNSIGNED_BYTE, nullptr);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    ++uploads_;
  }
  glBindBuffer(GL_PIXEL_UNPACK_BUFFER, 0);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previousTex));
}

}  // namespace facefilter
