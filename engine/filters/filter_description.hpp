#pragma once
// A filter is data: assets/filters/<name>/filter.json plus its art (an RGBA PNG). This file parses and
// checks the description; filter_loader.hpp adds the art. Headless (no GL): the app and tests use it alike.
//
// filter.json (JSON, read with nlohmann-json):
//   {
//     "name": "sunglasses",             optional; defaults to the folder name
//     "type": "sprite",                 "sprite" (placed by anchors) or "mask" (mesh over the face)
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
// Unknown keys, wrong types (a number where true/false belongs too), out-of-range keypoint indices (0..67)
// and values out of range are errors naming the file and the key.

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter {

enum class FilterKind { kSprite, kMask };
enum class BlendMode { kNormal, kAdditive, kMultiply, kScreen, kShade };

const char* toString(FilterKind kind);
const char* toString(BlendMode mode);

struct FilterAnchor {
  cv::Point2f art;             // art pixels (may lie outside the image: e.g. a hat anchored below its brim)
  std::vector<int> keypoints;  // the target is the mean of these keypoints
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
};

// `origin` names the file in errors; `defaultName` is used when the JSON has no "name".
Result<FilterDescription> parseFilterDescription(const std::string& json, const std::string& origin,
                                                 const std::string& defaultName);

}  // namespace facefilter
