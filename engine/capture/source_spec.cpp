#include "engine/capture/source_spec.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>

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

Result<SourceSpec> parseCamera(std::string_view rest, std::string_view text) {
  SourceSpec spec;
  spec.kind = SourceKind::kCamera;
  const auto fail = [&] {
    return makeError("source '" + std::string(text) +
                     "': expected camera, camera:N, camera:N:WIDTHxHEIGHT or camera:N:WIDTHxHEIGHT@FPS");
  };
  if (rest.empty()) {
    if (text.size() > 6) return fail();  // "camera:" with nothing after the colon
    return spec;
  }
  const size_t colon = rest.find(':');
  if (!parseInt(rest.substr(0, colon), spec.cameraIndex) || spec.cameraIndex < 0) return fail();
  if (colon == std::string_view::npos) return spec;
  std::string_view mode = rest.substr(colon + 1);
  const size_t at = mode.find('@');
  if (at != std::string_view::npos) {
    int fps = 0;
    if (!parseInt(mode.substr(at + 1), fps) || fps <= 0 || fps > 1000) return fail();
    spec.fps = fps;
    mode = mode.substr(0, at);
  }
  const size_t x = mode.find('x');
  if (x == std::string_view::npos || !parseInt(mode.substr(0, x), spec.width) ||
      !parseInt(mode.substr(x + 1), spec.height) || spec.width <= 0 || spec.height <= 0 ||
      spec.width > 16384 || spec.height > 16384) {
    return fail();
  }
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
      std::string s = "camera:" + std::to_string(spec.cameraIndex);
      if (spec.width > 0) s += ":" + std::to_string(spec.width) + "x" + std::to_string(spec.height);
      if (spec.fps > 0) s += "@" + std::to_string(static_cast<int>(spec.fps));
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
