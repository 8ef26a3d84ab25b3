#pragma once
// Debug annotation with OpenCV (the CLI's annotated video): boxes with track ids, keypoints,
// raw detections. Filters are the app's job.

#include <opencv2/core.hpp>

#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

void drawAnnotations(cv::Mat& bgr, const FrameResult& result);

}  // namespace facefilter
