#include "engine/filters/filter_description.hpp"

#include <cmath>
#include <set>

#include <opencv2/core/persistence.hpp>

#include "engine/keypoints/landmarks.hpp"

namespace facefilter {
namespace {

Error fail(const std::string& origin, const std::string& what) {
  return makeError("filter description " + origin + ": " + what);
}

Result<cv::Point2f> readPoint(const cv::FileNode& n, const std::string& origin, const std::string& key) {
  if (!n.isSeq() || n.size() != 2 || (!n[0].isReal() && !n[0].isInt()) || (!n[1].isReal() && !n[1].isInt())) {
    return fail(origin, "'" + key + "' must be a pair of numbers [x, y]");
  }
  const auto x = static_cast<float>(static_cast<double>(n[0]));
  const auto y = static_cast<float>(static_cast<double>(n[1]));
  if (!std::isfinite(x) || !std::isfinite(y) || std::abs(x) > 1e6f || std::abs(y) > 1e6f) {
    return fail(origin, "'" + key + "' has a non-finite or huge coordinate");
  }
  return cv::Point2f(x, y);
}

Result<std::string> readString(const cv::FileNode& n, const std::string& origin, const std::string& key) {
  if (!n.isString()) return fail(origin, "'" + key + "' must be a string");
  return static_cast<std::string>(n);
}

}  // namespace

const char* toString(FilterKind kind) { return kind == FilterKind::kMask ? "mask" : "sprite"; }

const char* toString(BlendMode mode) {
  switch (mode) {
    case BlendMode::kNormal: return "normal";
    case BlendMode::kAdditive: return "additive";
    case BlendMode::kMultiply: return "multiply";
    case BlendMode::kScreen: return "screen";
  }
  return "normal";
}

Result<FilterDescription> parseFilterDescription(const std::string& json, const std::string& origin,
                                                 const std::string& defaultName) {
  cv::FileStorage fs;
  try {
    if (!fs.open(json, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON)) {
      return fail(origin, "not valid JSON");
    }
  } catch (const cv::Exception& e) {
    return fail(origin, std::string("not valid JSON: ") + e.err);
  }
  const cv::FileNode root = fs.root();
  if (!root.isMap()) return fail(origin, "the top level must be an object");

  static const std::set<std::string> kKeys = {"name", "type", "art", "blend", "opacity", "perspective",
                                              "anchors", "mesh", "comment"};
  for (const auto& key : root.keys()) {
    if (kKeys.count(key) == 0) {
      std::string known;
      for (const auto& k : kKeys) known += (known.empty() ? "" : ", ") + k;
      return fail(origin, "unknown key '" + key + "' (known: " + known + ")");
    }
  }

  FilterDescription d;
  d.name = defaultName;
  if (!root["name"].empty()) {
    auto s = readString(root["name"], origin, "name");
    if (!s) return s.error();
    d.name = s.value();
  }
  if (!root["type"].empty()) {
    auto s = readString(root["type"], origin, "type");
    if (!s) return s.error();
    if (s.value() == "sprite") d.kind = FilterKind::kSprite;
    else if (s.value() == "mask") d.kind = FilterKind::kMask;
    else return fail(origin, "'type' must be \"sprite\" or \"mask\", got \"" + s.value() + "\"");
  }
  {
    auto s = readString(root["art"], origin, "art");
    if (!s) return fail(origin, "'art' (the PNG file name) is required and must be a string");
    d.artFile = s.value();
    if (d.artFile.empty() || d.artFile.find("..") != std::string::npos || d.artFile.front() == '/') {
      return fail(origin, "'art' must be a file name inside the filter's folder, got \"" + d.artFile + "\"");
    }
  }
  if (!root["blend"].empty()) {
    auto s = readString(root["blend"], origin, "blend");
    if (!s) return s.error();
    const std::string& b = s.value();
    if (b == "normal") d.blend = BlendMode::kNormal;
    else if (b == "additive") d.blend = BlendMode::kAdditive;
    else if (b == "multiply") d.blend = BlendMode::kMultiply;
    else if (b == "screen") d.blend = BlendMode::kScreen;
    else return fail(origin, "'blend' must be normal, additive, multiply or screen, got \"" + b + "\"");
  }
  if (!root["opacity"].empty()) {
    const cv::FileNode n = root["opacity"];
    if (!n.isReal() && !n.isInt()) return fail(origin, "'opacity' must be a number");
    const double v = static_cast<double>(n);
    if (!(v >= 0.0 && v <= 1.0)) return fail(origin, "'opacity' must be in [0, 1], got " + std::to_string(v));
    d.opacity = static_cast<float>(v);
  }
  if (!root["perspective"].empty()) {
    const cv::FileNode n = root["perspective"];
    // cv::FileStorage reads JSON true/false as integers 1/0.
    if (!n.isInt() || (static_cast<int>(n) != 0 && static_cast<int>(n) != 1)) {
      return fail(origin, "'perspective' must be true or false");
    }
    d.perspective = static_cast<int>(n) == 1;
  }

  if (d.kind == FilterKind::kSprite) {
    const cv::FileNode anchors = root["anchors"];
    if (!anchors.isSeq() || anchors.size() < 2) {
      return fail(origin, "a sprite needs 'anchors': a list of at least 2 {\"art\": [x, y], \"keypoints\": [...]}");
    }
    for (size_t i = 0; i < anchors.size(); ++i) {
      const cv::FileNode a = anchors[static_cast<int>(i)];
      const std::string key = "anchors[" + std::to_string(i) + "]";
      if (!a.isMap()) return fail(origin, key + " must be an object");
      for (const auto& k : a.keys()) {
        if (k != "art" && k != "keypoints") return fail(origin, key + ": unknown key '" + k + "' (known: art, keypoints)");
      }
      FilterAnchor anchor;
      auto p = readPoint(a["art"], origin, key + ".art");
      if (!p) return p.error();
      anchor.art = p.value();
      const cv::FileNode kp = a["keypoints"];
      if (!kp.isSeq() || kp.size() == 0) return fail(origin, key + ".keypoints must be a non-empty list of indices");
      for (size_t j = 0; j < kp.size(); ++j) {
        const cv::FileNode v = kp[static_cast<int>(j)];
        if (!v.isInt()) return fail(origin, key + ".keypoints[" + std::to_string(j) + "] must be an integer");
        const int idx = static_cast<int>(v);
        if (idx < 0 || idx >= kNumKeypoints) {
          return fail(origin, key + ".keypoints[" + std::to_string(j) + "] = " + std::to_string(idx) +
                                  " is out of range (0.." + std::to_string(kNumKeypoints - 1) + ")");
        }
        anchor.keypoints.push_back(idx);
      }
      d.anchors.push_back(std::move(anchor));
    }
    if (!root["mesh"].empty()) return fail(origin, "'mesh' is for masks; a sprite uses 'anchors'");
  } else {
    const cv::FileNode mesh = root["mesh"];
    if (!mesh.isSeq() || static_cast<int>(mesh.size()) != kNumKeypoints) {
      return fail(origin, "a mask needs 'mesh': a list of exactly " + std::to_string(kNumKeypoints) +
                              " art positions [x, y], one per keypoint");
    }
    for (size_t i = 0; i < mesh.size(); ++i) {
      auto p = readPoint(mesh[static_cast<int>(i)], origin, "mesh[" + std::to_string(i) + "]");
      if (!p) return p.error();
      d.mesh.push_back(p.value());
    }
    if (!root["anchors"].empty()) return fail(origin, "'anchors' is for sprites; a mask uses 'mesh'");
  }
  return d;
}

}  // namespace facefilter
