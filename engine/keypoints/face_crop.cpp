#include "engine/keypoints/face_crop.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace facefilter {

std::array<cv::Point2f, 4> CropWindow::corners() const {
  const int unit = 1;
  return {toFrame(0, 0, unit), toFrame(unit, 0, unit), toFrame(unit, unit, unit), toFrame(0, unit, unit)};
}

cv::Matx23d CropWindow::toInput(int size) const {
  const double s = size / static_cast<double>(side);
  if (angle == 0.f) return {s, 0, -s * x0, 0, s, -s * y0};  // the axis-aligned form, exactly as before
  // u = size/2 + s * R(-angle) (p - c)
  const double c = std::cos(angle), sn = std::sin(angle);
  const double cx = x0 + side / 2.0, cy = y0 + side / 2.0;
  return {s * c,   s * sn, size / 2.0 - s * (c * cx + sn * cy),
          -s * sn, s * c,  size / 2.0 - s * (-sn * cx + c * cy)};
}

cv::Point2f CropWindow::toFrame(double u, double v, int size) const {
  const double inv = side / static_cast<double>(size);
  if (angle == 0.f) return {static_cast<float>(x0 + u * inv), static_cast<float>(y0 + v * inv)};
  const double c = std::cos(angle), sn = std::sin(angle);
  const double du = (u - size / 2.0) * inv, dv = (v - size / 2.0) * inv;
  return {static_cast<float>(x0 + side / 2.0 + c * du - sn * dv),
          static_cast<float>(y0 + side / 2.0 + sn * du + c * dv)};
}

CropWindow cropFromBox(const FaceBox& box, const CropConvention& conv) {
  const cv::Rect2f& b = box.rect;
  const double side = (b.width + b.height) / 2.0;
  // The convention's offset is in the face's frame: along its eye line and its nose.
  const double ox = conv.centerX * side, oy = conv.centerY * side;
  const double c = std::cos(box.angle), s = std::sin(box.angle);
  const double cx = b.x + b.width / 2.0 + (box.angle == 0.f ? ox : c * ox - s * oy);
  const double cy = b.y + b.height / 2.0 + (box.angle == 0.f ? oy : s * ox + c * oy);
  const double cropSide = conv.size * side;
  return {static_cast<float>(cx - cropSide / 2), static_cast<float>(cy - cropSide / 2),
          static_cast<float>(cropSide), box.angle};
}

cv::Rect2f pointsBounds(const Landmarks& p) {
  float minX = p[0].x, maxX = p[0].x, minY = p[0].y, maxY = p[0].y;
  for (const auto& q : p) {
    minX = std::min(minX, q.x);
    maxX = std::max(maxX, q.x);
    minY = std::min(minY, q.y);
    maxY = std::max(maxY, q.y);
  }
  return {minX, minY, maxX - minX, maxY - minY};
}

float eyeLineAngle(const Landmarks& p) {
  cv::Point2f a(0, 0), b(0, 0);
  for (int i = 36; i < 42; ++i) a += p[static_cast<size_t>(i)];
  for (int i = 42; i < 48; ++i) b += p[static_cast<size_t>(i)];
  const cv::Point2f d = (b - a) * (1.f / 6.f);
  if (d.x == 0.f && d.y == 0.f) return 0.f;
  return std::atan2(d.y, d.x);
}

cv::Rect2f boxFromPoints(const Landmarks& p, const BoxFromPoints& rule) {
  const cv::Rect2f b = pointsBounds(p);
  const double extent = std::max(b.width, b.height);
  const double side = rule.size * extent;
  const double cx = b.x + b.width / 2.0 + rule.centerX * extent;
  const double cy = b.y + b.height / 2.0 + rule.centerY * extent;
  return {static_cast<float>(cx - side / 2), static_cast<float>(cy - side / 2), static_cast<float>(side),
          static_cast<float>(side)};
}

FaceBox faceBoxFromPoints(const Landmarks& p, const BoxFromPoints& rule) {
  if (!rule.eyeLine) return {boxFromPoints(p, rule), 0.f};
  const float angle = eyeLineAngle(p);
  const double c = std::cos(angle), s = std::sin(angle);
  Landmarks upright{};
  for (size_t i = 0; i < p.size(); ++i) {  // R(-angle) p
    upright[i] = cv::Point2f(static_cast<float>(c * p[i].x + s * p[i].y),
                             static_cast<float>(-s * p[i].x + c * p[i].y));
  }
  const cv::Rect2f b = boxFromPoints(upright, rule);
  const double ux = b.x + b.width / 2.0, uy = b.y + b.height / 2.0;
  const double fx = c * ux - s * uy, fy = s * ux + c * uy;  // R(angle) back to the frame
  return {cv::Rect2f(static_cast<float>(fx - b.width / 2.0), static_cast<float>(fy - b.height / 2.0), b.width,
                     b.height),
          angle};
}

cv::Mat warpCrop(const cv::Mat& image, const CropWindow& w, int size) {
  cv::Mat out;
  cv::warpAffine(image, out, cv::Mat(w.toInput(size)), cv::Size(size, size), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return out;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

float angleDistance(float a, float b) {
  constexpr double kTwoPi = 6.283185307179586;
  double d = std::fmod(std::abs(static_cast<double>(a) - b), kTwoPi);
  return static_cast<float>(d > kTwoPi / 2 ? kTwoPi - d : d);
}

}  // namespace facefilter
