// Trains dlib's ERT shape predictor (Kazemi & Sullivan 2014) on the udacity-keypoints training split,
// so that facefilter-bench --peer-dlib can compare it with our CNN on the same test split. Face boxes:
// the Haar-equivalent box from the truth (--boxes truth, what the benchmark's gt-box row gives it), or the
// engine's real Haar detections (--boxes haar: the boxes it meets in the pipeline, with their spread).
// `train_dlib_ert --help` lists the options.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/shape_predictor_trainer.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include "bench/dlib_peer.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/core/data_dir.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "settings/command_line.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.data = defaultDataDir();
  CLI::App app("train_dlib_ert: trains dlib's ERT shape predictor on udacity-keypoints/training.",
               "train_dlib_ert");
  setUpCommandLine(app);
  addTextOption(app, "--data", o.data, "DIR", "the data root (or the udacity-keypoints folder)");
  addTextOption(app, "--out", o.out, "FILE.dat", "where the predictor is written");
  // The lower bounds are dlib's requirements of shape_predictor_trainer.
  addNumberOption(app, "--oversampling", o.oversampling, "N", "dlib's oversampling amount", 1ul, 1000ul);
  addNumberOption(app, "--depth", o.depth, "N", "tree depth", 1ul, 16ul);
  addNumberOption(app, "--cascade", o.cascade, "N", "cascade depth", 1ul, 100ul);
  addNumberOption(app, "--trees", o.trees, "N", "trees per cascade level", 1ul, 100000ul);
  addNumberOption(app, "--nu", o.nu, "X", "regularisation (shrinkage)", 1e-6, 1.0);
  addNumberOption(app, "--feature-pool", o.featurePool, "N", "feature pool size", 2ul, 100000ul);
  addNumberOption(app, "--threads", o.threads, "N", "training threads", 0ul, 256ul);
  addNumberOption(app, "--jitter", o.jitter, "X", "oversampling translation jitter, a share of the box size",
                  0.0, 1.0);
  app.add_option("--limit", o.limit, "only the first N training samples (0 = all)")
      ->type_name("N")
      ->capture_default_str();
  addChoiceOption(
      app, "--boxes", o.haarBoxes, {{"truth", false}, {"haar", true}},
      "truth: the Haar-equivalent box from the truth; haar: the engine's Haar detection of each face (the "
      "box it gets at run time; the truth's where the detector misses)");
  if (auto exitCode = parseCommandLine(app, argc, argv)) return *exitCode;

  auto samples = loadKeypointsSplit(o.data, "training");
  if (!samples) {
    std::fprintf(stderr, "train_dlib_ert: %s\n", samples.error().message.c_str());
    return kExitFailed;
  }
  const size_t n = o.limit > 0 ? std::min(o.limit, samples->size()) : samples->size();
  dlib::array<dlib::array2d<unsigned char>> images;
  std::vector<std::vector<dlib::full_object_detection>> shapes;
  images.resize(n);
  size_t used = 0, haarUsed = 0;
  auto detector = FaceDetector::create(DetectorParams{});
  if (o.haarBoxes && !detector) {
    std::fprintf(stderr, "train_dlib_ert: %s\n", detector.error().message.c_str());
    return kExitFailed;
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
  if (o.haarBoxes)
    std::printf("Haar boxes for %zu of %zu faces (truth-derived boxes for the rest)\n", haarUsed, used);
  trainer.be_verbose();
  std::printf(
      "training dlib ERT on %zu images: oversampling %lu, tree depth %lu, cascade %lu, %lu trees/level, "
      "nu %.3f, feature pool %lu, %lu threads\n",
      used, o.oversampling, o.depth, o.cascade, o.trees, o.nu, o.featurePool, o.threads);
  const auto t0 = std::chrono::steady_clock::now();
  dlib::shape_predictor sp = trainer.train(images, shapes);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    dlib::serialize(o.out) << sp;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_dlib_ert: cannot write '%s': %s (does its folder exist?)\n", o.out.c_str(),
                 e.what());
    return kExitFailed;
  }
  std::printf(
      "trained in %.0f s; training-set mean error %.4f (pixels, dlib's test_shape_predictor); wrote %s\n",
      secs, dlib::test_shape_predictor(sp, images, shapes), o.out.c_str());
  return kExitOk;
}
