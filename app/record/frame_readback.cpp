#include "app/record/frame_readback.hpp"

#include <cstring>

namespace facefilter {

std::optional<ReadbackFrame> FrameReadback::push(const gl::RenderTarget& target, uint64_t tag) {
  Slot& slot = slots_[next_];
  std::optional<ReadbackFrame> out;
  if (slot.pending) out = take(next_);  // (only with a single-slot ring; kept for safety)
  if (!slot.pbo) slot.pbo = gl::Buffer::create();
  slot.width = target.width();
  slot.height = target.height();
  slot.tag = tag;
  const auto bytes = static_cast<GLsizeiptr>(slot.width) * slot.height * 4;
  GLint previousRead = 0;
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previousRead);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, target.framebuffer());
  glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo.id());
  glBufferData(GL_PIXEL_PACK_BUFFER, bytes, nullptr, GL_STREAM_READ);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, slot.width, slot.height, GL_BGRA, GL_UNSIGNED_BYTE, nullptr);
  glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(previousRead));
  slot.pending = true;
  const size_t other = (next_ + 1) % slots_.size();
  next_ = other;
  if (!out && slots_[other].pending) out = take(other);
  return out;
}

std::optional<ReadbackFrame> FrameReadback::flush() {
  // The older pending slot is the one `next_` points at.
  for (size_t k = 0; k < slots_.size(); ++k) {
    const size_t i = (next_ + k) % slots_.size();
    if (slots_[i].pending) return take(i);
  }
  return std::nullopt;
}

std::optional<ReadbackFrame> FrameReadback::take(size_t i) {
  Slot& slot = slots_[i];
  slot.pending = false;
  const auto bytes = static_cast<GLsizeiptr>(slot.width) * slot.height * 4;
  glBindBuffer(GL_PIXEL_PACK_BUFFER, slot.pbo.id());
  const void* src = glMapBufferRange(GL_PIXEL_PACK_BUFFER, 0, bytes, GL_MAP_READ_BIT);
  std::optional<ReadbackFrame> out;
  if (src != nullptr) {
    ReadbackFrame f;
    f.bgra.create(slot.height, slot.width, CV_8UC4);
    std::memcpy(f.bgra.data, src, static_cast<size_t>(bytes));
    f.tag = slot.tag;
    out = std::move(f);
    glUnmapBuffer(GL_PIXEL_PACK_BUFFER);
  }
  glBindBuffer(GL_PIXEL_PACK_BUFFER, 0);
  return out;
}

cv::Mat readTargetNow(const gl::RenderTarget& target) {
  cv::Mat bgra(target.height(), target.width(), CV_8UC4);
  GLint previous = 0;
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previous);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, target.framebuffer());
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, target.width(), target.height(), GL_BGRA, GL_UNSIGNED_BYTE, bgra.data);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(previous));
  return bgra;
}

cv::Mat readBackBufferNow(int width, int height) {
  cv::Mat bgra(height, width, CV_8UC4);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, width, height, GL_BGRA, GL_UNSIGNED_BYTE, bgra.data);
  return bgra;
}

}  // namespace facefilter
