#pragma once
// Filter geometry from keypoints, headless and pure: where a sprite's corners land (anchor fit: position,
// scale and roll), the extrapolated forehead, the mask mesh, and the head pose (cv::solvePnP against the
// generic face in canonical_face.hpp) with the perspective placement of sprites. Any thread.

#include <array>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/filters/filter_description.hpp"
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

// Camera and head pose for one face (frame pixels). rvec/tvec take the canonical face (units: eye-centre
// distance) into camera space.
struct HeadPose {
  cv::Matx33d camera;  // pinhole, focal = frame width, centre = frame centre
  cv::Vec3d rvec, tvec;
  double yawDeg = 0, pitchDeg = 0, rollDeg = 0;
  double reprojectionErrorPx = 0;
};

// Solves the head pose from the 68 keypoints (cv::solvePnP, iterative). nullopt if it fails or lands
// behind the camera.
std::optional<HeadPose> estimateHeadPose(const Landmarks& points, cv::Size frameSize);

// Projects canonical-face points (x, y, z in eye-centre units) with a pose; returns pixels and depths.
void projectWithPose(const HeadPose& pose, const std::vector<cv::Point3f>& model,
                     std::vector<cv::Point2f>& pixels, std::vector<float>& depths);

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
