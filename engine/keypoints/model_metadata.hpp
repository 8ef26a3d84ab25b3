#pragma once
// The metadata a keypoint model carries (docs/model-format.md): input size, channels, normalisation,
// output mapping, crop convention relative to the face box, and how to get a face box from keypoints.

#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace facefilter {

struct CropConvention {
  double size = 1.4;     // crop side / face box side
  double centerX = 0.0;  // crop centre offset from the box centre, in box sides
  double centerY = 0.0;
};

struct BoxFromPoints {
  double size = 1.0;     // box side / keypoint extent
  double centerX = 0.0;  // box centre offset from the keypoint box centre, in extents
  double centerY = 0.0;
  // The metadata's crop.rotation "eye_line": the box is taken in the face's own frame (the points turned
  // upright about their eye line) and crops turn with it, so the net sees an upright face at any roll.
  // False (files without the key): axis-aligned boxes and crops.
  bool eyeLine = false;
};

// Optional (`input.light_gain`): a dim crop is brightened before it is normalised, so the nets see a face
// in a dark room at about the brightness they were trained on. gain = clamp(targetMean / the mean of the
// crop's central `region` x `region` share, 1, maxGain), applied to the 8-bit crop with saturation (as a
// camera's gain would). A crop at or above the target is left as it is.
struct LightGain {
  bool enabled = false;
  double targetMean = 0;  // grey levels, 0..255
  double maxGain = 1;
  double region = 0.5;
  // `mirror_average` (optional, false where absent): a crop that gets a gain is also run mirrored left to
  // right, in the same batch, and the two predictions averaged (the mirror's points mapped back: x -> W - x,
  // iBUG left/right order). In the dark the sensor noise, not the face, makes much of the error, and the
  // mirror sees the same face under other noise. For nets trained with that mirror (train.py's flips).
  bool mirrorAverage = false;
};

struct ModelMetadata {
  std::string name;
  std::string description;
  std::string license;
  int inputWidth = 0;
  int inputHeight = 0;
  int channels = 1;
  double pixelScale = 1.0 / 255.0;
  std::vector<double> mean;  // one per channel
  std::vector<double> std;   // one per channel
  LightGain lightGain;
  int points = 68;
  std::string layout = "ibug68";
  double xScale = 1, xOffset = 0, yScale = 1, yOffset = 0;
  CropConvention crop;
  BoxFromPoints boxFromPoints;
  // Optional: the module's method for crops from a detector box (a stage trained on the detector's wider
  // scatter). Empty: forward() serves every crop. forward() always serves crops from keypoints.
  std::string detectorBoxMethod;
  // Optional: the module's method giving each crop's face presence, [N] in [0, 1] (how surely the crop holds
  // a face with the points on it). Empty: no presence score (older files).
  std::string presenceMethod;
  double presenceThreshold = 0.5;  // the threshold training suggests; the tracker's setting decides
  std::string rawJson;             // the whole facefilter.json as stored, for display
  std::string dataFingerprint;
};

// Parses and checks the facefilter.json text. `origin` names the file in error messages.
Result<ModelMetadata> parseModelMetadata(const std::string& json, const std::string& origin);

}  // namespace facefilter
