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

// Three finite numbers [x, y, z], each within +-limit.
Result<cv::Point3f> readPoint3(const Json* n, const std::string& origin, const std::string& key,
                               double limit) {
  if (!n || !n->is_array() || n->size() != 3 || !(*n)[0].is_number() || !(*n)[1].is_number() ||
      !(*n)[2].is_number()) {
    return fail(origin, "'" + key + "' must be three numbers [x, y, z]");
  }
  double v[3];
  for (size_t i = 0; i < 3; ++i) {
    v[i] = (*n)[i].get<double>();
    if (!std::isfinite(v[i]) || std::abs(v[i]) > limit) {
      return fail(origin, "'" + key + "' must have finite coordinates within +-" + std::to_string(limit));
    }
  }
  return cv::Point3f(static_cast<float>(v[0]), static_cast<float>(v[1]), static_cast<float>(v[2]));
}

Result<std::string> readString(const Json* n, const std::string& origin, const std::string& key) {
  if (!n || !n->is_string()) return fail(origin, "'" + key + "' must be a string");
  return n->get<std::string>();
}

// A JSON boolean only: 0 and 1 are numbers, refused like any other non-boolean.
Result<bool> readBool(const Json* n, const std::string& origin, const std::string& key) {
  if (!n->is_boolean()) return fail(origin, "'" + key + "' must be true or false");
  return n->get<bool>();
}

// The keys of a 3D model (type "model"): its file and placement are required, since a model without them
// would sit at the eye midpoint at glTF's own scale, which is never what an author meant.
Status parseModelKeys(const Json& root, const std::string& origin, FilterDescription& d) {
  for (const char* key : {"art", "anchors", "mesh", "perspective"}) {
    if (member(root, key)) {
      return fail(origin, std::string("'") + key +
                              "' is for sprites and masks; a model takes 'model', 'scale', 'offset' and "
                              "optionally 'rotation', 'occluded', 'lit'");
    }
  }
  auto file = readString(member(root, "model"), origin, "model");
  if (!file) return fail(origin, "a model needs 'model': the .glb file's name inside the filter's folder");
  d.modelFile = file.value();
  if (d.modelFile.empty() || d.modelFile.find("..") != std::string::npos || d.modelFile.front() == '/') {
    return fail(origin,
                "'model' must be a file name inside the filter's folder, got \"" + d.modelFile + "\"");
  }
  const Json* scale = member(root, "scale");
  if (!scale)
    return fail(origin, "a model needs 'scale': canonical units (eye-centre distance 1) per glTF unit");
  if (!scale->is_number()) return fail(origin, "'scale' must be a number");
  const double sv = scale->get<double>();
  if (!(sv > 0.0 && sv <= 1000.0)) {
    return fail(origin, "'scale' must be in (0, 1000], got " + std::to_string(sv));
  }
  d.placement.scale = static_cast<float>(sv);
  const Json* offset = member(root, "offset");
  if (!offset) {
    return fail(origin,
                "a model needs 'offset': [x, y, z] of its origin on the canonical head (eye-centre "
                "distance 1, origin midway between the eyes, x right, y down, z towards the camera)");
  }
  auto o = readPoint3(offset, origin, "offset", 100.0);
  if (!o) return o.error();
  d.placement.offset = o.value();
  if (const Json* n = member(root, "rotation")) {
    auto r = readPoint3(n, origin, "rotation", 360.0);
    if (!r) return r.error();
    d.placement.rotationDeg = r.value();
  }
  if (const Json* n = member(root, "occluded")) {
    auto b = readBool(n, origin, "occluded");
    if (!b) return b.error();
    d.occluded = b.value();
  }
  if (const Json* n = member(root, "lit")) {
    auto b = readBool(n, origin, "lit");
    if (!b) return b.error();
    d.lit = b.value();
  }
  return Ok{};
}

}  // namespace

const char* toString(FilterKind kind) {
  switch (kind) {
    case FilterKind::kSprite:
      return "sprite";
    case FilterKind::kMask:
      return "mask";
    case FilterKind::kModel:
      return "model";
  }
  return "sprite";
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

  static const std::set<std::string> kKeys = {"name",        "type",    "art",      "blend",    "opacity",
                                              "perspective", "anchors", "mesh",     "comment",  "model",
                                              "scale",       "offset",  "rotation", "occluded", "lit"};
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
    else if (s.value() == "model")
      d.kind = FilterKind::kModel;
    else
      return fail(origin, "'type' must be \"sprite\", \"mask\" or \"model\", got \"" + s.value() + "\"");
  }
  if (d.kind == FilterKind::kModel) {
    if (auto m = parseModelKeys(root, origin, d); !m) return m.error();
  } else {
    for (const char* key : {"model", "scale", "offset", "rotation", "occluded", "lit"}) {
      if (member(root, key)) {
        return fail(origin, std::string("'") + key + "' is for models (\"type\": \"model\"); a " +
                                toString(d.kind) + " does not take it");
      }
    }
  }
  if (d.kind != FilterKind::kModel) {
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
    auto b = readBool(n, origin, "perspective");
    if (!b) return b.error();
    d.perspective = b.value();
  }

  if (d.kind == FilterKind::kModel) {
    // Blending a lit, depth-tested model is alpha over the picture; the other modes are the flat art's.
    if (d.blend != BlendMode::kNormal) {
      return fail(origin,
                  std::string("'blend' of a model must be normal, got \"") + toString(d.blend) + "\"");
    }
  } else if (d.kind == FilterKind::kSprite) {
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
