#include "engine/eval/photometric.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

namespace facefilter {
namespace {

// Noise seeds differ per sample and per condition, and never depend on the order samples are visited in.
constexpr uint64_t kSeed = 0x6c6f776c69676874ULL;  // "lowlight"

// v' = 255 * gain * (v/255)^gamma for every grey level.
cv::Mat toneCurve(double gain, double gamma) {
  cv::Mat lut(1, 256, CV_32F);
  for (int v = 0; v < 256; ++v)
    lut.at<float>(v) = static_cast<float>(255.0 * gain * std::pow(v / 255.0, gamma));
  return lut;
}

cv::Mat applyCurve(const cv::Mat& gray, const cv::Mat& lut) {
  cv::Mat out(gray.size(), CV_32F);
  const float* table = lut.ptr<float>();
  for (int y = 0; y < gray.rows; ++y) {
    const uint8_t* src = gray.ptr<uint8_t>(y);
    float* dst = out.ptr<float>(y);
    for (int x = 0; x < gray.cols; ++x) dst[x] = table[src[x]];
  }
  return out;
}

void addNoiseAndStore(cv::Mat& linear, double sigma, uint64_t seed, cv::Mat& gray) {
  cv::Mat noise(linear.size(), CV_32F);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, sigma);
  linear += noise;
  linear.convertTo(gray, CV_8U);  // rounds and saturates
}

// 1 on the face (an ellipse around its keypoints, a little larger than them), 0 away from it, with a soft
// edge: the shadow a backlit head casts in its own picture.
cv::Mat faceMask(cv::Size size, const Landmarks& face) {
  float x0 = face[0].x, x1 = face[0].x, y0 = face[0].y, y1 = face[0].y;
  for (const cv::Point2f& p : face) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  const float w = std::max(x1 - x0, 1.f), h = std::max(y1 - y0, 1.f);
  cv::Mat mask = cv::Mat::zeros(size, CV_32F);
  // The keypoints stop at the brows: the head reaches about half a face height above them.
  cv::ellipse(mask,
              cv::RotatedRect(cv::Point2f((x0 + x1) / 2, (y0 + y1) / 2 - 0.2f * h),
                              cv::Size2f(1.35f * w, 1.7f * h), 0.f),
              cv::Scalar(1.0), cv::FILLED, cv::LINE_AA);
  const double sigma = 0.15 * std::max(w, h);
  cv::GaussianBlur(mask, mask, cv::Size(), sigma, sigma);
  return mask;
}

}  // namespace

Result<Photometric> parsePhotometric(std::string_view text) {
  if (text == "normal") return Photometric::kNormal;
  if (text == "dim") return Photometric::kDim;
  if (text == "backlit") return Photometric::kBacklit;
  return makeError("unknown lighting condition '" + std::string(text) + "' (normal, dim or backlit)");
}

const char* toString(Photometric condition) {
  switch (condition) {
    case Photometric::kNormal:
      return "normal";
    case Photometric::kDim:
      return "dim";
    case Photometric::kBacklit:
      return "backlit";
  }
  return "normal";
}

void applyPhotometric(cv::Mat& gray, Photometric condition, const Landmarks& face, uint64_t sampleIndex) {
  CV_Assert(gray.type() == CV_8UC1);
  const uint64_t seed = kSeed ^ (sampleIndex * 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(condition);
  switch (condition) {
    case Photometric::kNormal:
      return;
    case Photometric::kDim: {
      cv::Mat linear = applyCurve(gray, toneCurve(0.35, 1.8));
      addNoiseAndStore(linear, 4.0, seed, gray);
      return;
    }
    case Photometric::kBacklit: {
      const cv::Mat faceLevels = applyCurve(gray, toneCurve(0.4, 1.5));
      cv::Mat background;
      gray.convertTo(background, CV_32F, 1.6, 70.0);
      cv::min(background, 255.0, background);
      const cv::Mat mask = faceMask(gray.size(), face);
      cv::Mat linear = faceLevels.mul(mask) + background.mul(1.0 - mask);
      addNoiseAndStore(linear, 3.0, seed, gray);
      return;
    }
  }
}

}  // namespace facefilter
