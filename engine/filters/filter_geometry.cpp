#include "engine/filters/filter_geometry.hpp"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "engine/filters/canonical_face.hpp"

namespace facefilter {
namespace {

cv::Point2f meanOf(const std::vector<int>& indices, const Landmarks& points) {
  cv::Point2f sum(0, 0);
  for (int i : indices) sum += points[static_cast<size_t>(i)];
  return indices.empty() ? sum : sum * (1.0f / static_cast<float>(indices.size()));
}

cv::Point3f canonicalMeanOf(const std::vector<int>& indices) {
  cv::Point3f sum(0, 0, 0);
  for (int i : indices) {
    const auto& c = kCanonicalFace68[static_cast<size_t>(i)];
    sum += cv::Point3f(c.x, c.y, c.z);
  }
  return indices.empty() ? sum : sum * (1.0f / static_cast<float>(indices.size()));
}

cv::Point2f eyeCentre(const Landmarks& p, int first) {
  cv::Point2f s(0, 0);
  for (int i = first; i < first + 6; ++i) s += p[static_cast<size_t>(i)];
  return s * (1.0f / 6.0f);
}

}  // namespace

cv::Point2f Similarity::apply(cv::Point2f p) const {
  const float c = std::cos(rotationRad) * scale, s = std::sin(rotationRad) * scale;
  return {c * p.x - s * p.y + translation.x, s * p.x + c * p.y + translation.y};
}

std::optional<Similarity> fitSimilarity(const std::vector<cv::Point2f>& from,
                                        const std::vector<cv::Point2f>& to) {
  if (from.size() != to.size() || from.size() < 2) return std::nullopt;
  const auto n = static_cast<float>(from.size());
  cv::Point2f ma(0, 0), mb(0, 0);
  for (size_t i = 0; i < from.size(); ++i) {
    ma += from[i];
    mb += to[i];
  }
  ma *= 1.0f / n;
  mb *= 1.0f / n;
  // With complex numbers a, b (centred): z = sum(conj(a) * b) / sum(|a|^2) = scale * e^(i*rotation).
  double re = 0, im = 0, norm = 0;
  for (size_t i = 0; i < from.size(); ++i) {
    const cv::Point2f a = from[i] - ma, b = to[i] - mb;
    re += static_cast<double>(a.x) * b.x + static_cast<double>(a.y) * b.y;
    im += static_cast<double>(a.x) * b.y - static_cast<double>(a.y) * b.x;
    norm += static_cast<double>(a.x) * a.x + static_cast<double>(a.y) * a.y;
  }
  if (norm < 1e-9) return std::nullopt;
  re /= norm;
  im /= norm;
  Similarity s;
  s.scale = static_cast<float>(std::hypot(re, im));
  s.rotationRad = static_cast<float>(std::atan2(im, re));
  if (!(s.scale > 1e-6f) || !std::isfinite(s.scale)) return std::nullopt;
  s.translation = {0, 0};
  s.translation = mb - s.apply(ma);
  return s;
}

std::vector<cv::Point2f> anchorTargets(const std::vector<FilterAnchor>& anchors, const Landmarks& points) {
  std::vector<cv::Point2f> out;
  out.reserve(anchors.size());
  for (const auto& a : anchors) out.push_back(meanOf(a.keypoints, points));
  return out;
}

std::optional<std::array<SpriteVertex, 4>> spriteQuad(const FilterDescription& filter, cv::Size artSize,
                                                      const Landmarks& points, const HeadPose* pose) {
  if (artSize.width <= 0 || artSize.height <= 0) return std::nullopt;
  std::vector<cv::Point2f> from;
  for (const auto& a : filter.anchors) from.push_back(a.art);
  const std::vector<cv::Point2f> targets = anchorTargets(filter.anchors, points);
  const std::array<cv::Point2f, 4> corners = {
      cv::Point2f(0, 0), cv::Point2f(static_cast<float>(artSize.width), 0),
      cv::Point2f(static_cast<float>(artSize.width), static_cast<float>(artSize.height)),
      cv::Point2f(0, static_cast<float>(artSize.height))};
  const std::array<cv::Point2f, 4> uvs = {cv::Point2f(0, 0), cv::Point2f(1, 0), cv::Point2f(1, 1),
                                          cv::Point2f(0, 1)};
  std::array<SpriteVertex, 4> quad{};

  if (pose != nullptr && filter.perspective) {
    // Place the art on the generic face: fit art -> canonical (x, y) by the anchors, put the quad on a
    // plane at the anchors' depth, project it with the head pose, then correct the residual 2D mismatch
    // between the generic face and this face by a similarity fitted on the projected anchors.
    std::vector<cv::Point2f> canonical2d;
    std::vector<cv::Point3f> canonical3d;
    float depth = -1e9f;
    for (const auto& a : filter.anchors) {
      const cv::Point3f c = canonicalMeanOf(a.keypoints);
      canonical2d.emplace_back(c.x, c.y);
      canonical3d.push_back(c);
      depth = std::max(depth, c.z);
    }
    const auto artToFace = fitSimilarity(from, canonical2d);
    if (artToFace) {
      std::vector<cv::Point3f> model;
      for (const auto& c : corners) {
        const cv::Point2f p = artToFace->apply(c);
        model.emplace_back(p.x, p.y, depth);
      }
      for (auto c : canonical3d) model.emplace_back(c.x, c.y, depth);
      std::vector<cv::Point2f> px;
      std::vector<float> z;
      projectWithPose(*pose, model, px, z);
      const std::vector<cv::Point2f> projectedAnchors(px.begin() + 4, px.end());
      const auto correction = fitSimilarity(projectedAnchors, targets);
      if (correction) {
        const float meanZ = (z[0] + z[1] + z[2] + z[3]) / 4.0f;
        for (size_t i = 0; i < 4; ++i) {
          const cv::Point2f p = correction->apply(px[i]);
          quad[i] = SpriteVertex{p.x, p.y, uvs[i].x, uvs[i].y, z[i] / meanZ};
        }
        return quad;
      }
    }
  }
  const auto s = fitSimilarity(from, targets);
  if (!s) return std::nullopt;
  for (size_t i = 0; i < 4; ++i) {
    const cv::Point2f p = s->apply(corners[i]);
    quad[i] = SpriteVertex{p.x, p.y, uvs[i].x, uvs[i].y, 1.0f};
  }
  return quad;
}

std::array<cv::Point2f, kForeheadPoints> foreheadPoints(const Landmarks& p) {
  const cv::Point2f left = eyeCentre(p, 36), right = eyeCentre(p, 42);
  const cv::Point2f e = right - left;
  const float d = std::sqrt(e.x * e.x + e.y * e.y);
  const cv::Point2f up = d > 1e-6f ? cv::Point2f(e.y / d, -e.x / d) : cv::Point2f(0, -1);
  // Brow points to lift and how far, in eye-centre distances: higher in the middle, like a forehead.
  const std::array<cv::Point2f, kForeheadPoints> bases = {p[17], p[19], (p[21] + p[22]) * 0.5f, p[24], p[26]};
  const std::array<float, kForeheadPoints> lift = {0.35f, 0.6f, 0.7f, 0.6f, 0.35f};
  std::array<cv::Point2f, kForeheadPoints> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = bases[i] + up * (lift[i] * d);
  return out;
}

std::vector<cv::Point2f> maskPoints(const Landmarks& points) {
  std::vector<cv::Point2f> out(points.begin(), points.end());
  const auto forehead = foreheadPoints(points);
  out.insert(out.end(), forehead.begin(), forehead.end());
  return out;
}

std::vector<cv::Point2f> maskArtPoints(const std::vector<cv::Point2f>& mesh68) {
  Landmarks l{};
  for (size_t i = 0; i < l.size() && i < mesh68.size(); ++i) l[i] = mesh68[i];
  return maskPoints(l);
}

MaskMesh triangulateMask(const std::vector<cv::Point2f>& referencePoints) {
  MaskMesh mesh;
  if (referencePoints.size() < 3) return mesh;
  cv::Rect2f bounds = cv::boundingRect(referencePoints);
  const cv::Rect area(
      static_cast<int>(std::floor(bounds.x)) - 10, static_cast<int>(std::floor(bounds.y)) - 10,
      static_cast<int>(std::ceil(bounds.width)) + 21, static_cast<int>(std::ceil(bounds.height)) + 21);
  cv::Subdiv2D subdiv(area);
  std::vector<int> vertexToPoint;
  for (const auto& p : referencePoints) subdiv.insert(p);
  std::vector<cv::Vec6f> triangles;
  subdiv.getTriangleList(triangles);
  auto indexOf = [&](float x, float y) {
    for (size_t i = 0; i < referencePoints.size(); ++i) {
      if (std::abs(referencePoints[i].x - x) < 1e-3f && std::abs(referencePoints[i].y - y) < 1e-3f) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  for (const auto& t : triangles) {
    const int a = indexOf(t[0], t[1]), b = indexOf(t[2], t[3]), c = indexOf(t[4], t[5]);
    if (a < 0 || b < 0 || c < 0) continue;  // a triangle touching Subdiv2D's outer virtual vertices
    mesh.triangles.emplace_back(a, b, c);
  }
  return mesh;
}

}  // namespace facefilter
