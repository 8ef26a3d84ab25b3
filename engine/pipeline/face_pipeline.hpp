#pragma once
// The per-frame engine: detect (Haar) or track, keypoints (TorchScript, batched), smoothing, and each face's
// head pose and light (engine/track/face_attributes.hpp).
//
// Threads: process() and reset() on one thread (the engine thread); setDetectorParams/setTrackerParams/
// setModel, the parameter getters, modelDescription() and stats() from any thread: new parameters and a new
// model take effect on the next frame. The model itself stays on the engine thread: other threads see it
// only through the description published when it is put in use.

#include <memory>
#include <mutex>

#include "engine/core/clock.hpp"
#include "engine/core/frame.hpp"
#include "engine/core/sample_window.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/pipeline/frame_result.hpp"
#include "engine/pipeline/model_description.hpp"
#include "engine/track/face_attributes.hpp"
#include "engine/track/face_tracker.hpp"

namespace facefilter {

struct PipelineStats {
  uint64_t frames = 0;
  uint64_t detectorRuns = 0;
  uint64_t fullScans = 0;       // detector runs over the whole frame (the rest searched around tracks)
  uint64_t facesProcessed = 0;  // CNN forward passes, per face
  uint64_t tracksCreated = 0;
  size_t tracksActive = 0;
  uint64_t errors = 0;
  SampleSummary decodeMs, detectMs, keypointsMs, trackMs, totalMs;
  std::string lastError;
};

class FacePipeline {
 public:
  FacePipeline(FaceDetector detector, KeypointModel model, TrackerParams tracker = {},
               const Clock& clock = SteadyClock::instance());

  FrameResult process(const Frame& frame);

  Status setDetectorParams(const DetectorParams& params);
  Status setTrackerParams(const TrackerParams& params);
  void setModel(KeypointModel model);
  DetectorParams detectorParams() const;
  TrackerParams trackerParams() const;
  // The model in use (one given to setModel() is, from the next frame on). A snapshot: it stays whole and
  // valid for as long as the caller keeps it, whatever is loaded meanwhile.
  ModelDescriptionPtr modelDescription() const;

  // Forget all tracks (a new source).
  void reset();
  PipelineStats stats() const;

 private:
  // The model's keypoints for one frame's crops, in crop order.
  struct FrameKeypoints {
    std::vector<Landmarks> raw;
    std::vector<float> presence;  // empty for a model without a presence score
    size_t refined = 0;           // faces that went through the passes from keypoints
  };

  // Parameters and a model set from other threads take effect here, between frames: a frame is processed
  // with one set throughout.
  void applyPendingChanges();
  void usePendingModel();  // with paramsMutex_ held
  float motionOutsideTracks(const cv::Mat& gray);
  // Runs the detector where r.detectReason asks for it; fills r's detector fields.
  void detect(const cv::Mat& gray, FrameResult& r);
  // Appends what the detector finds around each track; false when some track's region holds no face.
  bool detectAroundTracks(const cv::Mat& gray, std::vector<Detection>& detections);
  // The upright scan plus this frame's turn of the extra passes, merged.
  std::vector<Detection> scanFullFrame(const cv::Mat& gray, int& extraPassesRun);
  // One crop per face for the model, as the tracker plans them (from r's detections when the detector ran).
  std::vector<CropWindow> planCrops(const FrameResult& r, const BoxFromPoints& rule);
  // On a failed forward pass r.error says why and `crops` is cleared: the tracks see no face this frame.
  FrameKeypoints predictKeypoints(const cv::Mat& image, const cv::Mat& gray, std::vector<CropWindow>& crops,
                                  FrameResult& r);
  std::vector<FaceResult> updateTracks(const cv::Mat& gray, const std::vector<CropWindow>& crops,
                                       const FrameKeypoints& keypoints, int64_t captureNs,
                                       const BoxFromPoints& rule, bool tracking);
  void recordStats(const FrameResult& r, const FrameKeypoints& keypoints, bool keypointsRan, double totalMs);

  FaceDetector detector_;
  KeypointModel model_;
  FaceTracker tracker_;
  FaceAttributes attributes_;
  const Clock& clock_;

  mutable std::mutex paramsMutex_;
  DetectorParams pendingDetector_;
  TrackerParams pendingTracker_;
  std::unique_ptr<KeypointModel> pendingModel_;
  bool paramsChanged_ = false;

  cv::Mat previousThumb_;
  size_t passCursor_ = 0;  // the next extra detector pass

  mutable std::mutex descriptionMutex_;
  ModelDescriptionPtr description_;  // of model_, replaced with it

  mutable std::mutex statsMutex_;
  PipelineStats stats_;
  SampleWindow decodeMs_, detectMs_, keypointsMs_, trackMs_, totalMs_;
};

}  // namespace facefilter
