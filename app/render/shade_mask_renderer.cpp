#include "app/render/shade_mask_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <utility>

namespace facefilter {
namespace {

float distanceToSegment(cv::Point2f p, cv::Point2f a, cv::Point2f b) {
  const cv::Point2f ab = b - a;
  const float len2 = ab.dot(ab);
  const float t = len2 > 0 ? std::clamp((p - a).dot(ab) / len2, 0.0f, 1.0f) : 0.0f;
  const cv::Point2f d = p - (a + t * ab);
  return std::sqrt(d.dot(d));
}

}  // namespace

std::vector<ShadeVertex> shadeMaskTriangles(const MaskMesh& mesh, const std::vector<cv::Point2f>& facePts,
                                            const std::vector<cv::Point2f>& artPts, cv::Size artSize,
                                            float featherPx) {
  std::vector<ShadeVertex> out;
  if (artSize.width <= 0 || artSize.height <= 0 || facePts.size() != artPts.size()) return out;
  const int n = static_cast<int>(facePts.size());
  // The border: edges that only one triangle uses. Found from the topology, not from the points, so it holds
  // however the face is turned.
  std::map<std::pair<int, int>, int> edgeUses;
  for (const auto& t : mesh.triangles) {
    for (int k = 0; k < 3; ++k) {
      const int a = t[k], b = t[(k + 1) % 3];
      if (a < 0 || b < 0 || a >= n || b >= n) return out;
      ++edgeUses[{std::min(a, b), std::max(a, b)}];
    }
  }
  std::vector<std::pair<int, int>> border;
  for (const auto& [edge, uses] : edgeUses) {
    if (uses == 1) border.push_back(edge);
  }
  std::vector<float> edge(static_cast<size_t>(n), 1.0f);
  const float feather = std::max(featherPx, 1e-3f);
  for (int i = 0; i < n; ++i) {
    float d = std::numeric_limits<float>::max();
    for (const auto& [a, b] : border) {
      d = std::min(d, distanceToSegment(facePts[static_cast<size_t>(i)], facePts[static_cast<size_t>(a)],
                                        facePts[static_cast<size_t>(b)]));
    }
    edge[static_cast<size_t>(i)] = border.empty() ? 1.0f : d / feather;
  }
  const float aw = static_cast<float>(artSize.width), ah = static_cast<float>(artSize.height);
  out.reserve(mesh.triangles.size() * 3);
  for (const auto& t : mesh.triangles) {
    for (int k = 0; k < 3; ++k) {
      const auto i = static_cast<size_t>(t[k]);
      out.push_back(ShadeVertex{facePts[i].x, facePts[i].y, artPts[i].x / aw, artPts[i].y / ah, edge[i]});
    }
  }
  return out;
}

float shadeFeatherPx(const Landmarks& points) {
  cv::Point2f left(0, 0), right(0, 0);
  for (int i = 36; i < 42; ++i) left += points[static_cast<size_t>(i)];
  for (int i = 42; i < 48; ++i) right += points[static_cast<size_t>(i)];
  const cv::Point2f d = (right - left) * (1.0f / 6.0f);
  return kShadeFeatherEyeShare * std::sqrt(d.dot(d));
}

float shadeFaceLevel(const FaceLight& engineLight, const cv::Mat& frame, const Landmarks& points) {
  if (engineLight.valid) return engineLight.level;
  if (!frame.empty()) {
    if (const FaceLight own = estimateFaceLight(frame, points); own.valid) return own.level;
  }
  return 0.5f;
}

Result<ShadeMaskRenderer> ShadeMaskRenderer::create(const std::filesystem::path& shaderDir) {
  auto program = gl::ShaderProgram::fromFiles(shaderDir / "shade_mask.vert", shaderDir / "shade_mask.frag");
  if (!program) return program.error();
  return ShadeMaskRenderer(std::move(program).value());
}

ShadeMaskRenderer::ShadeMaskRenderer(gl::ShaderProgram program)
    : program_(std::move(program)), vao_(gl::VertexArray::create()), vbo_(gl::Buffer::create()) {
  GLint previousVao = 0;
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &previousVao);
  glBindVertexArray(vao_.id());
  glBindBuffer(GL_ARRAY_BUFFER, vbo_.id());
  const auto stride = static_cast<GLsizei>(sizeof(ShadeVertex));
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(ShadeVertex, x)));
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(offsetof(ShadeVertex, u)));
  glEnableVertexAttribArray(2);
  glVertexAttribPointer(2, 1, GL_FLOAT, GL_FALSE, stride,
                        reinterpret_cast<void*>(offsetof(ShadeVertex, edge)));
  glBindVertexArray(static_cast<GLuint>(previousVao));
  glBindBuffer(GL_ARRAY_BUFFER, 0);
}

void ShadeMaskRenderer::draw(GLuint art, GLuint video, const std::vector<ShadeVertex>& triangles,
                             float faceLevel, float opacity, int targetWidth, int targetHeight) {
  if (triangles.empty()) return;
  gl::StateGuard guard;
  glViewport(0, 0, targetWidth, targetHeight);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_CULL_FACE);
  glDisable(GL_SCISSOR_TEST);
  glEnable(GL_BLEND);
  glBlendEquation(GL_FUNC_ADD);
  // The target keeps alpha 1 (it is a video frame): only colour is blended.
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
  glUseProgram(program_.id());
  glUniform2f(program_.uniform("uTargetSize"), static_cast<float>(targetWidth),
              static_cast<float>(targetHeight));
  glUniform1f(program_.uniform("uOpacity"), opacity);
  glUniform1f(program_.uniform("uFaceLevel"), faceLevel);
  glUniform1i(program_.uniform("uArt"), 0);
  glUniform1i(program_.uniform("uVideo"), 1);
  // The guard restores unit 0's binding and the active unit; unit 1's binding is put back here.
  glActiveTexture(GL_TEXTURE1);
  GLint previousUnit1 = 0;
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previousUnit1);
  glBindTexture(GL_TEXTURE_2D, video);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, art);
  glBindVertexArray(vao_.id());
  glBindBuffer(GL_ARRAY_BUFFER, vbo_.id());
  const auto bytes = static_cast<GLsizeiptr>(triangles.size() * sizeof(ShadeVertex));
  glBufferData(GL_ARRAY_BUFFER, bytes, nullptr, GL_STREAM_DRAW);
  glBufferSubData(GL_ARRAY_BUFFER, 0, bytes, triangles.data());
  glDrawArrays(GL_TRIANGLES, 0, static_cast<GLsizei>(triangles.size()));
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  glActiveTexture(GL_TEXTURE1);
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previousUnit1));
  glActiveTexture(GL_TEXTURE0);
}

}  // namespace facefilter
