#include "engine/keypoints/face_crop.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace facefilter {

CropWindow cropFromBox(const cv::Rect2f& box, const CropConvention& c) {
  const double side = (box.width + box.height) / 2.0;
  const double cx = box.x + box.width / 2.0 + c.centerX * side;
  const double cy = box.y + box.height / 2.0 + c.centerY * side;
  const double cropSide = c.size * side;
  return {static_cast<float>(cx - cropSide / 2), static_cast<float>(cy - cropSide / 2),
          static_cast<float>(cropSide)};
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

cv::Rect2f boxFromPoints(const Landmarks& p, const BoxFromPoints& rule) {
  const cv::Rect2f b = pointsBounds(p);
  const double extent = std::max(b.width, b.height);
  const double side = rule.size * extent;
  const double cx = b.x + b.width / 2.0 + rule.centerX * extent;
  const double cy = b.y + b.height / 2.0 + rule.centerY * extent;
  return {static_cast<float>(cx - side / 2), static_cast<float>(cy - side / 2), static_cast<float>(side),
          static_cast<float>(side)};
}

cv::Mat warpCrop(const cv::Mat& image, const CropWindow& w, int size) {
  const double s = size / static_cast<double>(w.side);
  const cv::Matx23d m(s, 0, -s * w.x0, 0, s, -s * w.y0);
  cv::Mat out;
  cv::warpAffine(image, out, m, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.f;
}

}  // namespace facefilter
