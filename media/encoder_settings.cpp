#include "media/encoder_settings.hpp"

#include <cctype>

namespace facefilter {

std::string_view containerName(VideoContainer container) {
  return container == VideoContainer::kWebmVp9 ? "webm" : "mp4";
}

std::optional<VideoContainer> parseContainer(std::string_view name) {
  if (name == "mp4") return VideoContainer::kMp4H264;
  if (name == "webm") return VideoContainer::kWebmVp9;
  return std::nullopt;
}

std::string containerExtension(VideoContainer container) {
  return "." + std::string(containerName(container));
}

const std::vector<std::string>& encoderPresets() {
  static const std::vector<std::string> presets = {"ultrafast", "superfast", "veryfast", "faster",  "fast",
                                                   "medium",    "slow",      "slower",   "veryslow"};
  return presets;
}

EncoderSettings encoderSettingsFor(const std::filesystem::path& path, std::string_view format, int crf,
                                   std::string preset) {
  EncoderSettings e;
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".webm") {
    e.container = VideoContainer::kWebmVp9;
  } else if (ext == ".mp4" || ext == ".m4v" || ext == ".mov") {
    e.container = VideoContainer::kMp4H264;
  } else {
    e.container = parseContainer(format).value_or(VideoContainer::kMp4H264);
  }
  e.crf = crf;
  e.preset = std::move(preset);
  return e;
}

}  // namespace facefilter
