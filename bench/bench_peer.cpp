// The classic peer: dlib's ERT shape predictor against our CNN on the udacity test split, NME as
// facefilter-cli eval defines it (mean point error / distance of points 36-45), both given a box from
// the ground truth (ours: its own box rule and crop; dlib: the Haar-equivalent box it was trained with).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include <dlib/image_processing.h>
#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "bench/dlib_peer.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter::bench {
namespace {

struct PeerFigures {
  NmeSummary nme;
  double msPerFace = 0;
};

// `haarBoxes`: the engine's Haar detection matching each sample (nullopt = missed); empty = the
// Haar-equivalent box from the truth for every sample. `secondPass`: run the predictor again from the
// Haar-equivalent box of its own first answer, the same second chance the engine gives our CNN
// (engine/keypoints/refine.hpp).
PeerFigures runDlib(const std::string& path, const std::vector<KeypointsSample>& samples,
                    const std::vector<cv::Mat>& grays,
                    const std::vector<std::optional<cv::Rect2f>>& haarBoxes, bool secondPass = false) {
  dlib::shape_predictor sp;
  dlib::deserialize(path) >> sp;
  std::vector<double> nmes, ms;
  const Clock& clk = SteadyClock::instance();
  for (size_t i = 0; i < samples.size(); ++i) {
    if (grays[i].empty()) continue;
    if (!haarBoxes.empty() && !haarBoxes[i]) continue;
    const dlib::cv_image<unsigned char> img(grays[i]);
    const dlib::rectangle box =
        toDlib(haarBoxes.empty() ? boxFromPoints(samples[i].points, kHaarBoxRule) : *haarBoxes[i]);
    const int64_t t0 = clk.nowNs();
    Landmarks points = fromDlib(sp(img, box));
    if (secondPass) points = fromDlib(sp(img, toDlib(boxFromPoints(points, kHaarBoxRule))));
    ms.push_back(nsToMs(clk.nowNs() - t0));
    nmes.push_back(normalisedMeanError(points, samples[i].points));
  }
  PeerFigures f;
  f.msPerFace = summarise(ms).median;
  f.nme = summariseNme(nmes);
  return f;
}

}  // namespace

