// Accuracy in poor light (facefilter-bench's accuracy section): the shipped model and the default detector on
// the udacity test split and helen-wild's val split, each in normal light and under the eval's synthetic dim
// and backlit rooms (engine/eval/photometric.hpp; the same pixels as `facefilter-cli eval --photometric`):
// gt-box and pipeline NME and the pipeline's misses. Then what the lifted copy and its finer pyramid step
// cost the detector per 1280x720 frame in the dim room, beside the plain search of the same frames.

#include <cstdio>
#include <string>

#include <opencv2/imgproc.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/eval/keypoint_eval.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/eval/photometric.hpp"

namespace facefilter::bench {
namespace {

const Clock& clk() {
  return SteadyClock::instance();
}

void progress(const std::string& what) {
  std::fprintf(stderr, "facefilter-bench: %s ...\n", what.c_str());
}

void accuracyRows(const Context& ctx, const KeypointModel& model, Report& report, const std::string& name,
                  const std::string& key, const std::string& dir, const std::string& split) {
  auto samples = loadKeypointsSplit(dir, split);
  if (!samples) {
    report.skip("accuracy on " + name + ": " + samples.error().message);
    return;
  }
  auto detector = FaceDetector::create(ctx.detector);
  if (!detector) {
    report.skip("accuracy: " + detector.error().message);
    return;
  }
  for (Photometric light : {Photometric::kNormal, Photometric::kDim, Photometric::kBacklit}) {
    const std::string lightName = toString(light);
    progress("accuracy: " + name + ", " + lightName + " light");
    EvalOptions opt;
    opt.timing = false;
    opt.photometric = light;
    if (ctx.quick) opt.limit = 100;
    auto r = evaluateKeypoints(samples.value(), model, &detector.value(), opt);
    if (!r) {
      report.skip("accuracy on " + name + ": " + r.error().message);
      return;
    }
    const std::string section =
        "accuracy in poor light (" + name + ", " + std::to_string(r->images) + " faces)";
    report.addText(section, lightName + ": box from the truth", "NME " + fmt(100 * r->gtBox.mean, 2) + " %");
    report.addText(section, lightName + ": pipeline (Haar, two passes, presence)",
                   "NME " + fmt(100 * r->pipeline.mean, 2) + " %, misses " + fmt(100 * r->missRate, 2) +
                       " % (" + std::to_string(r->misses) + ", " + std::to_string(r->presenceRejects) +
                       " of them presence rejects)");
    const std::string k = key + "_" + lightName;
    report.set("nme_gt_box_" + k, 100 * r->gtBox.mean, 2);
    report.set("nme_pipeline_" + k, 100 * r->pipeline.mean, 2);
    report.set("miss_rate_" + k, 100 * r->missRate, 2);
  }
}

// The detector's cost per frame in the dim room, with and without the lifted copy: the demo clip at 1280x720
// (a copy too large for the finer pyramid step) and at 320x240 (a small frame: the lifted search takes the
// finer step; it should still cost less than a 1280x720 one).
void dimDetectRows(const Context& ctx, Report& report) {
  progress("accuracy: detector cost per 1280x720 and 320x240 frame in the dim room, plain and lifted");
  std::vector<cv::Mat> grays;
  if (auto src = VideoFileSource::open(ctx.video720Path)) {
    while (grays.size() < (ctx.quick ? 20u : 80u)) {
      ReadResult r = src.value()->read();
      if (r.status != ReadStatus::kFrame) break;
      cv::Mat g;
      cv::cvtColor(r.image, g, cv::COLOR_BGR2GRAY);
      grays.push_back(g);
    }
  }
  if (grays.empty()) {
    report.skip("dim detector cost: no frames from " + ctx.video720Path);
    return;
  }
  // The demo clip is already darker than the low-light level, so both rows search the eval's dim room; they
  // differ only in the lift (the plain search is what the detector did before it).
  DetectorParams plain = ctx.detector;
  plain.lowLightBelow = 0;
  struct Variant {
    const char* name;
    const char* key;
    DetectorParams params;
  };
  struct FrameSize {
    const char* name;
    const char* key;
    cv::Size size;
  };
  for (const FrameSize& size :
       {FrameSize{"1280x720", "720p", {1280, 720}}, FrameSize{"320x240", "240p", {320, 240}}}) {
    for (const Variant& v :
         {Variant{"plain search", "plain", plain}, Variant{"lifted search", "lifted", ctx.detector}}) {
      auto detector = FaceDetector::create(v.params);
      if (!detector) return;
      std::vector<double> ms;
      size_t found = 0;
      for (size_t i = 0; i < grays.size(); ++i) {
        cv::Mat g;
        if (grays[i].size() == size.size) {
          g = grays[i].clone();
        } else {
          cv::resize(grays[i], g, size.size, 0, 0, cv::INTER_AREA);
        }
        applyPhotometric(g, Photometric::kDim, Landmarks{}, i);
        const int64_t t0 = clk().nowNs();
        found += detector->detect(g).empty() ? 0 : 1;
        ms.push_back(nsToMs(clk().nowNs() - t0));
      }
      const Dist d = summarise(ms);
      report.add({"accuracy in poor light",
                  std::string("detector, ") + size.name + " demo in the dim room, " + v.name, d, "frame",
                  "face found in " + std::to_string(found) + "/" + std::to_string(grays.size()) + " frames"});
      report.set(std::string("detect_ms_") + size.key + "_dim_" + v.key, d.median, 2);
    }
  }
}

}  // namespace

void benchAccuracy(const Context& ctx, const KeypointModel& model, Report& report) {
  accuracyRows(ctx, model, report, "udacity test", "udacity", ctx.dataDir + "/udacity-keypoints", "test");
  accuracyRows(ctx, model, report, "helen-wild val", "helen", ctx.dataDir + "/helen-wild", "val");
  dimDetectRows(ctx, report);
}

}  // namespace facefilter::bench
