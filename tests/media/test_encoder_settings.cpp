// The recording's settings as the settings table offers them and as the encoder takes them: one set of
// defaults and preset names on both sides (the settings library does not link FFmpeg, so the table lists
// them itself), and the container chosen by a path's extension before the format setting.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "media/encoder_settings.hpp"
#include "settings/app_config.hpp"
#include "settings/settings_table.hpp"

namespace facefilter {
namespace {

TEST(EncoderSettings, TheSettingsTableAndTheEncoderAgree) {
  const RecordSettings record;
  const EncoderSettings encoder;
  EXPECT_EQ(record.crf, encoder.crf);
  EXPECT_EQ(record.preset, encoder.preset);
  EXPECT_EQ(parseContainer(record.format), encoder.container);
  const Setting* preset = findSetting("record_preset");
  ASSERT_NE(preset, nullptr);
  std::vector<std::string> offered(preset->choices.begin(), preset->choices.end());
  EXPECT_EQ(offered, encoderPresets());
  const Setting* format = findSetting("record_format");
  ASSERT_NE(format, nullptr);
  for (std::string_view name : format->choices) EXPECT_TRUE(parseContainer(name).has_value()) << name;
}

TEST(EncoderSettings, ThePathsExtensionChoosesTheContainer) {
  EXPECT_EQ(encoderSettingsFor("a.webm", "mp4", 22, "veryfast").container, VideoContainer::kWebmVp9);
  EXPECT_EQ(encoderSettingsFor("a.WebM", "mp4", 22, "veryfast").container, VideoContainer::kWebmVp9);
  EXPECT_EQ(encoderSettingsFor("a.mp4", "webm", 22, "veryfast").container, VideoContainer::kMp4H264);
  EXPECT_EQ(encoderSettingsFor("a.mov", "webm", 22, "veryfast").container, VideoContainer::kMp4H264);
  EXPECT_EQ(encoderSettingsFor("a.video", "webm", 22, "veryfast").container, VideoContainer::kWebmVp9);
  EXPECT_EQ(encoderSettingsFor("a", "nonsense", 22, "veryfast").container, VideoContainer::kMp4H264);
  const EncoderSettings e = encoderSettingsFor("a.mp4", "mp4", 30, "slow");
  EXPECT_EQ(e.crf, 30);
  EXPECT_EQ(e.preset, "slow");
  EXPECT_EQ(containerExtension(VideoContainer::kWebmVp9), ".webm");
  EXPECT_EQ(containerExtension(VideoContainer::kMp4H264), ".mp4");
}

}  // namespace
}  // namespace facefilter
