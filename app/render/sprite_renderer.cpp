#include "app/render/sprite_renderer.hpp"

#include <cstddef>

namespace facefilter {

Result<SpriteRenderer> SpriteRenderer::create(const std::filesystem::path& shaderDir) {
  auto program = gl::ShaderProgram::fromFiles(shaderDir / "sprite.vert", shaderDir / "sprite.frag");
  if (!program) return program.error();
  return SpriteRenderer(std::move(program).value());
}

SpriteRenderer::SpriteRenderer(gl::ShaderProgram program)
    : program_(std::move(program)), vao_(gl::VertexArray::create()), vbo_(gl::Buffer::create()) {
  GLint previousVao = 0;
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &previousVao);
  glBindVertexArray(vao_.id());
  glBindBuffer(GL_ARRAY_BUFFER, vbo_.id());
  const auto stride = static_cast<GLsizei>(sizeof(SpriteVertex));
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(SpriteVertex, x)));
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(SpriteVertex, u)));
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(SpriteVertex, w)));
  glBindVertexArray(static_cast<GLuint>(previousVao));
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

void SpriteRenderer::draw(GLuint texture, const std::vector<SpriteVertex>& triangles, BlendMode blend,
                          float opacity, int targetWidth, int targetHeight) {
  if (triangles.empty()) return;
  gl::StateGuard guard;
  glViewport(0, 0, targetWidth, targetHeight);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_CULL_FACE);
  glDisable(GL_SCISSOR_TEST);
  glEnable(GL_BLEND);
  glBlendEquation(GL_FUNC_ADD);
  // The target keeps alpha 1 (it is a video frame): only colour is blended.
  switch (blend) {
    case BlendMode::kNormal:
    case BlendMode::kShade:  // masks with "shade" go to ShadeMaskRenderer; alpha over, should one come here
      glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
      break;
    case BlendMode::kAdditive:
      glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE, GL_ZERO, GL_ONE);
      break;
    case BlendMode::kMultiply:
      glBlendFuncSeparate(GL_DST_COLOR, GL_ZERO, GL_ZERO, GL_ONE);
      break;
    case BlendMode::kScreen:
      glBlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_COLOR, GL_ZERO, GL_ONE);
      break;
  }
  glUseProgram(program_.id());
  glUniform2f(program_.uniform("uTargetSize"), static_cast<float>(targetWidth),
              static_cast<float>(targetHeight));
  glUniform1f(program_.uniform("uOpacity"), opacity);
  glUniform1i(program_.uniform("uBlendMode"), static_cast<int>(blend));
  glUniform1i(program_.uniform("uArt"), 0);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture);
  glBindVertexArray(vao_.id());
  glBindBuffer(GL_ARRAY_BUFFER, vbo_.id());
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(triangles.size() * sizeof(SpriteVertex)), nullptr,
               GL_STREAM_DRAW);
  glBufferSubData(GL_ARRAY_BUFFER, 0, static_cast<GLsizeiptr>(triangles.size() * sizeof(SpriteVertex)),
                  triangles.data());
  glDrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(triangles.size()));
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

}  // namespace facefilter
