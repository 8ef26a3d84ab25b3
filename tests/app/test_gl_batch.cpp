// End to end: `facefilter --headless --input in.avi --filter sunglasses --record out.mp4` renders EVERY input
// frame and writes them all, then exits. Run with no display (tests/app/CMakeLists.txt): through EGL.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "media/media_probe.hpp"
#include "media/tone_analysis.hpp"
#include "media/tone_clip.hpp"
#include "test_support.hpp"

TEST(HeadlessBatch, RecordsEveryInputFrame) {
  const auto dir = facefilter::test::freshTempDir("batch");
  const auto input = dir / "in.avi";
  const int frames = 37;
  {
    cv::VideoWriter w(input.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, cv::Size(320, 240));
    ASSERT_TRUE(w.isOpened());
    for (int i = 0; i < frames; ++i) {
      cv::Mat f(240, 320, CV_8UC3, cv::Scalar(40, 40, 40));
      cv::circle(f, {20 + i * 7, 120}, 15, {0, 200, 255}, -1);
      w.write(f);
    }
  }
  const auto out = dir / "out.mp4";
  const std::string cmd = std::string(FACEFILTER_TEST_APP_EXE) +
                          " --headless --no-config --log-level warn --input '" + input.string() +
                          "' --filter sunglasses --model '" FACEFILTER_TEST_APP_MODEL "' --record '" +
                          out.string() + "' 2>'" + (dir / "log.txt").string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(dir / "log.txt");
  const std::string logText((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << logText;
  cv::VideoCapture cap(out.string());
  ASSERT_TRUE(cap.isOpened());
  int n = 0;
  cv::Mat f, last;
  while (cap.read(f)) {
    ++n;
    last = f.clone();
  }
  EXPECT_EQ(n, frames) << logText;
  EXPECT_EQ(last.cols, 320);
  // The last frame shows the circle where the last input frame had it (orientation, order).
  const cv::Vec3b c = last.at<cv::Vec3b>(120, 20 + (frames - 1) * 7);
  EXPECT_GT(c[2], 200);
  EXPECT_NE(logText.find("0 dropped"), std::string::npos) << logText;
  // The landmark sidecar has one line per frame.
  std::ifstream side(dir / "out.landmarks.jsonl");
  int lines = 0;
  for (std::string line; std::getline(side, line);) ++lines;
  EXPECT_EQ(lines, frames);
  std::filesystem::remove_all(dir);
}

// `--headless` carries the input's sound: the tone the input holds from 0.4 s to 1.6 s is in the output at
// the same place (within a frame), re-encoded to AAC from the input's PCM, and the video is H.264 that
// streams (index first). `--record-audio off` leaves it out.
TEST(HeadlessBatch, KeepsTheInputsSoundInSync) {
  const auto dir = facefilter::test::freshTempDir("batch-sound");
  const auto logText = [&] {
    std::ifstream log(dir / "log.txt");
    return std::string((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  };
  facefilter::test::ToneClipSpec spec;
  spec.path = dir / "talk.mkv";
  spec.size = {320, 240};
  spec.frames = 50;  // 2 s at 25 fps
  spec.audioCodec = "pcm_s16le";
  spec.toneHz = 660;
  spec.toneStartS = 0.4;
  spec.toneSeconds = 1.2;
  ASSERT_TRUE(facefilter::test::writeToneClip(spec));
  for (const bool withSound : {true, false}) {
    SCOPED_TRACE(withSound ? "with sound" : "--record-audio off");
    const auto out = dir / (withSound ? "out.mp4" : "quiet.mp4");
    const std::string cmd = std::string(FACEFILTER_TEST_APP_EXE) +
                            " --headless --no-config --log-level warn --input '" + spec.path.string() +
                            "' --filter sunglasses --model '" FACEFILTER_TEST_APP_MODEL "' --record '" +
                            out.string() + "'" + (withSound ? "" : " --record-audio off") + " 2>'" +
                            (dir / "log.txt").string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << logText();
    auto info = facefilter::test::probeMedia(out.string());
    ASSERT_TRUE(info) << info.error().message;
    ASSERT_NE(info->video(), nullptr);
    EXPECT_EQ(info->video()->codec, "h264");
    EXPECT_EQ(info->video()->pixelFormat, "yuv420p");
    auto indexFirst = facefilter::test::moovBeforeMdat(out.string());
    ASSERT_TRUE(indexFirst) << indexFirst.error().message;
    EXPECT_TRUE(indexFirst.value()) << "the index comes first";
    if (!withSound) {
      EXPECT_EQ(info->count("audio"), 0);
      continue;
    }
    ASSERT_NE(info->audio(), nullptr) << logText();
    EXPECT_EQ(info->audio()->codec, "aac");
    auto audio = facefilter::test::decodeAudio(out.string());
    ASSERT_TRUE(audio) << audio.error().message;
    const facefilter::test::LoudSpan loud = facefilter::test::loudSpan(audio->mono, audio->sampleRate);
    EXPECT_NEAR(audio->startSeconds + loud.firstSeconds, 0.4, 1.0 / 25) << "in sync within a frame";
    EXPECT_NEAR(loud.lastSeconds - loud.firstSeconds, 1.2, 1.0 / 25);
    const auto first = static_cast<size_t>(loud.firstSeconds * audio->sampleRate);
    const auto last = static_cast<size_t>(loud.lastSeconds * audio->sampleRate);
    EXPECT_GT(facefilter::test::toneShare(audio->mono, first, last, audio->sampleRate, 660), 0.9);
  }
  std::filesystem::remove_all(dir);
}
