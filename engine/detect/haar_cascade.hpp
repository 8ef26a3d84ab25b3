#pragma once
// Our scan of an OpenCV Haar cascade, for the cascades OpenCV ships for frontal faces (boosted stumps on
// upright features, e.g. haarcascade_frontalface_default.xml). It finds exactly the windows that
// cv::CascadeClassifier::detectMultiScale finds on the CPU (OpenCV 4.x: same pyramid, same window steps,
// same arithmetic) and groups them the same way, but evaluates eight neighbouring windows per instruction
// and builds the pyramid's integral images in parallel. OpenCV's scan tests one window at a time, and with
// detection on every frame it is most of a frame's time (facefilter-bench compares the two scans).
// The exactness rests on OpenCV 4.x's CPU path (resize INTER_LINEAR_EXACT, 32-bit integrals, float features,
// double stage sums); tests/test_haar_cascade.cpp checks it against the installed OpenCV.
//
// Thread safety: const methods may be called from several threads at once. Uses OpenCV's thread pool.

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter {

class HaarCascade {
 public:
  // Reads the cascade XML. Fails, naming the reason, for a file that is not a boosted Haar cascade of
  // stumps without tilted features (LBP cascades, trees, tilted features): use cv::CascadeClassifier there.
  static Result<HaarCascade> load(const std::string& path);

  cv::Size windowSize() const { return window_; }

  struct Hits {
    std::vector<cv::Rect> boxes;
    std::vector<int> levels;      // stages passed (all of them)
    std::vector<double> weights;  // the last stage's sum
  };

  // The raw windows: cv::CascadeClassifier::detectMultiScale(gray, ..., outputRejectLevels = true) before
  // grouping, in scan order. `gray` is 8-bit single channel; maxSize 0x0 = the image size.
  Hits scan(const cv::Mat& gray, double scaleFactor, cv::Size minSize, cv::Size maxSize) const;

  // What cv::CascadeClassifier::detectMultiScale(gray, boxes, levels, weights, scaleFactor, minNeighbors, 0,
  // minSize, maxSize, true) returns: scan(), then cv::groupRectangles with OpenCV's eps 0.2, clipped.
  Hits detect(const cv::Mat& gray, double scaleFactor, int minNeighbors, cv::Size minSize,
              cv::Size maxSize) const;

  struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
    float weight = 0;
  };
  struct Feature {
    Rect rects[3];  // the third has weight 0 when unused
  };
  struct Stump {
    int feature = 0;
    float threshold = 0, left = 0, right = 0;
  };
  struct Stage {
    int first = 0, count = 0;  // stumps_[first, first + count)
    float threshold = 0;
  };

 private:
  cv::Size window_;
  std::vector<Feature> features_;
  std::vector<Stump> stumps_;
  std::vector<Stage> stages_;
};

}  // namespace facefilter
