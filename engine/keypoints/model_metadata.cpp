#include "engine/keypoints/model_metadata.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <opencv2/core.hpp>

namespace facefilter {
namespace {

// OpenCV's FileStorage reads JSON; it is already a dependency, so no JSON library is needed here.
struct Reader {
  const std::string& origin;
  std::string error;

  cv::FileNode child(const cv::FileNode& parent, const char* key, const std::string& path) {
    cv::FileNode n = parent[key];
    if (n.empty() && error.empty()) error = "missing key '" + path + key + "'";
    return n;
  }
  double number(const cv::FileNode& parent, const char* key, const std::string& path) {
    cv::FileNode n = child(parent, key, path);
    if (n.empty()) return 0;
    if (!n.isReal() && !n.isInt()) {
      if (error.empty()) error = "'" + path + key + "' must be a number";
      return 0;
    }
    const double v = static_cast<double>(n);
    if (!std::isfinite(v) && error.empty()) error = "'" + path + key + "' is not finite";
    return v;
  }
  std::string text(const cv::FileNode& parent, const char* key, bool required) {
    cv::FileNode n = parent[key];
    if (n.empty()) {
      if (required && error.empty()) error = std::string("missing key '") + key + "'";
      return {};
    }
    if (!n.isString()) {
      if (error.empty()) error = std::string("'") + key + "' must be a string";
      return {};
    }
    return static_cast<std::string>(n);
  }
  std::vector<double> numbers(const cv::FileNode& parent, const char* key, const std::string& path) {
    std::vector<double> out;
    cv::FileNode n = child(parent, key, path);
    if (n.empty()) return out;
    if (!n.isSeq()) {
      if (error.empty()) error = "'" + path + key + "' must be a list of numbers";
      return out;
    }
    for (const auto& v : n) out.push_back(static_cast<double>(v));
    return out;
  }
};

}  // namespace

Result<ModelMetadata> parseModelMetadata(const std::string& json, const std::string& origin) {
  const auto fail = [&](const std::string& what) {
    return makeError("model '" + origin + "': metadata facefilter.json: " + what);
  };
  if (json.empty()) return fail("missing (not a facefilter model file; see docs/model-format.md)");
  cv::FileStorage fs;
  try {
    if (!fs.open(json, cv::FileStorage::READ | cv::FileStorage::MEMORY | cv::FileStorage::FORMAT_JSON)) {
      return fail("not valid JSON");
    }
  } catch (const cv::Exception& e) {
    return fail(std::string("not valid JSON: ") + e.err);
  }
  const cv::FileNode root = fs.root();
  Reader r{origin, {}};
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

  const cv::FileNode in = r.child(root, "input", "");
  if (!in.empty()) {
    m.inputWidth = static_cast<int>(r.number(in, "width", "input."));
    m.inputHeight = static_cast<int>(r.number(in, "height", "input."));
    m.channels = static_cast<int>(r.number(in, "channels", "input."));
    m.pixelScale = r.number(in, "scale", "input.");
    m.mean = r.numbers(in, "mean", "input.");
    m.std = r.numbers(in, "std", "input.");
  }
  const cv::FileNode out = r.child(root, "output", "");
  if (!out.empty()) {
    m.points = static_cast<int>(r.number(out, "points", "output."));
    m.layout = r.text(out, "layout", true);
    m.xScale = r.number(out, "x_scale", "output.");
    m.xOffset = r.number(out, "x_offset", "output.");
    m.yScale = r.number(out, "y_scale", "output.");
    m.yOffset = r.number(out, "y_offset", "output.");
  }
  const cv::FileNode crop = r.child(root, "crop", "");
  if (!crop.empty()) {
    if (r.text(crop, "reference", true) != "face_box" && r.error.empty()) {
      return fail("'crop.reference' must be \"face_box\"");
    }
    m.crop.size = r.number(crop, "size", "crop.");
    m.crop.centerX = r.number(crop, "center_x", "crop.");
    m.crop.centerY = r.number(crop, "center_y", "crop.");
    if (!crop["rotation"].empty()) {
      const std::string rotation = r.text(crop, "rotation", true);
      if (r.error.empty() && rotation != "none" && rotation != "eye_line") {
        return fail("'crop.rotation' must be \"none\" or \"eye_line\", got \"" + rotation + "\"");
      }
      m.boxFromPoints.eyeLine = rotation == "eye_line";
    }
  }
  const cv::FileNode bfp = r.child(root, "box_from_points", "");
  if (!bfp.empty()) {
    m.boxFromPoints.size = r.number(bfp, "size", "box_from_points.");
    m.boxFromPoints.centerX = r.number(bfp, "center_x", "box_from_points.");
    m.boxFromPoints.centerY = r.number(bfp, "center_y", "box_from_points.");
  }
  const auto identifier = [](const std::string& name) {
    return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  };
  if (!root["detector_box_method"].empty()) {
    m.detectorBoxMethod = r.text(root, "detector_box_method", true);
    if (r.error.empty() && !identifier(m.detectorBoxMethod)) {
      return fail("'detector_box_method' must name a method of the module, got \"" + m.detectorBoxMethod + "\"");
    }
  }
  if (!root["presence_method"].empty()) {
    m.presenceMethod = r.text(root, "presence_method", true);
    if (r.error.empty() && !identifier(m.presenceMethod)) {
      return fail("'presence_method' must name a method of the module, got \"" + m.presenceMethod + "\"");
    }
    const cv::FileNode presence = root["presence"];
    if (presence.isMap() && !presence["threshold"].empty()) {
      m.presenceThreshold = r.number(presence, "threshold", "presence.");
      if (r.error.empty() && !(m.presenceThreshold >= 0 && m.presenceThreshold <= 1)) {
        return fail("'presence.threshold' must be in [0, 1]");
      }
    }
  }
  const cv::FileNode training = root["training"];
  if (!training.empty() && training.isMap()) {
    const cv::FileNode fp = training["data_fingerprint"];
    if (fp.isString()) m.dataFingerprint = static_cast<std::string>(fp);
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
