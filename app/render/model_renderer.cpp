#include "app/render/model_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <sstream>

#include <opencv2/calib3d.hpp>

#include "app/gl/gl_objects.hpp"
#include "engine/filters/head_occluder.hpp"

namespace facefilter {
namespace {

// The depth range in canonical units (eye-centre distances) from the camera. Fixed rather than fitted per
// face, so that faces' depths compare in the one depth buffer: near enough for a face filling the frame,
// far enough for a face a few pixels wide (24-bit depth still resolves well under a hundredth of a unit at
// a typical distance of tens of units).
constexpr double kNear = 0.1;
constexpr double kFar = 10000.0;

// Light: a model facing the light at the typical level shows its own colour (ambient + diffuse = 1).
constexpr float kAmbient = 0.45f;
constexpr float kDiffuse = 0.55f;
// The light's direction from the face's balance: the balances are small numbers (a strongly side-lit face
// is around 0.3), so they are stretched before they turn the light sideways.
constexpr float kBalanceToDirection = 2.5f;

const cv::Vec4f kOccluderDebugColour(0.2f, 0.85f, 1.0f, 0.35f);

cv::Matx33d rotationDeg(const cv::Point3f& deg) {
  const double k = CV_PI / 180.0;
  const double ax = deg.x * k, ay = deg.y * k, az = deg.z * k;
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(ax), -std::sin(ax), 0, std::sin(ax), std::cos(ax));
  const cv::Matx33d ry(std::cos(ay), 0, std::sin(ay), 0, 1, 0, -std::sin(ay), 0, std::cos(ay));
  const cv::Matx33d rz(std::cos(az), -std::sin(az), 0, std::sin(az), std::cos(az), 0, 0, 0, 1);
  return rz * ry * rx;
}

// The head pose's pinhole camera as a GL projection into a target of that size.
cv::Matx44d projectionFor(const HeadPose& pose, cv::Size target) {
  const double fx = pose.camera(0, 0), fy = pose.camera(1, 1);
  const double cx = pose.camera(0, 2), cy = pose.camera(1, 2);
  const double w = target.width, h = target.height;
  // OpenCV puts pixel centres at whole numbers, GL at halves: +0.5 lands projectWithPose's (u, v) on the
  // pixel it names. y: image rows go down, GL's window y up.
  return {2 * fx / w,
          0,
          2 * (cx + 0.5) / w - 1,
          0,  //
          0,
          -2 * fy / h,
          1 - 2 * (cy + 0.5) / h,
          0,  //
          0,
          0,
          (kFar + kNear) / (kFar - kNear),
          -2 * kFar * kNear / (kFar - kNear),  //
          0,
          0,
          1,
          0};
}

// Canonical (x right, y down, z towards the camera) -> the pose's object frame (z away): z negated.
const cv::Matx33d kCanonicalToObject(1, 0, 0, 0, 1, 0, 0, 0, -1);
// glTF (x right, y up, z towards the viewer) -> canonical: y negated.
const cv::Matx33d kGltfToCanonical(1, 0, 0, 0, -1, 0, 0, 0, 1);

cv::Matx44d affine(const cv::Matx33d& a, const cv::Vec3d& b) {
  return {a(0, 0), a(0, 1), a(0, 2), b[0], a(1, 0), a(1, 1), a(1, 2), b[1],
          a(2, 0), a(2, 1), a(2, 2), b[2], 0,       0,       0,       1};
}

void setMatrix4(GLint location, const cv::Matx44d& m) {
  const cv::Matx44f f = m;
  glUniformMatrix4fv(location, 1, GL_TRUE, f.val);  // Matx is row-major
}

}  // namespace

ModelLighting lightingFor(const FaceLight& light) {
  ModelLighting l;
  if (!light.valid) return l;
  // Positive leftRight: the face's right side is brighter, the light is to the right (+x); positive
  // topBottom: brighter at the top, the light is above (-y, canonical y is down); and from the front.
  cv::Vec3f d(kBalanceToDirection * std::clamp(light.leftRight, -1.0f, 1.0f),
              -kBalanceToDirection * std::clamp(light.topBottom, -1.0f, 1.0f), 1.0f);
  l.directionHead = d / cv::norm(d);
  // A face in a dark room darkens the model with it; never to black (a model still reads) and never far
  // above its own colours (they would wash out to white).
  l.scale = std::clamp(light.level / kTypicalFaceLevel, 0.1f, 1.5f);
  return l;
}

