#pragma once
// Move-only RAII owners of OpenGL names. Each deletes its name on destruction; id() gives the raw name
// for GL calls. Main (GL) thread only; a current context must exist when they are created or destroyed.

#include <utility>

#include "app/gl/gl.hpp"

namespace facefilter::gl {

// One GL name and its deleter, movable, not copyable.
template <class Traits>
class Object {
 public:
  Object() = default;
  static Object create() { return Object(Traits::create()); }
  ~Object() { reset(); }
  Object(Object&& o) noexcept : id_(std::exchange(o.id_, 0)) {}
  Object& operator=(Object&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, 0);
    }
    return *this;
  }
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  GLuint id() const { return id_; }
  explicit operator bool() const { return id_ != 0; }
  void reset() {
    if (id_ != 0) Traits::destroy(id_);
    id_ = 0;
  }

 private:
  explicit Object(GLuint id) : id_(id) {}
  GLuint id_ = 0;
};

struct TextureTraits {
  static GLuint create();
  static void destroy(GLuint id);
};
struct BufferTraits {
  static GLuint create();
  static void destroy(GLuint id);
};
struct VertexArrayTraits {
  static GLuint create();
  static void destroy(GLuint id);
};
struct FramebufferTraits {
  static GLuint create();
  static void destroy(GLuint id);
};
struct RenderbufferTraits {
  static GLuint create();
  static void destroy(GLuint id);
};
struct ShaderTraits {
  static GLuint create() { return 0; }  // shaders are made by ShaderProgram with their stage
  static void destroy(GLuint id);
};
struct ProgramTraits {
  static GLuint create();
  static void destroy(GLuint id);
};

using Texture = Object<TextureTraits>;
using Buffer = Object<BufferTraits>;
using VertexArray = Object<VertexArrayTraits>;
using Framebuffer = Object<FramebufferTraits>;
using Program = Object<ProgramTraits>;
using Renderbuffer = Object<RenderbufferTraits>;

// An RGBA8 (or other format) 2D texture with its size, linear filtering, clamped edges.
struct Texture2D {
  Texture texture;
  int width = 0;
  int height = 0;
  GLuint id() const { return texture.id(); }
};

// Creates an RGBA8 texture from tightly packed RGBA pixels (top row first, as images are stored).
Texture2D makeRgbaTexture(int width, int height, const void* pixels);

// An offscreen colour target: an RGBA8 texture attached to a framebuffer, with a 24-bit depth buffer (3D
// model filters are depth-tested against each other and the head occluder).
class RenderTarget {
 public:
  RenderTarget() = default;
  // Re-creates the attachments when the size changes. Returns false if the framebuffer is incomplete.
  bool resize(int width, int height);
  GLuint framebuffer() const { return fbo_.id(); }
  GLuint texture() const { return color_.id(); }
  int width() const { return color_.width; }
  int height() const { return color_.height; }

 private:
  Framebuffer fbo_;
  Texture2D color_;
  Renderbuffer depth_;
};

// Restores the bound framebuffer, viewport, blending and scissor state it saw at construction.
class StateGuard {
 public:
  StateGuard();
  ~StateGuard();
  StateGuard(const StateGuard&) = delete;
  StateGuard& operator=(const StateGuard&) = delete;

 private:
  GLint drawFbo_ = 0, readFbo_ = 0, program_ = 0, vao_ = 0, texture_ = 0, activeTexture_ = 0;
  GLint viewport_[4] = {0, 0, 0, 0};
  GLboolean blend_ = GL_FALSE, scissor_ = GL_FALSE, depth_ = GL_FALSE, cull_ = GL_FALSE;
  GLint blendSrcRgb_ = 0, blendDstRgb_ = 0, blendSrcA_ = 0, blendDstA_ = 0, blendEqRgb_ = 0, blendEqA_ = 0;
};

}  // namespace facefilter::gl
