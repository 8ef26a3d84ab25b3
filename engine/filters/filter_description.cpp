#include "engine/filters/filter_description.hpp"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/keypoints/landmarks.hpp"

namespace facefilter {
namespace {

using Json = nlohmann::json;

Error fail(const std::string& origin, const std::string& what) {
  return makeError("filter description " + origin + ": " + what);
}

// The member `key` of the object `parent`; null when it has no such key.
const Json* member(const Json& parent, const char* key) {
  const auto it = parent.find(key);
  return it == parent.end() ? nullptr : &*it;
}

Result<cv::Point2f> readPoint(const Json* n, const std::string& origin, const std::string& key) {
  if (!n || !n->is_array() || n->size() != 2 || !(*n)[0].is_number() || !(*n)[1].is_number()) {
    return fail(origin, "'" + key + "' must be a pair of numbers [x, y]");
  }
  const auto x = (*n)[0].get<double>();
  const auto y = (*n)[1].get<double>();
  if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 1e6 || std::abs(y) > 1e6) {
    return fail(origin, "'" + key + "' has a non-finite or huge coordinate");
  }
  return cv::Point2f(static_cast<float>(x), static_cast<float>(y));
}

Result<std::string> readString(const Json* n, const std::string& origin, const std::string& key) {
  if (!n || !n->is_string()) return fail(origin, "'" + key + "' must be a string");
  return n->get<std::string>();
}

}  // namespace

const char* toString(FilterKind kind) {
  return kind == FilterKind::kMask ? "mask" : "sprite";
}

const char* toString(BlendMode mode) {
  switch (mode) {
    case BlendMode::kNormal:
      return "normal";
    case BlendMode::kAdditive:
      return "additive";
    case BlendMode::kMultiply:
      return "multiply";
    case BlendMode::kScreen:
      return "screen";
    case BlendMode::kShade:
      return "shade";
  }
  return "normal";
}