ModelMatrices modelMatrices(const HeadPose& pose, const ModelPlacement& placement, cv::Size targetSize) {
  cv::Matx33d r;
  cv::Rodrigues(pose.rvec, r);
  const cv::Matx33d place = rotationDeg(placement.rotationDeg);
  const cv::Matx33d toHead = place * kGltfToCanonical;
  const cv::Matx33d a = r * kCanonicalToObject * toHead * static_cast<double>(placement.scale);
  const cv::Vec3d offset(placement.offset.x, placement.offset.y, placement.offset.z);
  const cv::Vec3d b = r * (kCanonicalToObject * offset) + pose.tvec;
  ModelMatrices m;
  m.modelToCamera = affine(a, b);
  m.projection = projectionFor(pose, targetSize);
  m.normalToHead = toHead;
  return m;
}

cv::Matx44d canonicalToClip(const HeadPose& pose, cv::Size targetSize) {
  cv::Matx33d r;
  cv::Rodrigues(pose.rvec, r);
  return projectionFor(pose, targetSize) * affine(r * kCanonicalToObject, pose.tvec);
}

GpuModel GpuModel::upload(const ModelAsset& asset) {
  GpuModel g;
  GLint previousVao = 0, previousTex = 0;
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &previousVao);
  glGetIntegerv(GL_TEXTURE_BINDING_2D, &previousTex);
  for (const cv::Mat& t : asset.textures) {
    const cv::Mat tight = t.isContinuous() ? t : t.clone();
    gl::Texture2D tex = gl::makeRgbaTexture(tight.cols, tight.rows, tight.data);
    // glTF's default sampler repeats. One mip level per sample (not two blended): a model on a face is
    // magnified or mildly minified, and trilinear filtering is a large share of llvmpipe's time per pixel.
    glBindTexture(GL_TEXTURE_2D, tex.id());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_REPEAT);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_REPEAT);
    g.textures_.push_back(std::move(tex));
  }
  for (const ModelPrimitive& p : asset.primitives) {
    Part part;
    part.vao = gl::VertexArray::create();
    part.vertices = gl::Buffer::create();
    part.indices = gl::Buffer::create();
    glBindVertexArray(part.vao.id());
    glBindBuffer(GL_ARRAY_BUFFER, part.vertices.id());
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(p.vertices.size() * sizeof(ModelVertex)),
                 p.vertices.data(), GL_STATIC_DRAW);
    const auto stride = static_cast<GLsizei>(sizeof(ModelVertex));
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, stride,
                          reinterpret_cast<void*>(offsetof(ModelVertex, position)));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, stride,
                          reinterpret_cast<void*>(offsetof(ModelVertex, normal)));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 2, GL_FLOAT, GL_FALSE, stride,
                          reinterpret_cast<void*>(offsetof(ModelVertex, uv)));
    // The element buffer binding is part of the vertex array's state.
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, part.indices.id());
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLsizeiptr>(p.indices.size() * sizeof(uint32_t)),
                 p.indices.data(), GL_STATIC_DRAW);
    glBindVertexArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, 0);
    part.indexCount = static_cast<GLsizei>(p.indices.size());
    part.texture = p.texture;
    part.baseColor = p.baseColor;
    part.alphaMode = p.alphaMode;
    part.alphaCutoff = p.alphaCutoff;
    part.doubleSided = p.doubleSided;
    g.triangles_ += p.indices.size() / 3;
    g.parts_.push_back(std::move(part));
  }
  glBindVertexArray(static_cast<GLuint>(previousVao));
  glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previousTex));
  return g;
}

