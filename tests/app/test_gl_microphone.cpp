// The app's live recording takes the microphone: `facefilter --record out.mp4 --record-audio SOURCE` under
// Xvfb, with a private PulseAudio server (started by the test) playing a tone into the sink whose monitor is
// the source. The file's sound is that tone for as long as the recording ran. Without a sound server the
// test skips with the reason.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "media/media_probe.hpp"
#include "media/pulse_server.hpp"
#include "media/tone_analysis.hpp"  // pulse_server.hpp brings tests/test_support.hpp (TempDir)

namespace facefilter::test {
namespace {

TEST(AppMicrophone, LiveRecordingHoldsTheMicrophonesTone) {
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0') GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  FACEFILTER_SKIP_IF_NO_DEMO();
  auto server = PulseServer::start();
  if (!server) GTEST_SKIP() << "no private PulseAudio server: " << server.error().message;
  TempDir dir;
  const std::string out = dir.file("live.mp4");
  const std::string log = dir.file("log.txt");
  // The tone plays from before the app starts until after it quits: the whole recording is the tone.
  auto tone = playTone(1000, 10.0, 0.5);
  // The app inherits PULSE_SERVER and the rest from this process (PulseServer sets them).
  const std::string cmd = std::string(FACEFILTER_TEST_APP_EXE) +
                          " --no-config --log-level info --input demo --filter sunglasses --model '" +
                          FACEFILTER_TEST_APP_MODEL + "' --record '" + out + "' --record-audio " +
                          kTestMonitor + " --quit-after 75 2>'" + log + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream logFile(log);
  const std::string logText((std::istreambuf_iterator<char>(logFile)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << logText;
  EXPECT_NE(logText.find(kTestMonitor), std::string::npos) << "the log names the sound's source\n" << logText;

  auto info = probeMedia(out);
  ASSERT_TRUE(info) << info.error().message;
  ASSERT_NE(info->video(), nullptr);
  EXPECT_EQ(info->video()->codec, "h264");
  ASSERT_NE(info->audio(), nullptr) << "no sound in the recording\n" << logText;
  EXPECT_EQ(info->audio()->codec, "aac");
  auto audio = decodeAudio(out);
  ASSERT_TRUE(audio) << audio.error().message;
  const LoudSpan loud = loudSpan(audio->mono, audio->sampleRate);
  // The sound starts once the server delivers its first block after the recording starts and runs to the
  // end of the recording.
  EXPECT_GT(loud.lastSeconds - loud.firstSeconds, 0.8 * info->durationSeconds) << logText;
  const auto first = static_cast<size_t>(loud.firstSeconds * audio->sampleRate);
  const auto last = static_cast<size_t>(loud.lastSeconds * audio->sampleRate);
  EXPECT_GT(toneShare(audio->mono, first, last, audio->sampleRate, 1000), 0.8) << "a 1 kHz tone";
}

}  // namespace
}  // namespace facefilter::test