void benchPeer(const Context& ctx, const KeypointModel& model, Report& report) {
  std::fprintf(stderr, "facefilter-bench: peer (dlib ERT) on the udacity test split ...\n");
  auto samples = loadKeypointsSplit(ctx.dataDir, "test");
  if (!samples) {
    report.skip("peer: " + samples.error().message);
    return;
  }
  std::vector<cv::Mat> grays;
  for (const auto& s : samples.value()) {
    auto image = readImageFile(s.imagePath);
    cv::Mat g;
    if (image) cv::cvtColor(image.value(), g, cv::COLOR_BGR2GRAY);
    grays.push_back(g);
  }
  EvalOptions opt;
  opt.pipeline = false;
  auto ours = evaluateKeypoints(samples.value(), model, nullptr, opt);
  if (!ours) {
    report.skip("peer: " + ours.error().message);
    return;
  }
  // The box users' faces really get: the engine's Haar detection (default settings) that matches the
  // labelled face. Both methods are given the same detection; images where none matches are left out.
  auto detector = FaceDetector::create(DetectorParams{});
  const std::vector<KeypointsSample>& all = samples.value();
  std::vector<std::optional<cv::Rect2f>> haarBoxes(all.size());
  std::vector<double> oursHaar, oursHaarSingle;
  size_t haarFound = 0;
  if (detector) {
    for (size_t i = 0; i < all.size(); ++i) {
      if (grays[i].empty()) continue;
      const std::vector<Detection> found = detector->detect(grays[i]);
      const Detection* best = bestMatch(found, all[i].points, EvalOptions{}.matchIou);
      if (!best) continue;
      haarBoxes[i] = best->box;
      ++haarFound;
      std::vector<CropWindow> crops = {model.cropFor(best->box)};
      auto pred = model.predict(grays[i], crops, {true});
      if (!pred) continue;
      oursHaarSingle.push_back(normalisedMeanError(pred.value()[0], all[i].points));
      if (refineFromKeypoints(model, grays[i], {true}, crops, pred.value())) {
        oursHaar.push_back(normalisedMeanError(pred.value()[0], all[i].points));
      }
    }
  }
  const NmeSummary oursHaarNme = summariseNme(oursHaar);
  const NmeSummary oursHaarSingleNme = summariseNme(oursHaarSingle);
  const std::string n = std::to_string(ours->gtBox.count);
  const std::string nHaar = std::to_string(haarFound);
  auto row = [&](const std::string& boxes, const std::string& method, const std::string& trainedOn,
                 const NmeSummary& s, double ms) {
    report.addText("accuracy (udacity test, " + boxes + ")", method + " — trained on " + trainedOn,
                   "NME mean " + fmt(100 * s.mean, 2) + " %, median " + fmt(100 * s.median, 2) +
                       " %, failures (>10 %) " + fmt(100 * s.failureRate, 1) + " %" +
                       (ms > 0 ? "; " + fmt(ms, 2) + " ms/face" : ""));
  };
  const std::string gtBoxes = n + " faces, box from the truth";
  const std::string haarBoxesName = nHaar + " faces, engine's Haar box";
  const std::string oursName = "ours: " + model.metadata().name + " (CNN, LibTorch CPU)";
  row(gtBoxes, oursName, "udacity training split", ours->gtBox, ours->msPerFaceSingle);
  row(haarBoxesName, oursName + ", one pass", "udacity training split", oursHaarSingleNme, 0);
  row(haarBoxesName, oursName + ", second pass from its keypoints (engine default)", "udacity training split",
      oursHaarNme, 0);
  report.set("nme_ours_gt_box", 100 * ours->gtBox.mean);
  report.set("nme_ours_haar_box", 100 * oursHaarNme.mean);
  report.set("nme_ours_haar_box_single_pass", 100 * oursHaarSingleNme.mean);
  report.set("ms_per_face_ours", ours->msPerFaceSingle);
  std::error_code ec;
  struct Peer {
    std::string path, key, boxes;
  };
  std::optional<double> bestHaar;
  for (const Peer& p : {Peer{ctx.peerDlibPath, "nme_dlib_ert", "truth-derived boxes"},
                        Peer{ctx.peerDlibHaarPath, "nme_dlib_ert_haar_trained", "the engine's Haar boxes"}}) {
    if (p.path.empty() || !std::filesystem::exists(p.path, ec)) {
      report.skip("dlib ERT rows (" + p.boxes + "): no trained predictor at '" + p.path +
                  "' (train it with build-bench/bench/train_dlib_ert, see README)");
      continue;
    }
    const std::string name =
        "dlib ERT (" + p.path.substr(p.path.find_last_of('/') + 1) + ", bench/train_dlib_ert)";
    const std::string trainedOn = "udacity training split, " + p.boxes;
    const PeerFigures f = runDlib(p.path, samples.value(), grays, {});
    row(gtBoxes, name, trainedOn, f.nme, f.msPerFace);
    const PeerFigures h = runDlib(p.path, samples.value(), grays, haarBoxes);
    row(haarBoxesName, name + ", one pass", trainedOn, h.nme, 0);
    const PeerFigures h2 = runDlib(p.path, samples.value(), grays, haarBoxes, true);
    row(haarBoxesName, name + ", second pass from its keypoints", trainedOn, h2.nme, 0);
    report.set(p.key, 100 * f.nme.mean);
    report.set(p.key + "_haar_box", 100 * h.nme.mean);
    report.set(p.key + "_haar_box_second_pass", 100 * h2.nme.mean);
    report.set("ms_per_face_" + p.key.substr(4), f.msPerFace);
    const double best = 100 * std::min(h.nme.mean, h2.nme.mean);
    bestHaar = bestHaar ? std::min(*bestHaar, best) : best;
  }
  report.set("nme_dlib_ert_best_haar_box", bestHaar);
  if (!ctx.ibugDlibPath.empty() && std::filesystem::exists(ctx.ibugDlibPath, ec)) {
    const PeerFigures f = runDlib(ctx.ibugDlibPath, samples.value(), grays, {});
    row(gtBoxes, "dlib pretrained 68-point ERT (libdlib-data)", "iBUG 300-W (other data, HOG-detector boxes)",
        f.nme, f.msPerFace);
    report.set("nme_dlib_ibug", 100 * f.nme.mean);
    report.set("ms_per_face_dlib_ibug", f.msPerFace);
  } else {
    report.skip("dlib iBUG row: no file at '" + ctx.ibugDlibPath + "' (Debian package libdlib-data)");
  }
}

}  // namespace facefilter::bench