Result<ModelRenderer> ModelRenderer::create(const std::filesystem::path& shaderDir) {
  auto model = gl::ShaderProgram::fromFiles(shaderDir / "model.vert", shaderDir / "model.frag");
  if (!model) return model.error();
  // The masked variant: the same files with ALPHA_MASK defined right after the #version line.
  std::string texts[2];
  const std::filesystem::path files[2] = {shaderDir / "model.vert", shaderDir / "model.frag"};
  for (int i = 0; i < 2; ++i) {
    std::ifstream in(files[i], std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    texts[i] = ss.str();
  }
  const size_t eol = texts[1].find('\n');
  if (eol == std::string::npos)
    return makeError("ModelRenderer: " + files[1].string() + " has no #version line");
  texts[1].insert(eol + 1, "#define ALPHA_MASK\n");
  auto masked = gl::ShaderProgram::fromSources(texts[0], files[0].string(), texts[1],
                                               files[1].string() + " (ALPHA_MASK, line numbers +1)");
  if (!masked) return masked.error();
  auto occluder = gl::ShaderProgram::fromFiles(shaderDir / "occluder.vert", shaderDir / "occluder.frag");
  if (!occluder) return occluder.error();
  return ModelRenderer(std::move(model).value(), std::move(masked).value(), std::move(occluder).value());
}

ModelRenderer::ModelRenderer(gl::ShaderProgram model, gl::ShaderProgram masked, gl::ShaderProgram occluder)
    : modelProgram_(std::move(model)),
      maskedProgram_(std::move(masked)),
      occluderProgram_(std::move(occluder)),
      occluderVao_(gl::VertexArray::create()),
      occluderVertices_(gl::Buffer::create()),
      occluderIndices_(gl::Buffer::create()) {
  const OccluderMesh mesh = headOccluderMesh();
  GLint previousVao = 0;
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &previousVao);
  glBindVertexArray(occluderVao_.id());
  glBindBuffer(GL_ARRAY_BUFFER, occluderVertices_.id());
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(mesh.points.size() * sizeof(cv::Point3f)),
               mesh.points.data(), GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, static_cast<GLsizei>(sizeof(cv::Point3f)), nullptr);
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, occluderIndices_.id());
  glBufferData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLsizeiptr>(mesh.indices.size() * sizeof(uint32_t)),
               mesh.indices.data(), GL_STATIC_DRAW);
  glBindVertexArray(static_cast<GLuint>(previousVao));
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  occluderIndexCount_ = static_cast<GLsizei>(mesh.indices.size());
}

int ModelRenderer::drawFace(const HeadPose& pose, const FaceLight& light,
                            const std::vector<ModelDraw>& models, cv::Size targetSize, bool showOccluder) {
  if (models.empty() && !showOccluder) return 0;
  if (targetSize.width <= 0 || targetSize.height <= 0) return 0;
  gl::StateGuard guard;
  glViewport(0, 0, targetSize.width, targetSize.height);
  glDisable(GL_SCISSOR_TEST);
  glEnable(GL_DEPTH_TEST);
  glDepthFunc(GL_LESS);
  glEnable(GL_BLEND);
  glBlendEquation(GL_FUNC_ADD);
  // The target keeps alpha 1 (a video frame): only colour is blended, as the sprites do.
  glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
  const ModelLighting lighting = lightingFor(light);
  int drawn = 0;
  for (const ModelDraw& d : models) {
    if (d.model && d.description && !d.description->occluded) {
      drawModel(d, pose, lighting, targetSize);
      ++drawn;
    }
  }
  const bool anyOccluded = std::any_of(models.begin(), models.end(), [](const ModelDraw& d) {
    return d.model && d.description && d.description->occluded;
  });
  const cv::Matx44d occluderMvp = canonicalToClip(pose, targetSize);
  if (anyOccluded || showOccluder) drawOccluder(occluderMvp, false);
  for (const ModelDraw& d : models) {
    if (d.model && d.description && d.description->occluded) {
      drawModel(d, pose, lighting, targetSize);
      ++drawn;
    }
  }
  if (showOccluder) drawOccluder(occluderMvp, true);
  // What StateGuard does not restore, back to GL's defaults.
  glDepthMask(GL_TRUE);
  glDepthFunc(GL_LESS);
  glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  glFrontFace(GL_CCW);
  glCullFace(GL_BACK);
  return drawn;
}

void ModelRenderer::drawOccluder(const cv::Matx44d& mvp, bool visible) {
  glUseProgram(occluderProgram_.id());
  setMatrix4(occluderProgram_.uniform("uMvp"), mvp);
  // Only the side facing the camera: half the pixels, and the nearest surface is all the depth test needs.
  glEnable(GL_CULL_FACE);
  glFrontFace(GL_CCW);
  glCullFace(GL_BACK);
  if (visible) {
    // After the depth-only pass: only the nearest surface passes LEQUAL, so the translucent shell is
    // blended once, and models in front of it stay in front.
    glDepthFunc(GL_LEQUAL);
    glDepthMask(GL_FALSE);
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    glUniform4f(occluderProgram_.uniform("uColor"), kOccluderDebugColour[0], kOccluderDebugColour[1],
                kOccluderDebugColour[2], kOccluderDebugColour[3]);
  } else {
    glDepthFunc(GL_LESS);
    glDepthMask(GL_TRUE);
    glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_FALSE);
  }
  glBindVertexArray(occluderVao_.id());
  glDrawElements(GL_TRIANGLES, occluderIndexCount_, GL_UNSIGNED_INT, nullptr);
  glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
  glDepthMask(GL_TRUE);
  glDepthFunc(GL_LESS);
  glDisable(GL_CULL_FACE);
}

