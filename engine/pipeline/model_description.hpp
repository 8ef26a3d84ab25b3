#pragma once
// What other threads may know of the keypoint model the engine runs: an immutable snapshot taken when the
// model is put in use. The engine thread replaces its model on a load; a reader (the control panel) keeps
// the snapshot it holds, whole and valid, however many loads happen meanwhile.

#include <memory>
#include <string>

#include "engine/keypoints/keypoint_model.hpp"
#include "engine/keypoints/model_metadata.hpp"

namespace facefilter {

struct ModelDescription {
  std::string path;
  std::string device;  // "cpu" or "cuda:0"
  ModelMetadata metadata;
  bool hasDetectorStage = false;
  bool hasPresence = false;
  bool alignsCrops = false;

  static ModelDescription of(const KeypointModel& model) {
    return ModelDescription{model.path(),        model.deviceName(),
                            model.metadata(),    model.hasDetectorStage(),
                            model.hasPresence(), model.alignsCrops()};
  }
};

using ModelDescriptionPtr = std::shared_ptr<const ModelDescription>;

}  // namespace facefilter
