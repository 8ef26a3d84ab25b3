// FileAudio: the first audio stream of an input file, on the video stream's timeline. The inputs are
// written by the test (tone_clip) with a tone of known frequency, length and start, and the packets read
// back are decoded to check that they hold that tone.

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "media/av_util.hpp"
#include "media/file_audio.hpp"
#include "media/tone_analysis.hpp"
#include "media/tone_clip.hpp"
#include "test_support.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace facefilter::test {
namespace {

constexpr int64_t kUs = 1000000;

// What was read from a FileAudio: every packet's time span, and channel 0 decoded.
struct ReadBack {
  int packets = 0;
  int64_t firstUs = 0;
  int64_t endUs = 0;  // the last packet's time plus its duration
  std::vector<float> samples;
  int sampleRate = 0;
};

float sampleAt(const AVFrame& f, int i) {
  const auto fmt = static_cast<AVSampleFormat>(f.format);
  // Channel 0 is at the start of plane 0 both planar and interleaved; interleaved steps over the others.
  const int slot = av_sample_fmt_is_planar(fmt) != 0 ? i : i * f.ch_layout.nb_channels;
  switch (av_get_packed_sample_fmt(fmt)) {
    case AV_SAMPLE_FMT_S16:
      return static_cast<float>(reinterpret_cast<const int16_t*>(f.data[0])[slot]) / 32768.0f;
    case AV_SAMPLE_FMT_S32:
      return static_cast<float>(reinterpret_cast<const int32_t*>(f.data[0])[slot] / 2147483648.0);
    case AV_SAMPLE_FMT_FLT:
      return reinterpret_cast<const float*>(f.data[0])[slot];
    case AV_SAMPLE_FMT_DBL:
      return static_cast<float>(reinterpret_cast<const double*>(f.data[0])[slot]);
    default:
      ADD_FAILURE() << "sample format " << av_get_sample_fmt_name(fmt) << " not handled by the test";
      return 0;
  }
}

void drain(AVCodecContext* decoder, AVFrame* frame, ReadBack& out) {
  while (avcodec_receive_frame(decoder, frame) == 0) {
    for (int i = 0; i < frame->nb_samples; ++i) out.samples.push_back(sampleAt(*frame, i));
    av_frame_unref(frame);
  }
}

ReadBack readAll(FileAudio& audio) {
  ReadBack out;
  const AVCodecParameters* par = audio.parameters();
  out.sampleRate = par->sample_rate;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  EXPECT_NE(codec, nullptr) << "no decoder for " << audio.codecName();
  if (codec == nullptr) return out;
  av::CodecContextPtr decoder(avcodec_alloc_context3(codec));
  EXPECT_GE(avcodec_parameters_to_context(decoder.get(), par), 0);
  decoder->pkt_timebase = AVRational{audio.timeBaseNum(), audio.timeBaseDen()};
  EXPECT_GE(avcodec_open2(decoder.get(), codec, nullptr), 0);
  av::PacketPtr packet(av_packet_alloc());
  av::FramePtr frame(av_frame_alloc());
  for (;;) {
    auto more = audio.next(packet.get());
    EXPECT_TRUE(more.ok()) << more.error().message;
    if (!more.ok() || !more.value()) break;
    const int64_t t = audio.timeUs(*packet);
    const int64_t duration = av_rescale_q(
        packet->duration, AVRational{audio.timeBaseNum(), audio.timeBaseDen()}, AVRational{1, kUs});
    if (out.packets == 0) out.firstUs = t;
    out.endUs = std::max(out.endUs, t + duration);
    ++out.packets;
    EXPECT_GE(avcodec_send_packet(decoder.get(), packet.get()), 0);
    drain(decoder.get(), frame.get(), out);
    av_packet_unref(packet.get());
  }
  avcodec_send_packet(decoder.get(), nullptr);
  drain(decoder.get(), frame.get(), out);
  return out;
}

class FileAudioTest : public ::testing::Test {
 protected:
  // Writes the clip (skipping when an optional encoder is absent) and opens it.
  std::unique_ptr<FileAudio> openClip(const ToneClipSpec& spec) {
    auto written = writeToneClip(spec);
    EXPECT_TRUE(written.ok()) << written.error().message;
    auto opened = FileAudio::open(spec.path);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened.value()) : nullptr;
  }

