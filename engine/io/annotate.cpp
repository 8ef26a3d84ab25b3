#include "engine/io/annotate.hpp"

#include <cstdio>
#include <string>

#include <opencv2/imgproc.hpp>

#include "engine/keypoints/face_crop.hpp"

namespace facefilter {
namespace {

// A box turned by `angle` about its centre (a face's own frame), as four sides.
void drawTurned(cv::Mat& img, const cv::Rect2f& box, float angle, const cv::Scalar& colour, int thickness) {
  if (angle == 0.f) {
    cv::rectangle(img, box, colour, thickness, cv::LINE_AA);
    return;
  }
  const auto k = CropWindow{box.x, box.y, box.width, angle}.corners();
  for (size_t i = 0; i < 4; ++i) cv::line(img, k[i], k[(i + 1) % 4], colour, thickness, cv::LINE_AA);
}

}  // namespace

void drawAnnotations(cv::Mat& img, const FrameResult& r) {
  const cv::Scalar detColour(0, 200, 255), boxColour(0, 255, 0), pointColour(255, 255, 0);
  for (const auto& d : r.detections) drawTurned(img, d.box, d.angle, detColour, 1);
  const int radius = std::max(1, img.cols / 400);
  for (const auto& f : r.faces) {
    drawTurned(img, f.box, f.boxAngle, boxColour, 2);
    std::string label = "#" + std::to_string(f.trackId);
    if (f.presence >= 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " p%.2f", static_cast<double>(f.presence));
      label += buf;
    }
    cv::putText(img, label, cv::Point(static_cast<int>(f.box.x), static_cast<int>(f.box.y) - 4),
                cv::FONT_HERSHEY_SIMPLEX, 0.5, boxColour, 1, cv::LINE_AA);
    for (const auto& p : f.keypoints) cv::circle(img, p, radius, pointColour, cv::FILLED, cv::LINE_AA);
  }
}

}  // namespace facefilter
