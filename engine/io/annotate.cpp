#include "engine/io/annotate.hpp"

#include <string>

#include <opencv2/imgproc.hpp>

namespace facefilter {

void drawAnnotations(cv::Mat& img, const FrameResult& r) {
  const cv::Scalar detColour(0, 200, 255), boxColour(0, 255, 0), pointColour(255, 255, 0);
  for (const auto& d : r.detections) cv::rectangle(img, d.box, detColour, 1, cv::LINE_AA);
  const int radius = std::max(1, img.cols / 400);
  for (const auto& f : r.faces) {
    cv::rectangle(img, f.box, boxColour, 2, cv::LINE_AA);
    cv::putText(img, "#" + std::to_string(f.trackId), cv::Point(static_cast<int>(f.box.x), static_cast<int>(f.box.y) - 4),
                cv::FONT_HERSHEY_SIMPLEX, 0.5, boxColour, 1, cv::LINE_AA);
    for (const auto& p : f.keypoints) cv::circle(img, p, radius, pointColour, cv::FILLED, cv::LINE_AA);
  }
}

}  // namespace facefilter