  // The tone's span and frequency, within one video frame.
  void expectTone(FileAudio& audio, const ToneClipSpec& spec) {
    const ReadBack back = readAll(audio);
    const auto frameUs = static_cast<int64_t>(kUs / spec.fps);
    ASSERT_GT(back.packets, 0);
    EXPECT_NEAR(back.firstUs, spec.toneStartS * kUs, frameUs);
    EXPECT_NEAR(back.endUs, (spec.toneStartS + spec.toneSeconds) * kUs, frameUs);
    ASSERT_EQ(back.sampleRate, spec.sampleRate);
    const size_t n = back.samples.size();
    ASSERT_GT(n, static_cast<size_t>(spec.toneSeconds * spec.sampleRate * 0.9));
    // The middle half: clear of encoder priming and padding at either end.
    EXPECT_GT(toneShare(back.samples, n / 4, 3 * n / 4, back.sampleRate, spec.toneHz), 0.9);
    EXPECT_LT(toneShare(back.samples, n / 4, 3 * n / 4, back.sampleRate, spec.secondToneHz), 0.05);
  }

  TempDir dir_;
};

TEST_F(FileAudioTest, FileWithoutAudioGivesNoStreamAndNoError) {
  ToneClipSpec spec;
  spec.path = dir_.file("silent.mp4");
  spec.audioStreams = 0;
  ASSERT_TRUE(writeToneClip(spec).ok());
  auto opened = FileAudio::open(spec.path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened.value(), nullptr);
}

TEST_F(FileAudioTest, AacInMp4CoversTheTone) {
  ToneClipSpec spec;
  spec.path = dir_.file("aac.mp4");
  spec.toneSeconds = 1.5;
  auto audio = openClip(spec);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->codecName(), "aac");
  EXPECT_EQ(audio->audioStreamCount(), 1);
  EXPECT_EQ(audio->parameters()->sample_rate, 48000);
  EXPECT_EQ(audio->parameters()->ch_layout.nb_channels, 2);
  expectTone(*audio, spec);
}

TEST_F(FileAudioTest, PcmInMkvCoversTheTone) {
  ToneClipSpec spec;
  spec.path = dir_.file("pcm.mkv");
  spec.audioCodec = "pcm_s16le";
  spec.toneSeconds = 1.2;
  spec.channels = 1;
  auto audio = openClip(spec);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->codecName(), "pcm_s16le");
  EXPECT_EQ(audio->parameters()->ch_layout.nb_channels, 1);
  expectTone(*audio, spec);
}

TEST_F(FileAudioTest, OpusInWebmCoversTheTone) {
  if (!hasEncoder("libopus") || !hasEncoder("libvpx-vp9"))
    GTEST_SKIP() << "FFmpeg lacks libopus or libvpx-vp9";
  ToneClipSpec spec;
  spec.path = dir_.file("opus.webm");
  spec.videoCodec = "libvpx-vp9";
  spec.audioCodec = "libopus";
  spec.frames = 10;
  spec.toneSeconds = 1;
  auto audio = openClip(spec);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->codecName(), "opus");
  expectTone(*audio, spec);
}

TEST_F(FileAudioTest, TwoAudioStreamsCountsBothAndReadsOnlyTheFirst) {
  ToneClipSpec spec;
  spec.path = dir_.file("two.mkv");
  spec.audioCodec = "pcm_s16le";
  spec.audioStreams = 2;
  spec.toneHz = 440;
  spec.secondToneHz = 1000;
  spec.toneSeconds = 1;
  auto audio = openClip(spec);
  ASSERT_NE(audio, nullptr);
  EXPECT_EQ(audio->audioStreamCount(), 2);
  // expectTone checks that the 440 Hz tone is there and the second stream's 1 kHz is not mixed in.
  expectTone(*audio, spec);
}

