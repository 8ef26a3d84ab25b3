#pragma once
// Keypoint accuracy and speed over a labelled split (facefilter-cli eval, the CI accuracy test, the
// benchmark). NME = mean point-to-point error / distance between the outer eye corners (36, 45).

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/detect/face_detector.hpp"
#include "engine/eval/keypoints_dataset.hpp"
#include "engine/eval/photometric.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter {

inline constexpr double kNmeFailureThreshold = 0.10;

double normalisedMeanError(const Landmarks& predicted, const Landmarks& truth);

// The detection that finds the labelled face: the one overlapping the truth's keypoint box most, if that
// overlap reaches `minIou`; nullptr when none does (a miss).
const Detection* bestMatch(const std::vector<Detection>& detections, const Landmarks& truth, double minIou);

struct NmeSummary {
  size_t count = 0;
  double mean = 0;
  double median = 0;
  double failureRate = 0;  // share with NME > kNmeFailureThreshold
};
NmeSummary summariseNme(std::vector<double> nmes);

struct EvalOptions {
  bool gtBox = true;
  bool pipeline = true;
  bool timing = true;
  int timingFaces = 200;   // single-face forwards timed (median reported)
  size_t limit = 0;        // 0 = every sample
  double matchIou = 0.25;  // a detection "finds" the face when its IoU with the truth's box is at least this
  // pipeline mode: the engine's second pass from the first pass's keypoints (engine/keypoints/refine.hpp)
  bool refine = true;
  // ... and how many passes from keypoints it makes.
  RefineOptions refineOptions;
  // pipeline mode, models with a presence score: a face scoring below this is not found (as in the engine)
  float presenceThreshold = 0.5f;
  // Every image seen under this synthetic lighting (engine/eval/photometric.hpp), both modes.
  Photometric photometric = Photometric::kNormal;
};

// What the pipeline made of one sample (EvalReport::pipelineSamples).
enum class PipelineOutcome {
  kNotRun,          // unreadable, or pipeline mode off
  kFound,           // a detection found the face and the presence score kept it
  kNotDetected,     // no detection overlapped the truth enough
  kPresenceReject,  // a detection found the face; its presence score was under the threshold
};
const char* toString(PipelineOutcome outcome);

struct PipelineSample {
  PipelineOutcome outcome = PipelineOutcome::kNotRun;
  double nme = std::numeric_limits<double>::quiet_NaN();  // kFound only
  cv::Rect2f box;                                         // the matched detection (kFound, kPresenceReject)
  float presence = -1;                                    // its score; -1 where the model has none
};

struct EvalReport {
  size_t images = 0;
  size_t unreadable = 0;
  NmeSummary gtBox;
  NmeSummary pipeline;
  double missRate = 0;  // pipeline: images where no detection overlaps the truth (or none scores presence)
  size_t misses = 0;
  size_t presenceRejects = 0;  // of the misses: a detection found the face but its presence score was too low
  double msPerFaceSingle = 0;  // median, one face per forward pass
  double msPerFaceBatch4 = 0;  // median forward of 4 faces, divided by 4
  std::vector<double> gtBoxNmes;                // per sample, same order as the input (NaN where unreadable)
  std::vector<PipelineSample> pipelineSamples;  // per sample, same order as the input
};

// `progress` (may be empty) is called with (done, total).
Result<EvalReport> evaluateKeypoints(const std::vector<KeypointsSample>& samples, const KeypointModel& model,
                                     const FaceDetector* detector, const EvalOptions& options,
                                     const std::function<void(size_t, size_t)>& progress = {});

}  // namespace facefilter