Result<FilterDescription> parseFilterDescription(const std::string& json, const std::string& origin,
                                                 const std::string& defaultName) {
  Json root;
  try {
    root = Json::parse(json);
  } catch (const Json::exception& e) {
    return fail(origin, std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return fail(origin, "the top level must be an object");

  static const std::set<std::string> kKeys = {"name",        "type",    "art",  "blend",  "opacity",
                                              "perspective", "anchors", "mesh", "comment"};
  for (const auto& item : root.items()) {
    if (kKeys.count(item.key()) == 0) {
      std::string known;
      for (const auto& k : kKeys) known += (known.empty() ? "" : ", ") + k;
      return fail(origin, "unknown key '" + item.key() + "' (known: " + known + ")");
    }
  }

  FilterDescription d;
  d.name = defaultName;
  if (const Json* n = member(root, "name")) {
    auto s = readString(n, origin, "name");
    if (!s) return s.error();
    d.name = s.value();
  }
  if (const Json* n = member(root, "type")) {
    auto s = readString(n, origin, "type");
    if (!s) return s.error();
    if (s.value() == "sprite")
      d.kind = FilterKind::kSprite;
    else if (s.value() == "mask")
      d.kind = FilterKind::kMask;
    else
      return fail(origin, "'type' must be \"sprite\" or \"mask\", got \"" + s.value() + "\"");
  }
  {
    auto s = readString(member(root, "art"), origin, "art");
    if (!s) return fail(origin, "'art' (the PNG file name) is required and must be a string");
    d.artFile = s.value();
    if (d.artFile.empty() || d.artFile.find("..") != std::string::npos || d.artFile.front() == '/') {
      return fail(origin, "'art' must be a file name inside the filter's folder, got \"" + d.artFile + "\"");
    }
  }
  if (const Json* n = member(root, "blend")) {
    auto s = readString(n, origin, "blend");
    if (!s) return s.error();
    const std::string& b = s.value();
    if (b == "normal")
      d.blend = BlendMode::kNormal;
    else if (b == "additive")
      d.blend = BlendMode::kAdditive;
    else if (b == "multiply")
      d.blend = BlendMode::kMultiply;
    else if (b == "screen")
      d.blend = BlendMode::kScreen;
    else if (b == "shade")
      d.blend = BlendMode::kShade;
    else
      return fail(origin, "'blend' must be normal, additive, multiply, screen or shade, got \"" + b + "\"");
  }
  if (const Json* n = member(root, "opacity")) {
    if (!n->is_number()) return fail(origin, "'opacity' must be a number");
    const double v = n->get<double>();
    if (!(v >= 0.0 && v <= 1.0)) return fail(origin, "'opacity' must be in [0, 1], got " + std::to_string(v));
    d.opacity = static_cast<float>(v);
  }
  if (const Json* n = member(root, "perspective")) {
    // A JSON boolean only: 0 and 1 are numbers, refused like any other non-boolean.
    if (!n->is_boolean()) return fail(origin, "'perspective' must be true or false");
    d.perspective = n->get<bool>();
  }

  if (d.kind == FilterKind::kSprite) {
    // "shade" feathers a mesh's border and measures the face under it: a sprite has neither.
    if (d.blend == BlendMode::kShade) {
      return fail(origin,
                  "'blend' \"shade\" is for masks; a sprite takes normal, additive, multiply or screen");
    }
    const Json* anchors = member(root, "anchors");
    if (!anchors || !anchors->is_array() || anchors->size() < 2) {
      return fail(origin,
                  "a sprite needs 'anchors': a list of at least 2 {\"art\": [x, y], \"keypoints\": [...]}");
    }
    for (size_t i = 0; i < anchors->size(); ++i) {
      const Json& a = (*anchors)[i];
      const std::string key = "anchors[" + std::to_string(i) + "]";
      if (!a.is_object()) return fail(origin, key + " must be an object");
      for (const auto& item : a.items()) {
        if (item.key() != "art" && item.key() != "keypoints") {
          return fail(origin, key + ": unknown key '" + item.key() + "' (known: art, keypoints)");
        }
      }
      FilterAnchor anchor;
      auto p = readPoint(member(a, "art"), origin, key + ".art");
      if (!p) return p.error();
      anchor.art = p.value();
      const Json* kp = member(a, "keypoints");
      if (!kp || !kp->is_array() || kp->empty()) {
        return fail(origin, key + ".keypoints must be a non-empty list of indices");
      }
      for (size_t j = 0; j < kp->size(); ++j) {
        const Json& v = (*kp)[j];
        const std::string at = key + ".keypoints[" + std::to_string(j) + "]";
        if (!v.is_number_integer()) return fail(origin, at + " must be an integer");
        // Unsigned first: a value above INT64_MAX must not wrap into the range.
        const bool inRange = v.is_number_unsigned()
                                 ? v.get<uint64_t>() < static_cast<uint64_t>(kNumKeypoints)
                                 : v.get<int64_t>() >= 0 && v.get<int64_t>() < kNumKeypoints;
        if (!inRange) {
          return fail(origin, at + " = " + v.dump() + " is out of range (0.." +
                                  std::to_string(kNumKeypoints - 1) + ")");
        }
        anchor.keypoints.push_back(v.get<int>());
      }
      d.anchors.push_back(std::move(anchor));
    }
    if (member(root, "mesh")) return fail(origin, "'mesh' is for masks; a sprite uses 'anchors'");
  } else {
    const Json* mesh = member(root, "mesh");
    if (!mesh || !mesh->is_array() || static_cast<int>(mesh->size()) != kNumKeypoints) {
      return fail(origin, "a mask needs 'mesh': a list of exactly " + std::to_string(kNumKeypoints) +
                              " art positions [x, y], one per keypoint");
    }
    for (size_t i = 0; i < mesh->size(); ++i) {
      auto p = readPoint(&(*mesh)[i], origin, "mesh[" + std::to_string(i) + "]");
      if (!p) return p.error();
      d.mesh.push_back(p.value());
    }
    if (member(root, "anchors")) return fail(origin, "'anchors' is for sprites; a mask uses 'mesh'");
  }
  return d;
}

}  // namespace facefilter
