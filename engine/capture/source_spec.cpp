#include "engine/capture/source_spec.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <vector>

namespace facefilter {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool parseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool startsWithDigit(std::string_view s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s.front()));
}

// One mode part after the device: WxH, WxH@FPS, @FPS, or a pixel format. Returns false when `token` is none
// of these (the caller decides whether it may be a name); sets `malformed` when it looks like a size or rate
// but does not parse.
bool parseModePart(std::string_view token, SourceSpec& spec, bool& malformed) {
  const std::string low = lower(token);
  if (low == "mjpg" || low == "mjpeg") {
    spec.cameraFormat = CameraFormat::kMjpg;
    return true;
  }
  if (low == "yuyv" || low == "yuy2") {
    spec.cameraFormat = CameraFormat::kYuyv;
    return true;
  }
  if (!startsWithDigit(token) && (token.empty() || token.front() != '@')) return false;
  malformed = true;
  std::string_view size = token;
  const size_t at = token.find('@');
  if (at != std::string_view::npos) {
    int fps = 0;
    if (!parseInt(token.substr(at + 1), fps) || fps <= 0 || fps > 1000) return false;
    spec.fps = fps;
    size = token.substr(0, at);
  }
  if (!size.empty()) {
    const size_t x = size.find('x');
    if (x == std::string_view::npos || !parseInt(size.substr(0, x), spec.width) ||
        !parseInt(size.substr(x + 1), spec.height) || spec.width <= 0 || spec.height <= 0 ||
        spec.width > 16384 || spec.height > 16384) {
      return false;
    }
  }
  malformed = false;
  return true;
}

bool isFormatToken(std::string_view token) {
  const std::string low = lower(token);
  return low == "mjpg" || low == "mjpeg" || low == "yuyv" || low == "yuy2";
}

Result<SourceSpec> parseCamera(std::string_view rest, std::string_view text) {
  SourceSpec spec;
  spec.kind = SourceKind::kCamera;
  const auto fail = [&](const std::string& why) {
    return makeError("source '" + std::string(text) + "': " + why +
                     "; expected camera[:N|:/dev/videoN|:\"NAME\"][:WIDTHxHEIGHT][@FPS][:mjpg|:yuyv], e.g. "
                     "camera:0:1280x720@30:mjpg or camera:\"HD Pro Webcam C920\"");
  };
  if (text.size() > 6 && rest.empty()) return fail("nothing after the colon");

  // A quoted name may hold colons; everything else is split at them.
  if (!rest.empty() && rest.front() == '"') {
    const size_t close = rest.find('"', 1);
    if (close == std::string_view::npos) return fail("the camera's name has no closing quote");
    spec.cameraName = std::string(rest.substr(1, close - 1));
    if (spec.cameraName.empty()) return fail("the camera's name is empty");
    spec.cameraSelect = CameraSelect::kName;
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return fail("expected ':' after the quoted name");
    if (rest == ":") return fail("nothing after the last colon");
    if (!rest.empty()) rest = rest.substr(1);
  }
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest = rest.substr(colon + 1);
    if (rest.empty()) return fail("nothing after the last colon");
  }
  size_t next = 0;
  if (spec.cameraSelect == CameraSelect::kFirst && !parts.empty()) {
    const std::string_view token = parts.front();
    SourceSpec probe;
    bool malformed = false;
    if (token.empty()) {
      return fail("an empty part");
    } else if (token.rfind("/dev/", 0) == 0) {
      spec.cameraSelect = CameraSelect::kPath;
      spec.path = std::string(token);
      next = 1;
    } else if (parseInt(token, spec.cameraIndex)) {
      if (spec.cameraIndex < 0) return fail("a camera number is 0 or more");
      spec.cameraSelect = CameraSelect::kNumber;
      next = 1;
    } else if (parseModePart(token, probe, malformed) || malformed) {
      next = 0;  // no device, only a mode: the first real camera in that mode (or a malformed part, below)
    } else if (token.front() == '-' || token.front() == '/') {
      return fail("'" + std::string(token) + "' is neither a camera number, a /dev path nor a name");
    } else {
      spec.cameraSelect = CameraSelect::kName;
      spec.cameraName = std::string(token);
      next = 1;
    }
  }
  bool sizeSeen = false, formatSeen = false;
  for (; next < parts.size(); ++next) {
    const std::string_view token = parts[next];
    if (token.empty()) return fail("an empty part");
    const bool isFormat = isFormatToken(token);
    bool& seen = isFormat ? formatSeen : sizeSeen;
    bool malformed = false;
    SourceSpec parsed = spec;
    if (!parseModePart(token, parsed, malformed))
      return fail("'" + std::string(token) + "' is not WIDTHxHEIGHT, WIDTHxHEIGHT@FPS, @FPS, mjpg or yuyv");
    if (seen)
      return fail("'" + std::string(token) + "': the " + (isFormat ? "format" : "size") + " is given twice");
    spec = parsed;
    seen = true;
  }
  if (spec.cameraName.find('"') != std::string::npos) return fail("a camera's name cannot hold '\"'");
  return spec;
}

}  // namespace

