#pragma once
// Options shared by facefilter-cli's subcommands: model, device, detector thresholds, tracking.
// They fill the engine's parameter structs; the engine never sees argv.

#include "cli/arg_parser.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/track/face_tracker.hpp"

namespace facefilter::cli {

void addModelOptions(ArgParser& p);
void addDetectorOptions(ArgParser& p);
void addTrackerOptions(ArgParser& p);
void addLogOptions(ArgParser& p);
// --single-pass: faces found by the detector get one CNN pass instead of two (engine/keypoints/refine.hpp).
// Part of addTrackerOptions; commands without tracking (detect, eval) add it alone.
void addRefineOption(ArgParser& p);
bool refineFrom(const ArgParser& p);
// --presence-threshold: part of addTrackerOptions; detect adds it alone.
void addPresenceOption(ArgParser& p);
Result<float> presenceThresholdFrom(const ArgParser& p);

Result<DetectorParams> detectorParamsFrom(const ArgParser& p);
Result<TrackerParams> trackerParamsFrom(const ArgParser& p);
// Sets the thread count and loads the model named by --model (or the default model).
Result<KeypointModel> loadModelFrom(const ArgParser& p);
Status applyLogOptions(const ArgParser& p);

}  // namespace facefilter::cli
