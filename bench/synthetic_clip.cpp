#include "bench/synthetic_clip.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace facefilter::bench {

SyntheticClip::SyntheticClip(cv::Mat image, const Landmarks& truth, uint64_t seed)
    : image_(std::move(image)), truth_(truth), rng_(seed) {
  cv::Point2f c(0, 0);
  for (const auto& p : truth) c += p;
  c *= 1.0f / kNumKeypoints;
  const double s0 = kTargetIodPx / interOcularDistance(truth);
  base_ = cv::Matx33d(s0, 0, kCanvasW / 2.0 - s0 * c.x, 0, s0, kCanvasH / 2.0 - s0 * c.y, 0, 0, 1);
}

Frame SyntheticClip::frame(int index, const Motion& m, Landmarks& truth) {
  const cv::Point2f centre(kCanvasW / 2.0f, kCanvasH / 2.0f);
  const cv::Mat rot = cv::getRotationMatrix2D(centre, m.rollDeg, m.scale);
  cv::Matx33d move = cv::Matx33d::eye();
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) move(r, c) = rot.at<double>(r, c);
  move(0, 2) += m.dx;
  move(1, 2) += m.dy;
  const cv::Matx33d h = move * base_;
  for (size_t i = 0; i < truth_.size(); ++i) {
    const double x = h(0, 0) * truth_[i].x + h(0, 1) * truth_[i].y + h(0, 2);
    const double y = h(1, 0) * truth_[i].x + h(1, 1) * truth_[i].y + h(1, 2);
    truth[i] = cv::Point2f(static_cast<float>(x), static_cast<float>(y));
  }
  cv::Mat clean;
  cv::warpAffine(image_, clean, cv::Mat(cv::Matx23d(h(0, 0), h(0, 1), h(0, 2), h(1, 0), h(1, 1), h(1, 2))),
                 cv::Size(kCanvasW, kCanvasH), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(128));
  cv::Mat noise(clean.size(), CV_16SC3), noisy16;
  rng_.fill(noise, cv::RNG::NORMAL, 0, kNoiseSigma);
  clean.convertTo(noisy16, CV_16SC3);
  noisy16 += noise;
  Frame f;
  f.id = static_cast<uint64_t>(index);
  f.captureNs = static_cast<int64_t>(std::llround(index / kFps * 1e9));
  noisy16.convertTo(f.image, CV_8UC3);
  return f;
}

std::vector<const KeypointsSample*> largestFacesFirst(const std::vector<KeypointsSample>& samples) {
  std::vector<const KeypointsSample*> order;
  for (const auto& s : samples) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const KeypointsSample* a, const KeypointsSample* b) {
    return interOcularDistance(a->points) > interOcularDistance(b->points);
  });
  return order;
}

}  // namespace facefilter::bench
