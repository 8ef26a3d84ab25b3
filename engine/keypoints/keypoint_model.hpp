#pragma once
// The keypoint CNN: a TorchScript file with facefilter metadata (docs/model-format.md), on CUDA when
// available, else CPU. All faces of a frame go through one batched forward pass.
//
// Threads: one thread at a time per instance (the engine thread). load() never throws: a missing,
// unreadable or malformed file, or one with the wrong input/output shape, is an Error naming the file.
// Only load model files you trust: TorchScript files are code.

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "engine/keypoints/face_crop.hpp"
#include "engine/keypoints/landmarks.hpp"
#include "engine/keypoints/model_metadata.hpp"

namespace facefilter {

enum class ComputeDevice { kAuto, kCpu, kCuda };

const char* toString(ComputeDevice device);
Result<ComputeDevice> parseComputeDevice(const std::string& text);
bool cudaAvailable();
// Intra-op threads LibTorch uses for the whole process (0 leaves the default).
void setInferenceThreads(int threads);

// The default model: $FACEFILTER_MODEL, else the shipped models/ffnet.pt where engine/core/data_paths.hpp
// finds it (installed beside the executable, the source tree from a build tree, $XDG_DATA_DIRS); empty when
// it is nowhere, which load() turns into an error listing the places tried.
std::string defaultModelPath();

// Models that ship with facefilter, chosen by name wherever a model file is taken (--model, the config, the
// panel): "default" is the shipped model above; "wild" is trained on the in-the-wild set too, and carries
// that set's research-only terms, so it is never chosen for the user. A file literally named so is
// given as ./default or ./wild.
struct ShippedModel {
  const char* name;
  const char* file;  // in the models data folder
  const char* what;  // one line for lists and --help
};
const std::vector<ShippedModel>& shippedModels();

// Which dim crops KeypointModel::predict averages with their mirror image, where the model asks for it.
enum class MirrorAverage {
  kEveryCrop,          // as docs/model-format.md describes the file (a newly found face's passes, stills)
  kDetectorCropsOnly,  // only crops from detector boxes: a tracked face, cropped every frame from its last
                       // points, keeps one forward pass per frame (its smoothing works against the noise)
};

class KeypointModel {
 public:
  // An empty path loads the shipped model (defaultModelPath() without $FACEFILTER_MODEL).
  static Result<KeypointModel> load(const std::string& path, ComputeDevice device = ComputeDevice::kAuto);

  // One keypoint set per crop window, in frame pixels. `image` is the whole frame: 8-bit gray or BGR
  // (converted as the model needs). An empty `crops` gives an empty result without running the model.
  // `fromDetector[i]` marks a crop cut from a detector box rather than from keypoints; a model with a
  // detector-box stage runs those through it (docs/model-format.md). Missing entries count as false.
  // `presence` (optional): filled with each crop's face presence in [0, 1] when the model has a presence
  // method (hasPresence()), else left empty.
  // `mirror`: which dim crops are averaged with their mirror image where the model asks for it
  // (input.light_gain.mirror_average; twice the forward work for those crops).
  Result<std::vector<Landmarks>> predict(const cv::Mat& image, const std::vector<CropWindow>& crops,
                                         const std::vector<bool>& fromDetector = {},
                                         std::vector<float>* presence = nullptr,
                                         MirrorAverage mirror = MirrorAverage::kEveryCrop) const;
  // Whether the file has a separate stage for crops from detector boxes.
  bool hasDetectorStage() const;
  // Whether the file scores face presence (older files do not).
  bool hasPresence() const;
  // Whether crops turn with the face's eye line (metadata crop.rotation; older files: axis-aligned).
  bool alignsCrops() const { return metadata().boxFromPoints.eyeLine; }
  // The same net with crops from keypoints turned with the eye line or not, whatever the file says (the
  // eval's aligned and upright modes). Shares the loaded module.
  KeypointModel withEyeLineCrops(bool eyeLine) const;

  // The crop window for a face box under this model's crop convention.
  CropWindow cropFor(const FaceBox& faceBox) const { return cropFromBox(faceBox, metadata().crop); }
  CropWindow cropFor(const cv::Rect2f& faceBox) const { return cropFromBox(faceBox, metadata().crop); }
  // The detector-equivalent face box of a keypoint set under this model's rule (turned with the eye line when
  // the model aligns its crops).
  FaceBox faceBoxFor(const Landmarks& points) const {
    return faceBoxFromPoints(points, metadata().boxFromPoints);
  }

  const ModelMetadata& metadata() const;
  const std::string& path() const;
  std::string deviceName() const;  // "cpu" or "cuda:0"

 private:
  struct Impl;
  static Result<KeypointModel> loadOn(const std::string& path, ComputeDevice device);  // kCpu or kCuda
  explicit KeypointModel(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace facefilter