void ModelRenderer::drawModel(const ModelDraw& draw, const HeadPose& pose, const ModelLighting& lighting,
                              cv::Size targetSize) {
  const FilterDescription& d = *draw.description;
  const ModelMatrices m = modelMatrices(pose, d.placement, targetSize);
  const cv::Matx44d mvp = m.projection * m.modelToCamera;
  const cv::Matx33f n = m.normalToHead;
  const float opacity = std::clamp(d.opacity * draw.opacity, 0.0f, 1.0f);
  // What every part shares, set on a program the first time a part of this model uses it.
  bool ready[2] = {false, false};
  auto use = [&](const gl::ShaderProgram& p, int which) {
    glUseProgram(p.id());
    if (ready[which]) return;
    ready[which] = true;
    setMatrix4(p.uniform("uMvp"), mvp);
    glUniformMatrix3fv(p.uniform("uNormalToHead"), 1, GL_TRUE, n.val);
    glUniform1i(p.uniform("uBaseColorTexture"), 0);
    glUniform1f(p.uniform("uOpacity"), opacity);
    glUniform1i(p.uniform("uLit"), d.lit ? 1 : 0);
    glUniform3f(p.uniform("uLightDir"), lighting.directionHead[0], lighting.directionHead[1],
                lighting.directionHead[2]);
    glUniform1f(p.uniform("uLightScale"), lighting.scale);
    glUniform1f(p.uniform("uAmbient"), kAmbient);
    glUniform1f(p.uniform("uDiffuse"), kDiffuse);
  };
  glActiveTexture(GL_TEXTURE0);
  glFrontFace(GL_CCW);  // glTF's fronts stay counter-clockwise: the camera's y flip and GL's cancel out
  glCullFace(GL_BACK);
  const GpuModel& g = *draw.model;
  // Opaque and masked parts first (they write depth), then the blended ones over them without writing it.
  for (int pass = 0; pass < 2; ++pass) {
    for (const GpuModel::Part& part : g.parts_) {
      const bool blended = part.alphaMode == AlphaMode::kBlend;
      if (blended != (pass == 1)) continue;
      const bool masked = part.alphaMode == AlphaMode::kMask;
      const gl::ShaderProgram& program = masked ? maskedProgram_ : modelProgram_;
      use(program, masked ? 1 : 0);
      glDepthMask(blended ? GL_FALSE : GL_TRUE);
      // Blending costs a software rasteriser a read of the target per pixel: only where alpha can be < 1.
      (blended || opacity < 1.0f) ? glEnable(GL_BLEND) : glDisable(GL_BLEND);
      part.doubleSided ? glDisable(GL_CULL_FACE) : glEnable(GL_CULL_FACE);
      glUniform4f(program.uniform("uBaseColor"), part.baseColor[0], part.baseColor[1], part.baseColor[2],
                  part.baseColor[3]);
      glUniform1i(program.uniform("uAlphaMode"), static_cast<int>(part.alphaMode));
      glUniform1f(program.uniform("uAlphaCutoff"), part.alphaCutoff);
      const bool textured = part.texture >= 0 && static_cast<size_t>(part.texture) < g.textures_.size();
      glUniform1i(program.uniform("uHasTexture"), textured ? 1 : 0);
      glBindTexture(GL_TEXTURE_2D, textured ? g.textures_[static_cast<size_t>(part.texture)].id() : 0);
      glBindVertexArray(part.vao.id());
      glDrawElements(GL_TRIANGLES, part.indexCount, GL_UNSIGNED_INT, nullptr);
    }
  }
  glDepthMask(GL_TRUE);
  glDisable(GL_CULL_FACE);
  glEnable(GL_BLEND);
}

}  // namespace facefilter
