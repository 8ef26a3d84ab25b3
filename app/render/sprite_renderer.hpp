#pragma once
// Draws textured triangles (filter art: sprites and masks) into the bound target with a blend mode.
// Main (GL) thread only; restores the GL state it changes.

#include <filesystem>
#include <vector>

#include "app/gl/shader_program.hpp"
#include "engine/filters/filter_description.hpp"
#include "engine/filters/filter_geometry.hpp"

namespace facefilter {

class SpriteRenderer {
 public:
  static Result<SpriteRenderer> create(const std::filesystem::path& shaderDir);
  // `triangles`: 3 vertices each, in target pixels. `targetWidth/Height`: the bound target's size.
  void draw(GLuint texture, const std::vector<SpriteVertex>& triangles, BlendMode blend, float opacity,
            int targetWidth, int targetHeight);

 private:
  explicit SpriteRenderer(gl::ShaderProgram program);
  gl::ShaderProgram program_;
  gl::VertexArray vao_;
  gl::Buffer vbo_;
};

}  // namespace facefilter