TEST_F(FileAudioTest, AudioStartingLaterThanTheVideoKeepsItsOffset) {
  for (const char* name : {"late.mkv", "late.mp4"}) {
    SCOPED_TRACE(name);
    ToneClipSpec spec;
    spec.path = dir_.file(name);
    spec.audioCodec = fs::path(name).extension() == ".mkv" ? "pcm_s16le" : "aac";
    spec.toneStartS = 0.5;
    spec.toneSeconds = 1;
    auto audio = openClip(spec);
    ASSERT_NE(audio, nullptr);
    expectTone(*audio, spec);
  }
}

TEST_F(FileAudioTest, AudioStartingBeforeTheVideoIsCountedFromTheVideosStart) {
  // The muxer moves both streams so that the audio starts at 0: the video then starts at 0.3 s, which is
  // what OpenCV's frame times count from, so the audio must come out at -0.3 s.
  ToneClipSpec spec;
  spec.path = dir_.file("early.mkv");
  spec.audioCodec = "pcm_s16le";
  spec.toneStartS = -0.3;
  spec.toneSeconds = 1;
  auto audio = openClip(spec);
  ASSERT_NE(audio, nullptr);
  EXPECT_NEAR(static_cast<double>(audio->offsetUs()), 0.3 * kUs, kUs / spec.fps);
  expectTone(*audio, spec);
}

TEST_F(FileAudioTest, ToneClipsAreReadableByOpenCV) {
  // The app reads its inputs through cv::VideoCapture: the test inputs must open there too.
  ToneClipSpec spec;
  spec.path = dir_.file("opencv.mp4");
  spec.frames = 12;
  ASSERT_TRUE(writeToneClip(spec).ok());
  cv::VideoCapture capture(spec.path.string(), cv::CAP_FFMPEG);
  ASSERT_TRUE(capture.isOpened());
  cv::Mat frame;
  int frames = 0;
  while (capture.read(frame)) {
    ASSERT_EQ(frame.size(), spec.size);
    // The background is the darkest part of a row (the bar is white); the video's luma range 16-235
    // comes out as 0-255.
    double darkest = 0;
    cv::Mat gray;
    cv::cvtColor(frame, gray, cv::COLOR_BGR2GRAY);
    cv::minMaxLoc(gray.row(spec.size.height / 2), &darkest);
    EXPECT_NEAR(darkest, (toneClipGrey(frames) - 16) * 255.0 / 219.0, 4) << "frame " << frames;
    ++frames;
  }
  EXPECT_EQ(frames, spec.frames);
}

TEST_F(FileAudioTest, MissingFileIsAnErrorNamingIt) {
  const std::string path = dir_.file("no-such-file.mp4");
  auto opened = FileAudio::open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(path), std::string::npos) << opened.error().message;
  EXPECT_NE(opened.error().message.find("No such file"), std::string::npos) << opened.error().message;
}

TEST_F(FileAudioTest, CorruptAndTruncatedFilesAreErrorsNamingThem) {
  const std::string garbage = dir_.file("garbage.mp4");
  writeFile(garbage, std::string(4096, '\x5a'));
  auto opened = FileAudio::open(garbage);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(garbage), std::string::npos) << opened.error().message;

  // Without +faststart the index is at the end of an MP4: cut off, nothing can be found.
  ToneClipSpec spec;
  spec.path = dir_.file("whole.mp4");
  ASSERT_TRUE(writeToneClip(spec).ok());
  const std::string truncated = dir_.file("truncated.mp4");
  writeTruncatedCopy(spec.path.string(), truncated, 0.5);
  opened = FileAudio::open(truncated);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(truncated), std::string::npos) << opened.error().message;
}

}  // namespace
}  // namespace facefilter::test
