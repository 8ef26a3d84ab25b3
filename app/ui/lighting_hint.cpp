#include "app/ui/lighting_hint.hpp"

#include <opencv2/core.hpp>

namespace facefilter {

std::string lightingHint(const Frame& frame, const FrameResult& result) {
  if (result.faces.empty() || frame.image.empty()) return {};
  const cv::Rect r = cv::Rect(result.faces.front().box) & cv::Rect(0, 0, frame.image.cols, frame.image.rows);
  if (r.area() <= 0) return {};
  const cv::Scalar faceMean = cv::mean(frame.image(r));
  const cv::Scalar frameMean = cv::mean(frame.image);
  const double face = (faceMean[0] + faceMean[1] + faceMean[2]) / 3.0;
  const double whole = (frameMean[0] + frameMean[1] + frameMean[2]) / 3.0;
  // Grey levels where a webcam's face stops reading well to the CNN and to people.
  if (face < 60) return "Face is dark: add light in front of you";
  if (face > 225) return "Face is overexposed: reduce the light on your face";
  if (whole - face > 50) return "Strong backlight: face a light source or turn away from the window";
  return {};
}

}  // namespace facefilter