bool isImagePath(std::string_view path) {
  static constexpr std::array kExt = {".jpg",  ".jpeg", ".png", ".bmp", ".tif", ".tiff",
                                      ".webp", ".pgm",  ".ppm", ".pnm", ".jp2", ".exr"};
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  return std::find(kExt.begin(), kExt.end(), ext) != kExt.end();
}

Result<SourceSpec> parseSourceSpec(std::string_view text) {
  if (text.empty()) return makeError("source is empty: give camera:N, demo, default or a file path");
  const std::string low = lower(text);
  if (low == "default") return SourceSpec{};
  if (low == "demo") {
    SourceSpec spec;
    spec.kind = SourceKind::kDemo;
    spec.path = kDemoVideoPath;
    return spec;
  }
  if (low == "camera") return parseCamera("", text);
  if (low.rfind("camera:", 0) == 0) return parseCamera(text.substr(7), text);

  SourceSpec spec;
  spec.path = std::string(text);
  const auto prefixed = [&](std::string_view prefix, SourceKind kind) {
    if (low.rfind(prefix, 0) != 0) return false;
    spec.kind = kind;
    spec.path = std::string(text.substr(prefix.size()));
    return true;
  };
  if (prefixed("video:", SourceKind::kVideoFile) || prefixed("image:", SourceKind::kImage) ||
      prefixed("folder:", SourceKind::kFolder)) {
    if (spec.path.empty()) return makeError("source '" + std::string(text) + "': the path is empty");
    return spec;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(spec.path, ec)) {
    spec.kind = SourceKind::kFolder;
  } else if (isImagePath(spec.path)) {
    spec.kind = SourceKind::kImage;
  } else {
    spec.kind = SourceKind::kVideoFile;
  }
  return spec;
}

const char* toString(SourceKind kind) {
  switch (kind) {
    case SourceKind::kDefault:
      return "default";
    case SourceKind::kCamera:
      return "camera";
    case SourceKind::kDemo:
      return "demo";
    case SourceKind::kVideoFile:
      return "video";
    case SourceKind::kImage:
      return "image";
    case SourceKind::kFolder:
      return "folder";
  }
  return "?";
}

std::string toString(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceKind::kDefault:
      return "default";
    case SourceKind::kDemo:
      return "demo";
    case SourceKind::kCamera: {
      std::string s = "camera";
      switch (spec.cameraSelect) {
        case CameraSelect::kFirst:
          break;
        case CameraSelect::kNumber:
          s += ":" + std::to_string(spec.cameraIndex);
          break;
        case CameraSelect::kPath:
          s += ":" + spec.path;
          break;
        case CameraSelect::kName:
          s += ":\"" + spec.cameraName + "\"";
          break;
      }
      if (spec.width > 0) s += ":" + std::to_string(spec.width) + "x" + std::to_string(spec.height);
      if (spec.fps > 0) s += (spec.width > 0 ? "@" : ":@") + std::to_string(static_cast<int>(spec.fps));
      if (spec.cameraFormat == CameraFormat::kMjpg) s += ":mjpg";
      if (spec.cameraFormat == CameraFormat::kYuyv) s += ":yuyv";
      return s;
    }
    case SourceKind::kVideoFile:
      return "video:" + spec.path;
    case SourceKind::kImage:
      return "image:" + spec.path;
    case SourceKind::kFolder:
      return "folder:" + spec.path;
  }
  return "?";
}

}  // namespace facefilter
