#include "engine/detect/haar_cascade.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

// Every comparison must come out as in OpenCV's scalar code, so the float arithmetic below is written in
// the same order and this file is built with -ffp-contract=off (no fused multiply-add;
// engine/CMakeLists.txt).

namespace facefilter {
namespace {

// The helpers below take and return 256-bit vectors and must be inlined into scanRow's clones: called, a
// default-target helper would pass them in memory where the AVX2 clone passes them in registers (found as
// wrong results at -O2, where GCC did not inline them on its own).
#define FACEFILTER_VECTOR_INLINE inline __attribute__((always_inline))

// scanRow is built for AVX2 and for the baseline, picked at load time through an ifunc. ThreadSanitizer's
// runtime crashes resolving ifuncs at start-up, and clang (the fuzz build) cannot multiversion templates:
// those builds have the baseline alone.
#if defined(__SANITIZE_THREAD__) || defined(__clang__)
#define FACEFILTER_SCAN_CLONES
#else
#define FACEFILTER_SCAN_CLONES __attribute__((target_clones("avx2", "default")))
#endif

using V8i = std::int32_t __attribute__((vector_size(32)));
using V8u = std::uint32_t __attribute__((vector_size(32)));
using V8f = float __attribute__((vector_size(32)));
using V4d = double __attribute__((vector_size(32)));
constexpr int kLanes = 8;

// OpenCV lowers every stage threshold by this when it reads a cascade (CascadeClassifierImpl::Data::read).
constexpr float kStageThresholdEps = 1e-5f;

// A feature's rectangle corners as offsets into the levels' integral images (which share one row stride).
struct LevelFeature {
  int ofs[3][4];
  float weight[3];
};

struct Level {
  float scale = 1;
  int step = 2;           // window step in level pixels: OpenCV's 2 below a factor of 2, then 1
  cv::Size integral;      // integral image size (level size + 1)
  cv::Size working;       // window origins: [0, working.width) x [0, working.height)
  cv::Mat sumBuf, sqBuf;  // integral images in the top-left corner, one spare row below
  int stride = 0;         // ints per row
  int normOfs[4] = {0, 0, 0, 0};
};

void cornerOffsets(int (&ofs)[4], int x, int y, int w, int h, int stride) {
  ofs[0] = x + stride * y;
  ofs[1] = x + w + stride * y;
  ofs[2] = x + stride * (y + h);
  ofs[3] = x + w + stride * (y + h);
}

template <int Step>
FACEFILTER_VECTOR_INLINE V8i load(const std::int32_t* p) {
  if constexpr (Step == 1) {
    V8i v;
    std::memcpy(&v, p, sizeof v);
    return v;
  } else {
    V8i a, b;
    std::memcpy(&a, p, sizeof a);
    std::memcpy(&b, p + kLanes, sizeof b);
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
  }
}

// A rectangle's sum from its four integral corners. In unsigned arithmetic: the corners of a large image's
// integral can pass 2^31 and wrap (as in OpenCV), while the rectangle's own sum always fits.
template <int Step>
FACEFILTER_VECTOR_INLINE V8i boxSumInt(const std::int32_t* p, const int (&ofs)[4]) {
  const V8u a = reinterpret_cast<V8u>(load<Step>(p + ofs[0]));
  const V8u b = reinterpret_cast<V8u>(load<Step>(p + ofs[1]));
  const V8u c = reinterpret_cast<V8u>(load<Step>(p + ofs[2]));
  const V8u d = reinterpret_cast<V8u>(load<Step>(p + ofs[3]));
  return reinterpret_cast<V8i>(a - b - c + d);
}

template <int Step>
FACEFILTER_VECTOR_INLINE V8f boxSum(const std::int32_t* p, const int (&ofs)[4]) {
  return __builtin_convertvector(boxSumInt<Step>(p, ofs), V8f);
}

struct RowContext {
  const Level* level;
  const LevelFeature* features;
  const HaarCascade::Stump* stumps;
  const HaarCascade::Stage* stages;
  int stageCount;
  double normArea;  // pixels in the window less its 1-pixel border, as HaarEvaluator's normrect
};

// One stage's sum for eight windows. OpenCV (predictOrderedStump): value = float(calc(window)) *
// varianceNormFactor; sum (a double) += value < threshold ? left : right, stump by stump.
template <int Step>
FACEFILTER_VECTOR_INLINE void stageSums(const RowContext& c, const HaarCascade::Stage& stage,
                                        const std::int32_t* p, V8f norm, double (&sum)[kLanes]) {
  V4d lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
  const HaarCascade::Stump* stump = c.stumps + stage.first;
  for (int i = 0; i < stage.count; ++i, ++stump) {
    const LevelFeature& f = c.features[stump->feature];
    V8f value = boxSum<Step>(p, f.ofs[0]) * f.weight[0] + boxSum<Step>(p, f.ofs[1]) * f.weight[1];
    if (f.weight[2] != 0.0f) value += boxSum<Step>(p, f.ofs[2]) * f.weight[2];
    value *= norm;
    const V8i below = value < stump->threshold;
    const V8i leafBits = (below & std::bit_cast<std::int32_t>(stump->left)) |
                         (~below & std::bit_cast<std::int32_t>(stump->right));
    const V8f leaf = reinterpret_cast<V8f>(leafBits);
    lo += __builtin_convertvector(__builtin_shufflevector(leaf, leaf, 0, 1, 2, 3), V4d);
    hi += __builtin_convertvector(__builtin_shufflevector(leaf, leaf, 4, 5, 6, 7), V4d);
  }
  for (int k = 0; k < 4; ++k) {
    sum[k] = lo[k];
    sum[k + 4] = hi[k];
  }
}

struct LaneHit {
  int x;
  double weight;
};

// The windows of row y that pass every stage, in x order. Reproduces OpenCV's walk along the row: a window
// rejected by the first stage makes it skip the next window position.
template <int Step>
FACEFILTER_SCAN_CLONES void scanRow(const RowContext& c, int y, std::vector<LaneHit>& out) {
  const Level& L = *c.level;
  const std::int32_t* sumRow = L.sumBuf.ptr<std::int32_t>() + static_cast<ptrdiff_t>(y) * L.stride;
  const std::int32_t* sqRow = L.sqBuf.ptr<std::int32_t>() + static_cast<ptrdiff_t>(y) * L.stride;
  const double area = c.normArea;
  const int(&n)[4] = L.normOfs;
  bool skipNext = false;
  const int width = L.working.width;
  for (int x0 = 0; x0 < width; x0 += kLanes * Step) {
    const std::int32_t* p = sumRow + x0;
    const std::int32_t* q = sqRow + x0;
    const V8i valsum = boxSumInt<Step>(p, n);
    // squares in 32 bits wrap around as in OpenCV (HaarEvaluator::setWindow reads them unsigned)
    const V8u valsqsum = reinterpret_cast<V8u>(boxSumInt<Step>(q, n));
    alignas(32) float norm[kLanes];
    bool valid[kLanes];
    for (int k = 0; k < kLanes; ++k) {  // HaarEvaluator::setWindow
      double nf = area * valsqsum[k] - static_cast<double>(valsum[k]) * valsum[k];
      if (nf > 0.) {
        nf = std::sqrt(nf);
        norm[k] = static_cast<float>(1. / nf);
        valid[k] = area * norm[k] < 1e-1;
      } else {
        norm[k] = 1.f;
        valid[k] = false;
      }
    }
    V8f normV;
    std::memcpy(&normV, norm, sizeof normV);
    double sum[kLanes];
    stageSums<Step>(c, c.stages[0], p, normV, sum);
    const int lanes = std::min(kLanes, (width - x0 + Step - 1) / Step);
    unsigned active = 0;
    for (int k = 0; k < lanes; ++k) {
      if (skipNext) {
        skipNext = false;
        continue;
      }
      if (!valid[k]) continue;  // OpenCV's result -1: no skip
      if (sum[k] < c.stages[0].threshold) {
        skipNext = true;  // result 0: the next position is not tried
        continue;
      }
      active |= 1u << k;
    }
    // Eight lanes to the end, even with one window left: measured faster than finishing lanes one by one.
    for (int stage = 1; stage < c.stageCount && active; ++stage) {
      stageSums<Step>(c, c.stages[stage], p, normV, sum);
      for (int k = 0; k < lanes; ++k) {
        if (sum[k] < c.stages[stage].threshold) active &= ~(1u << k);
      }
    }
    for (int k = 0; k < lanes && active; ++k) {
      if (active >> k & 1u) out.push_back({x0 + k * Step, sum[k]});
    }
  }
}

Status fail(const std::string& path, const std::string& why) {
  return makeError("Haar cascade '" + path + "': " + why);
}

}  // namespace

Result<HaarCascade> HaarCascade::load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return fail(path, "no such file").error();
  HaarCascade c;
  try {
    cv::FileStorage fs(path, cv::FileStorage::READ);
    if (!fs.isOpened()) return fail(path, "not readable as OpenCV XML/YAML/JSON").error();
    const cv::FileNode root = fs.getFirstTopLevelNode();
    if (!root.isMap() || static_cast<std::string>(root["stageType"]) != "BOOST") {
      return fail(path, "not a boosted cascade in OpenCV's current format").error();
    }
    if (static_cast<std::string>(root["featureType"]) != "HAAR")
      return fail(path, "not a Haar cascade").error();
    c.window_ = cv::Size(static_cast<int>(root["width"]), static_cast<int>(root["height"]));
    if (c.window_.width <= 2 || c.window_.height <= 2) return fail(path, "bad window size").error();
    if (static_cast<int>(root["featureParams"]["maxCatCount"]) != 0)
      return fail(path, "categorical features").error();

    const cv::FileNode stages = root["stages"];
    if (stages.empty()) return fail(path, "no stages").error();
    for (const cv::FileNode& st : stages) {
      Stage stage;
      stage.threshold = static_cast<float>(st["stageThreshold"]) - kStageThresholdEps;
      stage.first = static_cast<int>(c.stumps_.size());
      const cv::FileNode weak = st["weakClassifiers"];
      for (const cv::FileNode& w : weak) {
        const cv::FileNode nodes = w["internalNodes"];
        const cv::FileNode leaves = w["leafValues"];
        if (nodes.size() != 4 || leaves.size() != 2) return fail(path, "trees deeper than one split").error();
        Stump stump;
        stump.feature = static_cast<int>(nodes[2]);
        stump.threshold = static_cast<float>(nodes[3]);
        stump.left = static_cast<float>(leaves[0]);
        stump.right = static_cast<float>(leaves[1]);
        c.stumps_.push_back(stump);
      }
      stage.count = static_cast<int>(c.stumps_.size()) - stage.first;
      if (stage.count == 0) return fail(path, "a stage without classifiers").error();
      c.stages_.push_back(stage);
    }

    const cv::FileNode features = root["features"];
    for (const cv::FileNode& fn : features) {
      if (!fn["tilted"].empty() && static_cast<int>(fn["tilted"]) != 0)
        return fail(path, "tilted features").error();
      Feature f;
      int n = 0;
      for (const cv::FileNode& r : fn["rects"]) {
        if (n == 3 || r.size() != 5) return fail(path, "a feature with more than 3 rectangles").error();
        Rect& rect = f.rects[n++];
        rect = {static_cast<int>(r[0]), static_cast<int>(r[1]), static_cast<int>(r[2]),
                static_cast<int>(r[3]), static_cast<float>(r[4])};
        if (rect.x < 0 || rect.y < 0 || rect.w < 0 || rect.h < 0 || rect.x + rect.w > c.window_.width ||
            rect.y + rect.h > c.window_.height) {
          return fail(path, "a feature rectangle outside the window").error();
        }
      }
      if (n < 2) return fail(path, "a feature with fewer than 2 rectangles").error();
      c.features_.push_back(f);
    }
  } catch (const cv::Exception& e) {
    return fail(path, std::string("cannot parse: ") + e.what()).error();
  }
  for (const Stump& s : c.stumps_) {
    if (s.feature < 0 || s.feature >= static_cast<int>(c.features_.size())) {
      return fail(path, "a classifier names a missing feature").error();
    }
  }
  return c;
}

