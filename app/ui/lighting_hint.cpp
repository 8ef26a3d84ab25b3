#include "app/ui/lighting_hint.hpp"

#include <opencv2/core.hpp>

namespace facefilter {

LightingProblem judgeLighting(const Frame& frame, const FrameResult& result) {
  if (result.faces.empty() || frame.image.empty()) return LightingProblem::kNone;
  const cv::Rect r = cv::Rect(result.faces.front().box) & cv::Rect(0, 0, frame.image.cols, frame.image.rows);
  if (r.area() <= 0) return LightingProblem::kNone;
  const cv::Scalar faceMean = cv::mean(frame.image(r));
  const cv::Scalar frameMean = cv::mean(frame.image);
  const double face = (faceMean[0] + faceMean[1] + faceMean[2]) / 3.0;
  const double whole = (frameMean[0] + frameMean[1] + frameMean[2]) / 3.0;
  // Grey levels where a webcam's face stops reading well to the CNN and to people.
  if (face < 60) return LightingProblem::kDark;
  if (face > 225) return LightingProblem::kOverexposed;
  if (whole - face > 50) return LightingProblem::kBacklit;
  return LightingProblem::kNone;
}

std::string lightingAdvice(LightingProblem problem, LightControls controls) {
  std::string room, camera;
  switch (problem) {
    case LightingProblem::kNone:
      return {};
    case LightingProblem::kDark:
      room = "Face is dark: add light in front of you (a lamp behind the screen, facing you)";
      camera = "or raise the camera's exposure, gain or brightness";
      break;
    case LightingProblem::kOverexposed:
      room = "Face is overexposed: reduce the light on your face";
      camera = "or lower the camera's exposure, gain or brightness";
      break;
    case LightingProblem::kBacklit:
      room = "Strong backlight: face a light source or turn away from the window";
      camera = "or turn on the camera's backlight compensation or raise its exposure";
      break;
  }
  switch (controls) {
    case LightControls::kNotACamera:
    case LightControls::kUnknown:
      return room;
    case LightControls::kOffered:
      return room + ", " + camera;
    case LightControls::kNone:
      return room + " (this camera offers no exposure, gain or brightness control)";
  }
  return room;
}

}  // namespace facefilter
