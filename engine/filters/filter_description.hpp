#pragma once
// A filter is data: assets/filters/<name>/filter.json plus its art (an RGBA PNG). This file parses and
// checks the description; filter_loader.hpp adds the art. Headless (no GL): the app and tests use it alike.
//
// filter.json (JSON, read with nlohmann-json):
//   {
//     "name": "sunglasses",             optional; defaults to the folder name
//     "type": "sprite",                 "sprite" (placed by anchors), "mask" (mesh over the face) or
//                                       "model" (below)
//     "art": "sunglasses.png",          RGBA PNG, relative to the folder
//     "blend": "normal",                normal | additive | multiply | screen | shade (masks only: the
//                                       face's own shading shows through, the edge feathered)
//     "opacity": 1.0,                   0..1
//     "perspective": true,              sprites: follow head yaw/pitch (head pose), else flat (roll only)
//     "anchors": [                      sprites, 2 or more: art pixel -> mean of keypoint indices
//       { "art": [120, 80], "keypoints": [36, 37, 38, 39, 40, 41] }, ...
//     ],
//     "mesh": [[x, y], ...]             masks: the art pixel of each of the 68 keypoints
//   }
// A 3D model (engine/filters/model_asset.hpp) instead of art:
//   {
//     "type": "model",
//     "model": "glasses.glb",           glTF 2.0 binary, relative to the folder
//     "scale": 1.0,                     required: canonical units (eye-centre distance 1) per glTF unit, > 0
//     "offset": [0, 0, 0.3],            required: where the model's origin goes on the canonical head
//     "rotation": [0, 0, 0],            optional: degrees about the head's x, then y, then z axis
//     "occluded": true,                 optional: the invisible head hides the parts behind it
//     "lit": true,                      optional: shaded by the light on the face (FaceLight)
//     "opacity": 1.0                    optional
//   }
// Placement is in engine/filters/canonical_face.hpp's frame (origin midway between the eye centres, x right,
// y down, z towards the camera). The .glb is authored in glTF's own frame (x right, y up, z out of the face
// towards the viewer): a glTF point p goes to R(rotation) * scale * (p.x, -p.y, p.z) + offset. "art",
// "anchors", "mesh", "perspective" and a blend other than normal are errors on a model; "model", "scale",
// "offset", "rotation", "occluded" and "lit" are errors on a sprite or mask.
// Unknown keys, wrong types (a number where true/false belongs too), out-of-range keypoint indices (0..67)
// and values out of range are errors naming the file and the key.

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter {

enum class FilterKind { kSprite, kMask, kModel };
enum class BlendMode { kNormal, kAdditive, kMultiply, kScreen, kShade };

const char* toString(FilterKind kind);
const char* toString(BlendMode mode);

struct FilterAnchor {
  cv::Point2f art;             // art pixels (may lie outside the image: e.g. a hat anchored below its brim)
  std::vector<int> keypoints;  // the target is the mean of these keypoints
};

// Where a 3D model sits on the canonical head (see the comment at the top).
struct ModelPlacement {
  float scale = 1;
  cv::Point3f offset;       // canonical units
  cv::Point3f rotationDeg;  // about x, then y, then z: R = Rz * Ry * Rx
};

struct FilterDescription {
  std::string name;
  FilterKind kind = FilterKind::kSprite;
  std::string artFile;
  BlendMode blend = BlendMode::kNormal;
  float opacity = 1.0f;
  bool perspective = true;
  std::vector<FilterAnchor> anchors;  // sprites
  std::vector<cv::Point2f> mesh;      // masks: 68 art positions
  std::string modelFile;              // models: the .glb, relative to the folder
  ModelPlacement placement;           // models
  bool occluded = true;               // models: hidden behind the head occluder
  bool lit = true;                    // models: shaded by the face's light
};

// `origin` names the file in errors; `defaultName` is used when the JSON has no "name".
Result<FilterDescription> parseFilterDescription(const std::string& json, const std::string& origin,
                                                 const std::string& defaultName);

}  // namespace facefilter