HaarCascade::Hits HaarCascade::scan(const cv::Mat& gray, double scaleFactor, cv::Size minSize,
                                    cv::Size maxSize) const {
  Hits hits;
  if (gray.empty() || gray.type() != CV_8UC1 || !(scaleFactor > 1) || stages_.empty()) return hits;
  const cv::Size image = gray.size();
  if (maxSize.width == 0 || maxSize.height == 0) maxSize = image;

  // CascadeClassifierImpl::detectMultiScaleNoGrouping's pyramid
  std::vector<float> scales;
  for (double factor = 1;; factor *= scaleFactor) {
    const cv::Size win(cvRound(window_.width * factor), cvRound(window_.height * factor));
    if (win.width > maxSize.width || win.height > maxSize.height || win.width > image.width ||
        win.height > image.height) {
      break;
    }
    if (win.width < minSize.width || win.height < minSize.height) continue;
    scales.push_back(static_cast<float>(factor));
  }
  if (scales.empty()) return hits;

  // Every level's integral images share one row stride (as in OpenCV's single canvas), so one table of
  // feature offsets serves them all.
  const cv::Size first(cvRound(image.width / scales[0]) + 1, cvRound(image.height / scales[0]) + 1);
  const int stride = first.width;
  const cv::Rect norm(1, 1, window_.width - 2, window_.height - 2);
  std::vector<LevelFeature> offsets(features_.size());
  for (size_t f = 0; f < features_.size(); ++f) {
    for (int r = 0; r < 3; ++r) {
      const Rect& rect = features_[f].rects[r];
      cornerOffsets(offsets[f].ofs[r], rect.x, rect.y, rect.w, rect.h, stride);
      offsets[f].weight[r] = rect.weight;
    }
  }
  int normOfs[4];
  cornerOffsets(normOfs, norm.x, norm.y, norm.width, norm.height, stride);

  // Levels are independent: resize and integrate them in parallel (OpenCV does this part on one thread).
  std::vector<Level> levels(scales.size());
  cv::parallel_for_(cv::Range(0, static_cast<int>(levels.size())), [&](const cv::Range& range) {
    for (int i = range.start; i < range.end; ++i) {
      Level& L = levels[static_cast<size_t>(i)];
      const float sc = scales[static_cast<size_t>(i)];
      L.scale = sc;
      L.step = sc >= 2 ? 1 : 2;
      const cv::Size sz(cvRound(image.width / sc), cvRound(image.height / sc));
      L.integral = cv::Size(sz.width + 1, sz.height + 1);
      L.working = cv::Size(std::max(L.integral.width - window_.width, 0),
                           std::max(L.integral.height - window_.height, 0));
      cv::Mat resized;
      cv::resize(gray, resized, sz, 1. / sc, 1. / sc, cv::INTER_LINEAR_EXACT);
      // one spare row: the last lanes of a block read up to 15 values past the end of a row
      L.sumBuf = cv::Mat::zeros(L.integral.height + 1, stride, CV_32S);
      L.sqBuf = cv::Mat::zeros(L.integral.height + 1, stride, CV_32S);
      cv::Mat sum = L.sumBuf(cv::Rect(cv::Point(0, 0), L.integral));
      cv::Mat sq = L.sqBuf(cv::Rect(cv::Point(0, 0), L.integral));
      // 32-bit squares wrap around as in OpenCV; a window's sum of squares (< 2^32) still comes out right.
      cv::integral(resized, sum, sq, cv::noArray(), CV_32S, CV_32S);
      L.stride = stride;
      std::copy(std::begin(normOfs), std::end(normOfs), std::begin(L.normOfs));
    }
  });

  // OpenCV's stripes: every stripe walks its share of the rows of every level.
  const int stripes = std::max(1, cvCeil(levels[0].working.width / 32.));
  std::vector<int> stripeRows(levels.size());
  for (size_t i = 0; i < levels.size(); ++i) {
    const Level& L = levels[i];
    stripeRows[i] = std::max((L.working.height / L.step + stripes - 1) / stripes, 1) * L.step;
  }
  std::vector<Hits> perStripe(static_cast<size_t>(stripes));
  cv::parallel_for_(cv::Range(0, stripes), [&](const cv::Range& range) {
    std::vector<LaneHit> row;
    for (int stripe = range.start; stripe < range.end; ++stripe) {
      Hits& out = perStripe[static_cast<size_t>(stripe)];
      for (size_t i = 0; i < levels.size(); ++i) {
        const Level& L = levels[i];
        const RowContext ctx{&L,
                             offsets.data(),
                             stumps_.data(),
                             stages_.data(),
                             static_cast<int>(stages_.size()),
                             static_cast<double>(norm.area())};
        const cv::Size win(cvRound(window_.width * L.scale), cvRound(window_.height * L.scale));
        const int y1 = std::min((stripe + 1) * stripeRows[i], L.working.height);
        for (int y = stripe * stripeRows[i]; y < y1; y += L.step) {
          row.clear();
          if (L.step == 1) {
            scanRow<1>(ctx, y, row);
          } else {
            scanRow<2>(ctx, y, row);
          }
          for (const LaneHit& h : row) {
            out.boxes.emplace_back(cvRound(h.x * L.scale), cvRound(y * L.scale), win.width, win.height);
            out.levels.push_back(static_cast<int>(stages_.size()));
            out.weights.push_back(h.weight);
          }
        }
      }
    }
  });
  for (Hits& h : perStripe) {
    hits.boxes.insert(hits.boxes.end(), h.boxes.begin(), h.boxes.end());
    hits.levels.insert(hits.levels.end(), h.levels.begin(), h.levels.end());
    hits.weights.insert(hits.weights.end(), h.weights.begin(), h.weights.end());
  }
  return hits;
}

HaarCascade::Hits HaarCascade::detect(const cv::Mat& gray, double scaleFactor, int minNeighbors,
                                      cv::Size minSize, cv::Size maxSize) const {
  Hits h = scan(gray, scaleFactor, minSize, maxSize);
  constexpr double kGroupEps = 0.2;  // CascadeClassifierImpl::detectMultiScale's GROUP_EPS
  cv::groupRectangles(h.boxes, h.levels, h.weights, minNeighbors, kGroupEps);
  // clipObjects: boxes are cut to the image and dropped when nothing is left
  Hits out;
  const cv::Rect frame(0, 0, gray.cols, gray.rows);
  for (size_t i = 0; i < h.boxes.size(); ++i) {
    const cv::Rect r = h.boxes[i] & frame;
    if (r.area() <= 0) continue;
    out.boxes.push_back(r);
    out.levels.push_back(h.levels[i]);
    out.weights.push_back(h.weights[i]);
  }
  return out;
}

}  // namespace facefilter
