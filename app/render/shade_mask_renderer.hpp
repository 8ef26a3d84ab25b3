#pragma once
// Draws a mask with blend "shade": the art's colour scaled by the frame's own luminance relative to the
// face's mean (so the face's shading shows through the paint), its alpha feathered towards the mesh's
// border. Main (GL) thread only; restores the GL state it changes.

#include <filesystem>
#include <vector>

#include "app/gl/shader_program.hpp"
#include "engine/filters/face_light.hpp"
#include "engine/filters/filter_geometry.hpp"

namespace facefilter {

// A mask vertex: frame pixels, art texture coordinates (0..1, top row v = 0), and its distance to the mesh's
// border in feather widths (0 on the border; the shader's alpha is full from 1 on).
struct ShadeVertex {
  float x = 0, y = 0;
  float u = 0, v = 0;
  float edge = 1;
};

// The feather's width as a share of the distance between the eye centres: about a third of a cheek's width,
// wide enough to read as a soft edge at any face size, narrow enough to keep the paint's outline.
inline constexpr float kShadeFeatherEyeShare = 0.3f;

// The triangles (3 vertices each) of `mesh` over `facePts` (68 keypoints + forehead, frame pixels) with art
// positions `artPts` (pixels of an art image of `artSize`). Each vertex's edge value is its distance (frame
// pixels) to the border of the mesh (the edges that belong to one triangle only) over `featherPx`.
std::vector<ShadeVertex> shadeMaskTriangles(const MaskMesh& mesh, const std::vector<cv::Point2f>& facePts,
                                            const std::vector<cv::Point2f>& artPts, cv::Size artSize,
                                            float featherPx);

// The feather's width in frame pixels for a face with these keypoints (kShadeFeatherEyeShare of its eye
// distance).
float shadeFeatherPx(const Landmarks& points);

// The face's mean luminance (0..1) that the shading is relative to: the engine's estimate (smoothed per
// track) when it has one, else estimated here from `frame` (the keypoints in its pixels), else mid-grey.
float shadeFaceLevel(const FaceLight& engineLight, const cv::Mat& frame, const Landmarks& points);

class ShadeMaskRenderer {
 public:
  static Result<ShadeMaskRenderer> create(const std::filesystem::path& shaderDir);
  // `art`: the mask's RGBA texture; `video`: the frame's texture, which fills the bound target of
  // `targetWidth` x `targetHeight`; `faceLevel`: the face's mean luminance, 0..1.
  void draw(GLuint art, GLuint video, const std::vector<ShadeVertex>& triangles, float faceLevel,
            float opacity, int targetWidth, int targetHeight);

 private:
  explicit ShadeMaskRenderer(gl::ShaderProgram program);
  gl::ShaderProgram program_;
  gl::VertexArray vao_;
  gl::Buffer vbo_;
};

}  // namespace facefilter
