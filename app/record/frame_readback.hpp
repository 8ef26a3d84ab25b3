#pragma once
// Reads the scene target back without stalling: each frame's glReadPixels goes into one of two
// pixel-pack buffers in turn, and the other buffer (filled a frame earlier, its transfer long done) is
// mapped and copied out. So a frame comes out one call after it went in; flush() drains the last one.
// readTargetNow/readBackBufferNow wait for the GPU instead, for single images.
// Main (GL) thread only.

#include <array>
#include <cstdint>
#include <optional>

#include <opencv2/core.hpp>

#include "app/gl/gl_objects.hpp"

namespace facefilter {

struct ReadbackFrame {
  cv::Mat bgra;      // bottom row first (GL order); the writer flips it
  uint64_t tag = 0;  // caller's id for the frame (e.g. the index of the frame it showed)
};

class FrameReadback {
 public:
  // Starts reading `target` back; returns the frame started by the previous call, if any.
  std::optional<ReadbackFrame> push(const gl::RenderTarget& target, uint64_t tag);
  // Returns the frame still in flight, if any.
  std::optional<ReadbackFrame> flush();

 private:
  std::optional<ReadbackFrame> take(size_t slot);
  struct Slot {
    gl::Buffer pbo;
    int width = 0, height = 0;
    uint64_t tag = 0;
    bool pending = false;
  };
  std::array<Slot, 2> slots_;
  size_t next_ = 0;
};

// Immediate (stalling) reads for one-off images, bottom row first: a snapshot of the scene target, and the
// window's back buffer (what is about to be shown, panel included).
cv::Mat readTargetNow(const gl::RenderTarget& target);
cv::Mat readBackBufferNow(int width, int height);

}  // namespace facefilter
