#include "engine/keypoints/model_metadata.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

namespace facefilter {
namespace {

using Json = nlohmann::json;

// The member `key` of `parent`; null when `parent` is not an object or has no such key.
const Json* member(const Json& parent, const char* key) {
  if (!parent.is_object()) return nullptr;
  const auto it = parent.find(key);
  return it == parent.end() ? nullptr : &*it;
}

// Keeps the first error; later reads return defaults and the caller reports that one.
struct Reader {
  std::string error;

  const Json* child(const Json& parent, const char* key, const std::string& path) {
    const Json* n = member(parent, key);
    if (!n && error.empty()) error = "missing key '" + path + key + "'";
    return n;
  }
  double number(const Json& parent, const char* key, const std::string& path) {
    const Json* n = child(parent, key, path);
    if (!n) return 0;
    if (!n->is_number()) {
      if (error.empty()) error = "'" + path + key + "' must be a number";
      return 0;
    }
    const double v = n->get<double>();
    if (!std::isfinite(v) && error.empty()) error = "'" + path + key + "' is not finite";
    return v;
  }
  // A count (pixels, channels, points): truncated as before, and clamped so that any number converts.
  int count(const Json& parent, const char* key, const std::string& path) {
    return static_cast<int>(std::clamp(number(parent, key, path), -1e9, 1e9));
  }
  std::string text(const Json& parent, const char* key, bool required) {
    const Json* n = member(parent, key);
    if (!n) {
      if (required && error.empty()) error = std::string("missing key '") + key + "'";
      return {};
    }
    if (!n->is_string()) {
      if (error.empty()) error = std::string("'") + key + "' must be a string";
      return {};
    }
    return n->get<std::string>();
  }
  // An optional true/false: `fallback` where the key is absent.
  bool flag(const Json& parent, const char* key, const std::string& path, bool fallback) {
    const Json* n = member(parent, key);
    if (!n) return fallback;
    if (!n->is_boolean()) {
      if (error.empty()) error = "'" + path + key + "' must be true or false";
      return fallback;
    }
    return n->get<bool>();
  }
  std::vector<double> numbers(const Json& parent, const char* key, const std::string& path) {
    std::vector<double> out;
    const Json* n = child(parent, key, path);
    if (!n) return out;
    const bool allNumbers = n->is_array() && std::all_of(n->begin(), n->end(), [](const Json& v) {
                              return v.is_number() && std::isfinite(v.get<double>());
                            });
    if (!allNumbers) {
      if (error.empty()) error = "'" + path + key + "' must be a list of numbers";
      return out;
    }
    for (const Json& v : *n) out.push_back(v.get<double>());
    return out;
  }
};

}  // namespace

Result<ModelMetadata> parseModelMetadata(const std::string& json, const std::string& origin) {
  const auto fail = [&](const std::string& what) {
    return makeError("model '" + origin + "': metadata facefilter.json: " + what);
  };
  if (json.empty()) return fail("missing (not a facefilter model file; see docs/model-format.md)");
  Json root;
  try {
    root = Json::parse(json);
  } catch (const Json::exception& e) {
    return fail(std::string("not valid JSON: ") + e.what());
  }
  if (!root.is_object()) return fail("not valid JSON metadata: the top level must be an object");
  Reader r;
  ModelMetadata m;
  m.rawJson = json;
  if (r.text(root, "format", true) != "facefilter-keypoints" && r.error.empty()) {
    return fail("'format' must be \"facefilter-keypoints\"");
  }
  const double version = r.number(root, "format_version", "");
  if (r.error.empty() && version != 1) return fail("unsupported format_version " + std::to_string(version));
  m.name = r.text(root, "name", false);
  m.description = r.text(root, "description", false);
  m.license = r.text(root, "license", false);

  if (const Json* in = r.child(root, "input", "")) {
    m.inputWidth = r.count(*in, "width", "input.");
    m.inputHeight = r.count(*in, "height", "input.");
    m.channels = r.count(*in, "channels", "input.");
    m.pixelScale = r.number(*in, "scale", "input.");
    m.mean = r.numbers(*in, "mean", "input.");
    m.std = r.numbers(*in, "std", "input.");
    if (const Json* gain = member(*in, "light_gain")) {
      m.lightGain.enabled = true;
      m.lightGain.targetMean = r.number(*gain, "target_mean", "input.light_gain.");
      m.lightGain.maxGain = r.number(*gain, "max_gain", "input.light_gain.");
      m.lightGain.region = r.number(*gain, "region", "input.light_gain.");
      m.lightGain.mirrorAverage = r.flag(*gain, "mirror_average", "input.light_gain.", false);
    }
  }
  if (const Json* out = r.child(root, "output", "")) {
    m.points = r.count(*out, "points", "output.");
    m.layout = r.text(*out, "layout", true);
    m.xScale = r.number(*out, "x_scale", "output.");
    m.xOffset = r.number(*out, "x_offset", "output.");
    m.yScale = r.number(*out, "y_scale", "output.");
    m.yOffset = r.number(*out, "y_offset", "output.");
  }
  if (const Json* crop = r.child(root, "crop", "")) {
    if (r.text(*crop, "reference", true) != "face_box" && r.error.empty()) {
      return fail("'crop.reference' must be \"face_box\"");
    }
    m.crop.size = r.number(*crop, "size", "crop.");
    m.crop.centerX = r.number(*crop, "center_x", "crop.");
    m.crop.centerY = r.number(*crop, "center_y", "crop.");
    if (member(*crop, "rotation")) {
      const std::string rotation = r.text(*crop, "rotation", true);
      if (r.error.empty() && rotation != "none" && rotation != "eye_line") {
        return fail("'crop.rotation' must be \"none\" or \"eye_line\", got \"" + rotation + "\"");
      }
      m.boxFromPoints.eyeLine = rotation == "eye_line";
    }
  }
  if (const Json* bfp = r.child(root, "box_from_points", "")) {
    m.boxFromPoints.size = r.number(*bfp, "size", "box_from_points.");
    m.boxFromPoints.centerX = r.number(*bfp, "center_x", "box_from_points.");
    m.boxFromPoints.centerY = r.number(*bfp, "center_y", "box_from_points.");
  }
  const auto identifier = [](const std::string& name) {
    return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  };
  if (member(root, "detector_box_method")) {
    m.detectorBoxMethod = r.text(root, "detector_box_method", true);
    if (r.error.empty() && !identifier(m.detectorBoxMethod)) {
      return fail("'detector_box_method' must name a method of the module, got \"" + m.detectorBoxMethod +
                  "\"");
    }
  }
  if (member(root, "presence_method")) {
    m.presenceMethod = r.text(root, "presence_method", true);
    if (r.error.empty() && !identifier(m.presenceMethod)) {
      return fail("'presence_method' must name a method of the module, got \"" + m.presenceMethod + "\"");
    }
    const Json* presence = member(root, "presence");
    if (presence && member(*presence, "threshold")) {
      m.presenceThreshold = r.number(*presence, "threshold", "presence.");
      if (r.error.empty() && !(m.presenceThreshold >= 0 && m.presenceThreshold <= 1)) {
        return fail("'presence.threshold' must be in [0, 1]");
      }
    }
  }
  if (const Json* training = member(root, "training")) {
    const Json* fp = member(*training, "data_fingerprint");
    if (fp && fp->is_string()) m.dataFingerprint = fp->get<std::string>();
  }
  if (!r.error.empty()) return fail(r.error);

  if (m.inputWidth < 8 || m.inputWidth > 1024 || m.inputHeight != m.inputWidth) {
    return fail("input must be square, 8..1024 px; got " + std::to_string(m.inputWidth) + "x" +
                std::to_string(m.inputHeight));
  }
  if (m.channels != 1 && m.channels != 3) return fail("input.channels must be 1 or 3");
  if (static_cast<int>(m.mean.size()) != m.channels || static_cast<int>(m.std.size()) != m.channels) {
    return fail("input.mean and input.std need one value per channel");
  }
  for (double s : m.std) {
    if (!(s > 0)) return fail("input.std values must be > 0");
  }
  if (m.lightGain.enabled) {
    const LightGain& g = m.lightGain;
    if (!(g.targetMean > 0 && g.targetMean <= 255))
      return fail("input.light_gain.target_mean must be in (0, 255]");
    if (!(g.maxGain >= 1 && g.maxGain <= 64)) return fail("input.light_gain.max_gain must be in [1, 64]");
    if (!(g.region > 0 && g.region <= 1)) return fail("input.light_gain.region must be in (0, 1]");
  }
  if (m.points != 68 || m.layout != "ibug68") {
    return fail("output must be 68 points in the ibug68 layout; got " + std::to_string(m.points) + " (" +
                m.layout + ")");
  }
  if (!(m.crop.size > 0.1 && m.crop.size < 10)) return fail("crop.size must be in (0.1, 10)");
  if (!(m.boxFromPoints.size > 0.1 && m.boxFromPoints.size < 10)) {
    return fail("box_from_points.size must be in (0.1, 10)");
  }
  return m;
}

}  // namespace facefilter
