#pragma once
// What a recording is encoded as: the container with its video codec, and the video quality settings.
// MP4 with H.264 plays everywhere people share video (browsers, phones, chat apps); WebM with VP9 is the
// free-codec choice. Audio follows the container: AAC in MP4, Opus in WebM.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace facefilter {

enum class VideoContainer { kMp4H264, kWebmVp9 };

struct EncoderSettings {
  VideoContainer container = VideoContainer::kMp4H264;
  // Constant rate factor: lower is better quality and larger files (x264: 0-51, VP9: 0-63).
  int crf = 22;
  // x264's speed/size trade (ultrafast ... veryslow); VP9 maps it onto its cpu-used / deadline.
  std::string preset = "veryfast";
};

// "mp4" / "webm": the names used by the settings file, the command lines and the panel.
std::string_view containerName(VideoContainer container);
std::optional<VideoContainer> parseContainer(std::string_view name);
// ".mp4" / ".webm"
std::string containerExtension(VideoContainer container);
// x264's presets, fastest first (the settings table offers the same list: test_media_writer checks).
const std::vector<std::string>& encoderPresets();
// The settings for a recording to `path`: a path ending in .webm or .mp4 (.m4v, .mov) picks its container,
// any other takes `format` (a name as parseContainer reads it; mp4 when unknown).
EncoderSettings encoderSettingsFor(const std::filesystem::path& path, std::string_view format, int crf,
                                   std::string preset);

}  // namespace facefilter
