#include <opencv2/imgproc.hpp>

#include "engine/capture/frame_source.hpp"

namespace facefilter {

Result<cv::Mat> toBgr8(const cv::Mat& image) {
  if (image.empty() || image.cols <= 0 || image.rows <= 0) return makeError("the image is empty (0x0)");
  cv::Mat eight;
  switch (image.depth()) {
    case CV_8U:
      eight = image;
      break;
    case CV_8S:
      image.convertTo(eight, CV_8U, 1.0, 128.0);
      break;
    case CV_16U:
      image.convertTo(eight, CV_8U, 1.0 / 257.0);
      break;
    case CV_16S:
      image.convertTo(eight, CV_8U, 1.0 / 257.0, 128.0);
      break;
    case CV_32F:
    case CV_64F:
      image.convertTo(eight, CV_8U, 255.0);
      break;  // float images are in [0, 1]
    default:
      return makeError("unsupported pixel depth " + std::to_string(image.depth()));
  }
  cv::Mat bgr;
  switch (eight.channels()) {
    case 1:
      cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR);
      break;
    case 3:
      bgr = eight;
      break;
    case 4:
      cv::cvtColor(eight, bgr, cv::COLOR_BGRA2BGR);
      break;
    default:
      return makeError("unsupported channel count " + std::to_string(eight.channels()));
  }
  if (!bgr.isContinuous() || bgr.data == image.data) bgr = bgr.clone();
  return bgr;
}

}  // namespace facefilter
