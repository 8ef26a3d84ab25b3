// Trains dlib's ERT shape predictor (Kazemi & Sullivan 2014) on the udacity-keypoints training split,
// so that facefilter-bench --peer-dlib can compare it with our CNN on the same test split. Face boxes:
// the Haar-equivalent box from the truth (--boxes truth, what the benchmark's gt-box row gives it), or the
// engine's real Haar detections (--boxes haar: the boxes it meets in the pipeline, with their spread).
//
//   train_dlib_ert [--data DIR] [--out FILE.dat] [--oversampling 5] [--depth 4] [--cascade 10]
//                  [--trees 500] [--nu 0.1] [--feature-pool 400] [--threads 2] [--limit N]
//                  [--boxes truth|haar] [--jitter X]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/shape_predictor_trainer.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include "bench/dlib_peer.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"

using namespace facefilter;

namespace {

struct Options {
  std::string data;
  std::string out = "build-bench/dlib/ert_udacity.dat";
  unsigned long oversampling = 5, depth = 4, cascade = 10, trees = 500, featurePool = 400, threads = 2;
  double nu = 0.1;
  double jitter = 0;  // dlib's oversampling translation jitter, a share of the box size
  bool haarBoxes = false;
  size_t limit = 0;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: train_dlib_ert [--data DIR] [--out FILE.dat] [--oversampling N] [--depth N] "
               "[--cascade N] [--trees N] [--nu X] [--feature-pool N] [--threads N] [--limit N]\n"
               "       [--boxes truth|haar] [--jitter X]\n"
               "  --boxes haar: train on the engine's Haar detection of each face (the box it gets at run time;\n"
               "                the Haar-equivalent box from the truth where the detector misses)\n",
               why);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data = defaultDataDir();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") return usage("Trains dlib's ERT shape predictor on udacity-keypoints/training.");
    if (i + 1 >= argc) return usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    try {
      if (a == "--data") o.data = v;
      else if (a == "--out") o.out = v;
      else if (a == "--oversampling") o.oversampling = std::stoul(v);
      else if (a == "--depth") o.depth = std::stoul(v);
      else if (a == "--cascade") o.cascade = std::stoul(v);
      else if (a == "--trees") o.trees = std::stoul(v);
      else if (a == "--feature-pool") o.featurePool = std::stoul(v);
      else if (a == "--threads") o.threads = std::stoul(v);
      else if (a == "--nu") o.nu = std::stod(v);
      else if (a == "--limit") o.limit = std::stoul(v);
      else if (a == "--jitter") o.jitter = std::stod(v);
      else if (a == "--boxes" && (v == "truth" || v == "haar")) o.haarBoxes = v == "haar";
      else return usage(("unknown option " + a).c_str());
    } catch (const std::exception&) {
      return usage(("bad value for " + a + ": " + v).c_str());
    }
  }
  auto samples = loadKeypointsSplit(o.data, "training");
  if (!samples) {
    std::fprintf(stderr, "train_dlib_ert: %s\n", samples.error().message.c_str());
    return 1;
  }
  const size_t n = o.limit > 0 ? std::min(o.limit, samples->size()) : samples->size();
  dlib::array<dlib::array2d<unsigned char>> images;
  std::vector<std::vector<dlib::full_object_detection>> shapes;
  images.resize(n);
  size_t used = 0, haarUsed = 0;
  auto detector = FaceDetector::create(DetectorParams{});
  if (o.haarBoxes && !detector) {
    std::fprintf(stderr, "train_dlib_ert: %s\n", detector.error().message.c_str());
    return 1;
  }
  for (size_t i = 0; i < n; ++i) {
    const KeypointsSample& s = samples.value()[i];
    auto image = readImageFile(s.imagePath);
    if (!image) {
      std::fprintf(stderr, "skipped: %s\n", image.error().message.c_str());
      continue;
    }
    cv::Mat gray;
    cv::cvtColor(image.value(), gray, cv::COLOR_BGR2GRAY);
    dlib::assign_image(images[used], dlib::cv_image<unsigned char>(gray));
    cv::Rect2f box = boxFromPoints(s.points, bench::kHaarBoxRule);
    if (o.haarBoxes) {
      const std::vector<Detection> found = detector->detect(gray);
      if (const Detection* best = bestMatch(found, s.points, EvalOptions{}.matchIou)) {
        box = best->box;
        ++haarUsed;
      }
    }
    shapes.push_back({bench::toDlib(s.points, box)});
    ++used;
  }
  images.resize(used);

  dlib::shape_predictor_trainer trainer;
  trainer.set_oversampling_amount(o.oversampling);
  trainer.set_tree_depth(o.depth);
  trainer.set_cascade_depth(o.cascade);
  trainer.set_num_trees_per_cascade_level(o.trees);
  trainer.set_nu(o.nu);
  trainer.set_feature_pool_size(o.featurePool);
  trainer.set_num_threads(o.threads);
  trainer.set_oversampling_translation_jitter(o.jitter);
  if (o.haarBoxes) std::printf("Haar boxes for %zu of %zu faces (truth-derived boxes for the rest)\n", haarUsed, used);
  trainer.be_verbose();
  std::printf("training dlib ERT on %zu images: oversampling %lu, tree depth %lu, cascade %lu, %lu trees/level, "
              "nu %.3f, feature pool %lu, %lu threads\n",
              used, o.oversampling, o.depth, o.cascade, o.trees, o.nu, o.featurePool, o.threads);
  const auto t0 = std::chrono::steady_clock::now();
  dlib::shape_predictor sp = trainer.train(images, shapes);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    dlib::serialize(o.out) << sp;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_dlib_ert: cannot write '%s': %s (does its folder exist?)\n", o.out.c_str(), e.what());
    return 1;
  }
  std::printf("trained in %.0f s; training-set mean error %.4f (pixels, dlib's test_shape_predictor); wrote %s\n", secs,
              dlib::test_shape_predictor(sp, images, shapes), o.out.c_str());
  return 0;
}
