#include "engine/filters/face_light.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace facefilter {
namespace {

// Fewer samples than this inside the frame (a face mostly outside it) give no estimate.
constexpr int kMinSamples = 16;

float lumaAt(const cv::Mat& image, int x, int y) {
  const uchar* p = image.ptr<uchar>(y) + static_cast<ptrdiff_t>(x) * image.channels();
  if (image.channels() == 1) return p[0];
  return 0.114f * p[0] + 0.587f * p[1] + 0.299f * p[2];
}

cv::Point2f meanOf(const Landmarks& p, int first, int count) {
  cv::Point2f s(0, 0);
  for (int i = first; i < first + count; ++i) s += p[static_cast<size_t>(i)];
  return s * (1.0f / static_cast<float>(count));
}

// (b - a) / (b + a), 0 when both are (near) black or either side has no sample.
float balance(double sumA, int nA, double sumB, int nB) {
  if (nA == 0 || nB == 0) return 0;
  const double a = sumA / nA, b = sumB / nB;
  return a + b > 1.0 ? static_cast<float>((b - a) / (b + a)) : 0.f;
}

}  // namespace

FaceLight estimateFaceLight(const cv::Mat& image, const Landmarks& points) {
  FaceLight light;
  if (image.empty() || image.depth() != CV_8U ||
      (image.channels() != 1 && image.channels() != 3 && image.channels() != 4)) {
    return light;
  }
  // The face's frame: x along the eye line (left eye centre to right eye centre), y a quarter turn from it,
  // towards the mouth; both in image pixels, so a face rolled upside down has its x pointing left.
  const cv::Point2f eyes = meanOf(points, 42, 6) - meanOf(points, 36, 6);
  const float eyeDistance = std::hypot(eyes.x, eyes.y);
  if (!(eyeDistance > 1e-3f) || !std::isfinite(eyeDistance)) return light;
  const cv::Point2f ax = eyes * (1.0f / eyeDistance), ay(-ax.y, ax.x);
  const cv::Point2f centre = meanOf(points, 0, kNumKeypoints);

  std::vector<cv::Point2f> local;
  local.reserve(kNumKeypoints);
  for (const auto& p : points) {
    const cv::Point2f d = p - centre;
    local.emplace_back(d.dot(ax), d.dot(ay));
  }
  std::vector<cv::Point2f> hull;
  cv::convexHull(local, hull);
  if (hull.size() < 3) return light;
  cv::Point2f lo = hull[0], hi = hull[0];
  for (const auto& h : hull) {
    lo = {std::min(lo.x, h.x), std::min(lo.y, h.y)};
    hi = {std::max(hi.x, h.x), std::max(hi.y, h.y)};
  }
  const cv::Rect2f bounds(lo, hi);
  const cv::Point2f mid(bounds.x + bounds.width / 2, bounds.y + bounds.height / 2);

  double sum = 0, left = 0, right = 0, top = 0, bottom = 0;
  int n = 0, nLeft = 0, nRight = 0, nTop = 0, nBottom = 0;
  for (int gy = 0; gy < kFaceLightGrid; ++gy) {
    const float v = bounds.y + bounds.height * (static_cast<float>(gy) + 0.5f) / kFaceLightGrid;
    for (int gx = 0; gx < kFaceLightGrid; ++gx) {
      const float u = bounds.x + bounds.width * (static_cast<float>(gx) + 0.5f) / kFaceLightGrid;
      if (cv::pointPolygonTest(hull, cv::Point2f(u, v), false) < 0) continue;
      const cv::Point2f p = centre + ax * u + ay * v;
      const int x = static_cast<int>(std::lround(p.x)), y = static_cast<int>(std::lround(p.y));
      if (x < 0 || y < 0 || x >= image.cols || y >= image.rows) continue;
      const float l = lumaAt(image, x, y);
      sum += l;
      ++n;
      // Samples on a dividing line (an odd grid's middle) count on neither side.
      if (u < mid.x) {
        left += l;
        ++nLeft;
      } else if (u > mid.x) {
        right += l;
        ++nRight;
      }
      if (v < mid.y) {
        top += l;
        ++nTop;
      } else if (v > mid.y) {
        bottom += l;
        ++nBottom;
      }
    }
  }
  if (n < kMinSamples) return light;
  light.valid = true;
  light.level = static_cast<float>(sum / n / 255.0);
  light.leftRight = balance(left, nLeft, right, nRight);
  light.topBottom = balance(bottom, nBottom, top, nTop);
  return light;
}

}  // namespace facefilter
