#pragma once
// Draws 3D model filters (engine/filters/model_asset.hpp) on faces, placed by each face's head pose (from the
// engine, smoothed) and shaded by its light, depth-tested against each other and an invisible head (the
// occluder, engine/filters/head_occluder.hpp). The bound target needs a depth buffer (gl::RenderTarget has
// one), cleared once per picture by the caller. Main (GL) thread only; restores the GL state it changes.
//
// Per face, in this order: the models with "occluded": false (so the head never hides them), then the
// occluder to depth only (where it is nearer than what is there), then the occluded models; within each
// group the filter list's order; within a model its opaque and masked parts before its blended ones, which
// do not write depth.

#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "app/gl/shader_program.hpp"
#include "engine/filters/face_light.hpp"
#include "engine/filters/filter_description.hpp"
#include "engine/filters/head_pose.hpp"
#include "engine/filters/model_asset.hpp"

namespace facefilter {

// One model's GL buffers and textures, uploaded once per (re)load of its filter.
class GpuModel {
 public:
  static GpuModel upload(const ModelAsset& asset);
  size_t triangleCount() const { return triangles_; }

 private:
  friend class ModelRenderer;
  struct Part {
    gl::VertexArray vao;
    gl::Buffer vertices, indices;
    GLsizei indexCount = 0;
    int texture = -1;
    cv::Vec4f baseColor{1, 1, 1, 1};
    AlphaMode alphaMode = AlphaMode::kOpaque;
    float alphaCutoff = 0.5f;
    bool doubleSided = false;
  };
  std::vector<Part> parts_;
  std::vector<gl::Texture2D> textures_;
  size_t triangles_ = 0;
};

struct ModelDraw {
  const GpuModel* model = nullptr;
  const FilterDescription* description = nullptr;  // placement, occluded, lit, opacity
  float opacity = 1;                               // times the description's (the face's fade)
};

// How the light on a face shades models: ambient + diffuse from one direction, scaled by the face's level.
struct ModelLighting {
  cv::Vec3f directionHead{0, 0, 1};  // towards the light, canonical head frame, unit length
  float scale = 1;                   // face level / kTypicalFaceLevel, clamped
};
// The level of a face under ordinary indoor light (mean luminance of the face region, 0..1): a face at this
// level shows models at their own colours.
inline constexpr float kTypicalFaceLevel = 0.5f;
ModelLighting lightingFor(const FaceLight& light);

// The matrices for one face: model (the .glb's frame) -> camera, and camera -> clip with the pose's pinhole
// camera in a target of `targetSize` (the pose in target pixels: scaledPose when the frame was another size).
// Pure, for tests: a canonical point through these lands where projectWithPose puts it.
struct ModelMatrices {
  cv::Matx44d modelToCamera;  // includes the placement and the glTF -> canonical -> camera axes
  cv::Matx44d projection;
  cv::Matx33d normalToHead;  // the .glb's normals -> canonical head frame
};
ModelMatrices modelMatrices(const HeadPose& pose, const ModelPlacement& placement, cv::Size targetSize);
// The same camera, for points already in the canonical head frame (the occluder).
cv::Matx44d canonicalToClip(const HeadPose& pose, cv::Size targetSize);

class ModelRenderer {
 public:
  static Result<ModelRenderer> create(const std::filesystem::path& shaderDir);

  // Draws one face's models (any order of occluded and not; see above) into the bound target of
  // `targetSize`, `pose` in its pixels.
  // `showOccluder`: also draw the occluder, translucent (the debug view), even with no models.
  // Returns the number of models drawn.
  int drawFace(const HeadPose& pose, const FaceLight& light, const std::vector<ModelDraw>& models,
               cv::Size targetSize, bool showOccluder);

 private:
  ModelRenderer(gl::ShaderProgram model, gl::ShaderProgram masked, gl::ShaderProgram occluder);
  void drawModel(const ModelDraw& draw, const HeadPose& pose, const ModelLighting& lighting,
                 cv::Size targetSize);
  void drawOccluder(const cv::Matx44d& mvp, bool visible);

  gl::ShaderProgram modelProgram_;   // opaque and blended parts
  gl::ShaderProgram maskedProgram_;  // alpha-masked parts (may discard)
  gl::ShaderProgram occluderProgram_;
  gl::VertexArray occluderVao_;
  gl::Buffer occluderVertices_, occluderIndices_;
  GLsizei occluderIndexCount_ = 0;
};

}  // namespace facefilter
