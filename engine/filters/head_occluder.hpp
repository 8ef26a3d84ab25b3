#pragma once
// The invisible head that hides the parts of 3D models behind it (the far temple of glasses on a turned
// head, the back of a hat's brim): a rounded box of a head in engine/filters/canonical_face.hpp's frame and
// units, fitted to the generic face and a typical skull, drawn to depth only before the models. It sits a
// little inside the real head, so that what rests on the skin (a brim on the forehead, temples along the
// sides) is not cut by it. Pure, any thread.

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace facefilter {

// The shape: a superellipsoid, elliptical from top to bottom and squarish around (the horizontal section
// |x/a|^n + |z/c|^n = 1 with n = kOccluderSquareness), because a head is broad at the front and flat at the
// sides where an ellipsoid narrows to a point at the nose. Centre and half-axes in canonical units
// (eye-centre distance 1): its front (z = 0 at the eye midpoint) is a little behind the brow ridge and well
// behind the nose; its sides lie just inside the jaw outline (points 0 and 16) and inside where glasses'
// temples run; it reaches about 1.8 above the eye line (the crown) and 3 behind the face (the back of the
// skull).
inline constexpr float kOccluderCentre[3] = {0.0f, 0.1f, -1.5f};
inline constexpr float kOccluderRadii[3] = {1.2f, 1.9f, 1.5f};
inline constexpr float kOccluderSquareness = 4.0f;

struct OccluderMesh {
  std::vector<cv::Point3f> points;  // canonical units and axes
  std::vector<uint32_t> indices;    // triangles (drawn without culling: their winding is not relied on)
};

// The superellipsoid as a mesh of `slices` around and `stacks` from top to bottom (at least 3 and 2).
OccluderMesh headOccluderMesh(int slices = 32, int stacks = 20);

// Whether a canonical point lies inside it (for tests and placement checks).
bool insideHeadOccluder(const cv::Point3f& p);

}  // namespace facefilter
