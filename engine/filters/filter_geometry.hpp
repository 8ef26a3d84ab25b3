#pragma once
// Filter geometry from keypoints, headless and pure: where a sprite's corners land (anchor fit: position,
// scale and roll), the extrapolated forehead, the mask mesh, and the perspective placement of sprites with
// the head pose (head_pose.hpp). Any thread.

#include <array>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/filters/filter_description.hpp"
#include "engine/filters/head_pose.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

// x' = R(rotation) * scale * x + translation; maps art pixels to frame pixels.
struct Similarity {
  float scale = 1;
  float rotationRad = 0;
  cv::Point2f translation;
  cv::Point2f apply(cv::Point2f p) const;
};

// Least-squares similarity (Umeyama, no reflection) taking `from[i]` to `to[i]`; needs 2+ distinct points.
std::optional<Similarity> fitSimilarity(const std::vector<cv::Point2f>& from,
                                        const std::vector<cv::Point2f>& to);

// The target of each anchor: the mean of its keypoints.
std::vector<cv::Point2f> anchorTargets(const std::vector<FilterAnchor>& anchors, const Landmarks& points);

// A vertex of a textured triangle: frame pixels, texture coordinates (0..1, top row v=0), and a perspective
// weight w (1 for flat placement; the clip-space w for perspective-correct texturing).
struct SpriteVertex {
  float x = 0, y = 0;
  float u = 0, v = 0;
  float w = 1;
};

// The quad (4 vertices: top-left, top-right, bottom-right, bottom-left of the art) of a sprite on a face.
// With `pose` and a perspective filter, the art is placed on a plane of the generic 3D face fitted by the
// same anchors and projected (yaw/pitch), else flat by the 2D anchor fit. nullopt when the fit fails.
std::optional<std::array<SpriteVertex, 4>> spriteQuad(const FilterDescription& filter, cv::Size artSize,
                                                      const Landmarks& points, const HeadPose* pose);

// Forehead points extrapolated above the brows (along the face's up direction, scaled by eye distance):
// kForeheadPoints of them, from the outer left brow to the outer right brow.
inline constexpr int kForeheadPoints = 5;
std::array<cv::Point2f, kForeheadPoints> foreheadPoints(const Landmarks& points);

// A mesh over the 68 keypoints plus the forehead: points (68 + kForeheadPoints) and triangles (indices),
// triangulated (Delaunay) once on a reference layout so the topology never changes between frames.
struct MaskMesh {
  std::vector<cv::Vec3i> triangles;
};
MaskMesh triangulateMask(const std::vector<cv::Point2f>& referencePoints);
// The 68 keypoints followed by the forehead points.
std::vector<cv::Point2f> maskPoints(const Landmarks& points);
// Mask art positions: the description's 68 art points, then their forehead points by the same rule.
std::vector<cv::Point2f> maskArtPoints(const std::vector<cv::Point2f>& mesh68);

}  // namespace facefilter
