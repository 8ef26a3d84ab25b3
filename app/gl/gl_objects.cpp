#include "app/gl/gl_objects.hpp"

namespace facefilter::gl {

GLuint TextureTraits::create() {
  GLuint id = 0;
  glGenTextures(1, &id);
  return id;
}
void TextureTraits::destroy(GLuint id) {
  glDeleteTextures(1, &id);
}
GLuint BufferTraits::create() {
  GLuint id = 0;
  glGenBuffers(1, &id);
  return id;
}
void BufferTraits::destroy(GLuint id) {
  glDeleteBuffers(1, &id);
}
GLuint VertexArrayTraits::create() {
  GLuint id = 0;
  glGenVertexArrays(1, &id);
  return id;
}
void VertexArrayTraits::destroy(GLuint id) {
  glDeleteVertexArrays(1, &id);
}
GLuint FramebufferTraits::create() {
  GLuint id = 0;
  glGenFramebuffers(1, &id);
  return id;
}
void FramebufferTraits::destroy(GLuint id) {
  glDeleteFramebuffers(1, &id);
}
GLuint RenderbufferTraits::create() {
  GLuint id = 0;
  glGenRenderbuffers(1, &id);
  return id;
}
void RenderbufferTraits::destroy(GLuint id) {
  glDeleteRenderbuffers(1, &id);
}
void ShaderTraits::destroy(GLuint id) {
  glDeleteShader(id);
}
GLuint ProgramTraits::create() {
  return glCreateProgram();
}
void ProgramTraits::destroy(GLuint id) {
  glDeleteProgram(id);
}

Texture2D makeRgbaTexture(int width, int height, const void* pixels) {
  Texture2D t{Texture::create(), width, height};
  GLint previous = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
  glBindTexture(GL_TEXTURE_2D, t.id());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  if (pixels != nullptr) glGenerateMipmap(GL_TEXTURE_2D);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
  return t;
}

bool RenderTarget::resize(int width, int height) {
  if (fbo_ && width == color_.width && height == color_.height) return true;
  color_ = Texture2D{Texture::create(), width, height};
  GLint previousTex = 0, previousFbo = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previousTex);
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &previousFbo);
  glBindTexture(GL_TEXTURE_2D, color_.id());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
  if (!fbo_) fbo_ = Framebuffer::create();
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_.id());
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_.id(), 0);
  if (!depth_) depth_ = Renderbuffer::create();
  GLint previousRb = 0;
  glGetIntegerv(GL_RENDERBUFFER_BINDING, &previousRb);
  glBindRenderbuffer(GL_RENDERBUFFER, depth_.id());
  glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, width, height);
  glBindRenderbuffer(GL_RENDERBUFFER, static_cast<GLuint>(previousRb));
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, depth_.id());
  const bool complete = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
  glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(previousFbo));
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previousTex));
  return complete;
}

StateGuard::StateGuard() {
  glGetIntegerv(GL_DRAW_FRAMEBUFFER_BINDING, &drawFbo_);
  glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &readFbo_);
  glGetIntegerv(GL_CURRENT_PROGRAM, &program_);
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &vao_);
  glGetIntegerv(GL_ACTIVE_TEXTURE, &activeTexture_);
  glActiveTexture(GL_TEXTURE0);
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &texture_);
  glGetIntegerv(GL_VIEWPORT, viewport_);
  blend_ = glIsEnabled(GL_BLEND);
  scissor_ = glIsEnabled(GL_SCISSOR_TEST);
  depth_ = glIsEnabled(GL_DEPTH_TEST);
  cull_ = glIsEnabled(GL_CULL_FACE);
  glGetIntegerv(GL_BLEND_SRC_RGB, &blendSrcRgb_);
  glGetIntegerv(GL_BLEND_DST_RGB, &blendDstRgb_);
  glGetIntegerv(GL_BLEND_SRC_ALPHA, &blendSrcA_);
  glGetIntegerv(GL_BLEND_DST_ALPHA, &blendDstA_);
  glGetIntegerv(GL_BLEND_EQUATION_RGB, &blendEqRgb_);
  glGetIntegerv(GL_BLEND_EQUATION_ALPHA, &blendEqA_);
}

StateGuard::~StateGuard() {
  auto set = [](GLenum cap, GLboolean on) { on ? glEnable(cap) : glDisable(cap); };
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, static_cast<GLuint>(drawFbo_));
  glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(readFbo_));
  glUseProgram(static_cast<GLuint>(program_));
  glBindVertexArray(static_cast<GLuint>(vao_));
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(texture_));
  glActiveTexture(static_cast<GLenum>(activeTexture_));
  glViewport(viewport_[0], viewport_[1], viewport_[2], viewport_[3]);
  set(GL_BLEND, blend_);
  set(GL_SCISSOR_TEST, scissor_);
  set(GL_DEPTH_TEST, depth_);
  set(GL_CULL_FACE, cull_);
  glBlendEquationSeparate(static_cast<GLenum>(blendEqRgb_), static_cast<GLenum>(blendEqA_));
  glBlendFuncSeparate(static_cast<GLenum>(blendSrcRgb_), static_cast<GLenum>(blendDstRgb_),
                      static_cast<GLenum>(blendSrcA_), static_cast<GLenum>(blendDstA_));
}

}  // namespace facefilter::gl
