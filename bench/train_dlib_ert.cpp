// Trains dlib's ERT shape predictor (Kazemi & Sullivan 2014) on the udacity-keypoints training split,
// with the same Haar-equivalent face boxes the benchmark gives it at test time, so that facefilter-bench
// --peer-dlib can compare it with our CNN on the same test split.
//
//   train_dlib_ert [--data DIR] [--out FILE.dat] [--oversampling 5] [--depth 4] [--cascade 10]
//                  [--trees 500] [--nu 0.1] [--feature-pool 400] [--threads 2] [--limit N]

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
#include "engine/eval/keypoints_dataset.hpp"

using namespace facefilter;

namespace {

struct Options {
  std::string data;
  std::string out = "build-bench/dlib/ert_udacity.dat";
  unsigned long oversampling = 5, depth = 4, cascade = 10, trees = 500, featurePool = 400, threads = 2;
  double nu = 0.1;
  size_t limit = 0;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: train_dlib_ert [--data DIR] [--out FILE.dat] [--oversampling N] [--depth N] "
               "[--cascade N] [--trees N] [--nu X] [--feature-pool N] [--threads N] [--limit N]\n",
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
  size_t used = 0;
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
    shapes.push_back({bench::toDlib(s.points, boxFromPoints(s.points, bench::kHaarBoxRule))});
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
