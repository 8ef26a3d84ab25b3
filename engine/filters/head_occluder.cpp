#include "engine/filters/head_occluder.hpp"

#include <algorithm>
#include <cmath>

namespace facefilter {

namespace {

float signedPow(float v, float e) {
  return std::copysign(std::pow(std::abs(v), e), v);
}

}  // namespace

OccluderMesh headOccluderMesh(int slices, int stacks) {
  slices = std::max(3, slices);
  stacks = std::max(2, stacks);
  OccluderMesh m;
  const float pi = static_cast<float>(CV_PI);
  const float e2 = 2.0f / kOccluderSquareness;  // the superellipsoid's horizontal exponent
  // Rings from the top (-y, canonical y is down) to the bottom, each with `slices` + 1 points (the seam
  // repeated keeps the indexing plain).
  for (int i = 0; i <= stacks; ++i) {
    const float eta = pi * static_cast<float>(i) / static_cast<float>(stacks) - pi / 2;  // -pi/2 at the top
    const float ring = std::cos(eta), y = std::sin(eta);
    for (int j = 0; j <= slices; ++j) {
      const float omega = 2.0f * pi * static_cast<float>(j) / static_cast<float>(slices);
      m.points.emplace_back(kOccluderCentre[0] + kOccluderRadii[0] * ring * signedPow(std::sin(omega), e2),
                            kOccluderCentre[1] + kOccluderRadii[1] * y,
                            kOccluderCentre[2] + kOccluderRadii[2] * ring * signedPow(std::cos(omega), e2));
    }
  }
  const auto at = [&](int i, int j) { return static_cast<uint32_t>(i * (slices + 1) + j); };
  for (int i = 0; i < stacks; ++i) {
    for (int j = 0; j < slices; ++j) {
      m.indices.insert(m.indices.end(), {at(i, j), at(i + 1, j), at(i, j + 1)});
      m.indices.insert(m.indices.end(), {at(i, j + 1), at(i + 1, j), at(i + 1, j + 1)});
    }
  }
  return m;
}

bool insideHeadOccluder(const cv::Point3f& p) {
  const float dx = std::abs((p.x - kOccluderCentre[0]) / kOccluderRadii[0]);
  const float dy = (p.y - kOccluderCentre[1]) / kOccluderRadii[1];
  const float dz = std::abs((p.z - kOccluderCentre[2]) / kOccluderRadii[2]);
  const float around = std::pow(std::pow(dx, kOccluderSquareness) + std::pow(dz, kOccluderSquareness),
                                2.0f / kOccluderSquareness);
  return around + dy * dy < 1.0f;
}

}  // namespace facefilter
