// MediaWriter with the real encoders into real files in a temporary folder, each file read back through
// libavformat (media_probe): the codec and container a player sees, the timing, the picture quality, the
// sound's tone, and the errors a user can run into (a folder as the path, a missing folder, a full disk).

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "media/media_writer.hpp"
#include "media_probe.hpp"
#include "test_support.hpp"
#include "tone_clip.hpp"

namespace facefilter {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr int64_t kSecondUs = 1000000;

// A frame that changes from one index to the next: a gradient background with a moving disc and bar.
cv::Mat syntheticFrame(cv::Size size, int index) {
  cv::Mat frame(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y) {
    auto* row = frame.ptr<cv::Vec3b>(y);
    for (int x = 0; x < size.width; ++x) {
      row[x] =
          cv::Vec3b(static_cast<uint8_t>(x * 255 / size.width), static_cast<uint8_t>(y * 255 / size.height),
                    static_cast<uint8_t>((x + y + index * 4) % 256));
    }
  }
  const int cx = (index * 7) % size.width;
  cv::circle(frame, {cx, size.height / 2}, size.height / 6, cv::Scalar(30, 200, 240), cv::FILLED,
             cv::LINE_AA);
  cv::rectangle(frame, cv::Rect(0, (index * 5) % size.height, size.width, 6), cv::Scalar(250, 250, 250),
                cv::FILLED);
  return frame;
}

MediaWriterParams paramsFor(const std::string& path, cv::Size size = {320, 240}, double fps = 30) {
  MediaWriterParams p;
  p.path = path;
  p.size = size;
  p.frameRateHint = fps;
  return p;
}

std::unique_ptr<MediaWriter> openOrFail(const MediaWriterParams& params) {
  auto writer = MediaWriter::open(params);
  EXPECT_TRUE(writer.ok()) << (writer.ok() ? "" : writer.error().message);
  if (!writer.ok()) return nullptr;
  return std::move(writer).value();
}

// Frames at `fps` on the timeline, skipping the indices in [gapBegin, gapEnd).
void writeFrames(MediaWriter& writer, int count, double fps, int gapBegin = -1, int gapEnd = -1) {
  for (int i = 0; i < count; ++i) {
    if (i >= gapBegin && i < gapEnd) continue;
    const auto timeUs = static_cast<int64_t>(std::llround(i * kSecondUs / fps));
    auto status = writer.writeVideo(syntheticFrame(writer.params().size, i), timeUs);
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
}

test::MediaInfo probeOrFail(const std::string& path) {
  auto info = test::probeMedia(path);
  EXPECT_TRUE(info.ok()) << (info.ok() ? "" : info.error().message);
  return info.ok() ? info.value() : test::MediaInfo{};
}

TEST(MediaWriter, Mp4IsH264Yuv420pWithTheIndexFirstAndTheRightLength) {
  TempDir dir;
  const std::string path = dir.file("out.mp4");
  auto writer = openOrFail(paramsFor(path));
  ASSERT_NE(writer, nullptr);
  EXPECT_FALSE(writer->hasAudio());
  writeFrames(*writer, 60, 30);
  auto done = writer->finish();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(writer->finish().ok());  // idempotent
  EXPECT_EQ(writer->videoFrames(), 60u);

  const auto info = probeOrFail(path);
  ASSERT_NE(info.video(), nullptr);
  EXPECT_EQ(info.count("audio"), 0);
  EXPECT_EQ(info.video()->codec, "h264");
  EXPECT_EQ(info.video()->pixelFormat, "yuv420p");
  EXPECT_EQ(info.video()->width, 320);
  EXPECT_EQ(info.video()->height, 240);
  EXPECT_NEAR(info.video()->frameRate, 30.0, 0.01);
  // The last frame lasts one frame: 60 frames at 30 fps are 2 s, to the millisecond.
  EXPECT_NEAR(info.durationSeconds, 2.0, 0.001);
  EXPECT_NEAR(info.video()->startSeconds, 0.0, 1e-6);
  auto moovFirst = test::moovBeforeMdat(path);
  ASSERT_TRUE(moovFirst.ok()) << moovFirst.error().message;
  EXPECT_TRUE(moovFirst.value());

  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  ASSERT_EQ(times.value().size(), 60u);
  for (size_t i = 0; i < times.value().size(); ++i) EXPECT_NEAR(times.value()[i], i / 30.0, 1.0 / 90000) << i;
}

TEST(MediaWriter, IrregularTimestampsSurvive) {
  TempDir dir;
  const std::string path = dir.file("vfr.mp4");
  auto writer = openOrFail(paramsFor(path));
  ASSERT_NE(writer, nullptr);
  // Intervals as a live camera delivers them: jittered, with a stall.
  const std::vector<int64_t> intervalsUs = {33367,  16683, 50050, 33000, 41708,
                                            250000, 12345, 33333, 66733, 20000};
  std::vector<int64_t> timesUs;
  int64_t t = 0;
  for (int i = 0; i < 40; ++i) {
    timesUs.push_back(t);
    ASSERT_TRUE(writer->writeVideo(syntheticFrame({320, 240}, i), t).ok());
    t += intervalsUs[static_cast<size_t>(i) % intervalsUs.size()];
  }
  ASSERT_TRUE(writer->finish().ok());

  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  ASSERT_EQ(times.value().size(), timesUs.size());
  for (size_t i = 0; i < timesUs.size(); ++i) {
    EXPECT_NEAR(times.value()[i], static_cast<double>(timesUs[i]) / kSecondUs, 1.0 / 90000) << i;
  }
  // The last frame lasts as long as the interval before it.
  const double last = static_cast<double>(timesUs.back()) / kSecondUs;
  const double lastInterval = static_cast<double>(timesUs.back() - timesUs[timesUs.size() - 2]) / kSecondUs;
  EXPECT_NEAR(probeOrFail(path).durationSeconds, last + lastInterval, 0.002);
}

TEST(MediaWriter, TimesNotAfterThePreviousFrameMoveJustAfterIt) {
  TempDir dir;
  const std::string path = dir.file("same.mp4");
  auto writer = openOrFail(paramsFor(path));
  ASSERT_NE(writer, nullptr);
  for (int64_t t : {0, 33333, 33333, 20000, 100000}) {
    auto status = writer->writeVideo(syntheticFrame({320, 240}, static_cast<int>(t / 1000)), t);
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
  ASSERT_TRUE(writer->finish().ok());
  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  ASSERT_EQ(times.value().size(), 5u);
  for (size_t i = 1; i < times.value().size(); ++i) EXPECT_GT(times.value()[i], times.value()[i - 1]) << i;
  EXPECT_NEAR(times.value()[4], 0.1, 1.0 / 90000);
}

TEST(MediaWriter, DroppedFramesKeepTheLength) {
  TempDir dir;
  const std::string path = dir.file("gap.mp4");
  auto writer = openOrFail(paramsFor(path));
  ASSERT_NE(writer, nullptr);
  writeFrames(*writer, 60, 30, 20, 40);  // 2/3 s of frames never arrive
  ASSERT_TRUE(writer->finish().ok());
  EXPECT_EQ(writer->videoFrames(), 40u);
  EXPECT_NEAR(probeOrFail(path).durationSeconds, 2.0, 0.001);
  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  ASSERT_EQ(times.value().size(), 40u);
  EXPECT_NEAR(times.value()[20], 40 / 30.0, 1.0 / 90000);
}

TEST(MediaWriter, OneFrameLastsOneFrameOfTheHintedRate) {
  TempDir dir;
  const std::string path = dir.file("one.mp4");
  auto writer = openOrFail(paramsFor(path, {320, 240}, 25));
  ASSERT_NE(writer, nullptr);
  writeFrames(*writer, 1, 25);
  ASSERT_TRUE(writer->finish().ok());
  EXPECT_NEAR(probeOrFail(path).durationSeconds, 0.04, 0.001);
}

TEST(MediaWriter, DecodedFramesMatchTheWrittenOnesAtTheDefaultQuality) {
  TempDir dir;
  const std::string path = dir.file("quality.mp4");
  const fs::path photo = test::samplePath("obamas.jpg");
  cv::Mat base;
  if (fs::exists(photo)) base = cv::imread(photo.string(), cv::IMREAD_COLOR);
  const cv::Size size(480, 320);
  if (base.empty()) {
    base = syntheticFrame(size, 0);
  } else {
    cv::resize(base, base, size, 0, 0, cv::INTER_AREA);
  }
  MediaWriterParams params = paramsFor(path, size);
  ASSERT_EQ(params.encoder.crf, EncoderSettings{}.crf);  // the default quality
  auto writer = openOrFail(params);
  ASSERT_NE(writer, nullptr);
  std::vector<cv::Mat> written;
  for (int i = 0; i < 12; ++i) {
    // A slow pan, as a camera gives: every frame differs, as in a recording.
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, i, 0, 1, i / 2.0);
    cv::Mat frame;
    cv::warpAffine(base, frame, shift, size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
    // BGRA for some frames: both layouts the writer takes.
    if (i % 2 == 1) {
      cv::Mat bgra;
      cv::cvtColor(frame, bgra, cv::COLOR_BGR2BGRA);
      ASSERT_TRUE(writer->writeVideo(bgra, i * kSecondUs / 30).ok());
    } else {
      ASSERT_TRUE(writer->writeVideo(frame, i * kSecondUs / 30).ok());
    }
    written.push_back(frame);
  }
  ASSERT_TRUE(writer->finish().ok());
  for (int i : {0, 5, 11}) {
    auto decoded = test::decodeVideoFrame(path, i);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_GT(test::psnr(decoded.value(), written[static_cast<size_t>(i)]), 35.0) << "frame " << i;
  }
}

TEST(MediaWriter, WebmIsVp9AndDecodes) {
  if (!test::hasEncoder("libvpx-vp9")) GTEST_SKIP() << "FFmpeg has no libvpx-vp9 encoder";
  TempDir dir;
  const std::string path = dir.file("out.webm");
  MediaWriterParams params = paramsFor(path);
  params.encoder.container = VideoContainer::kWebmVp9;
  params.encoder.crf = 32;
  params.audioPcm = AudioPcmIn{48000, 2};
  auto writer = openOrFail(params);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->audioNote(), "encoded to libopus from pcm");
  std::vector<float> tone(480 * 2);
  for (int chunk = 0; chunk < 100; ++chunk) {  // 1 s in 10 ms chunks
    for (int i = 0; i < 480; ++i) {
      const double t = (chunk * 480 + i) / 48000.0;
      tone[static_cast<size_t>(i) * 2] = tone[static_cast<size_t>(i) * 2 + 1] =
          static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 880 * t));
    }
    ASSERT_TRUE(writer->writeAudioSamples(tone.data(), 480, chunk * 10000).ok());
  }
  writeFrames(*writer, 30, 30);
  ASSERT_TRUE(writer->finish().ok());

  const auto info = probeOrFail(path);
  ASSERT_NE(info.video(), nullptr);
  ASSERT_NE(info.audio(), nullptr);
  EXPECT_EQ(info.video()->codec, "vp9");
  EXPECT_EQ(info.video()->pixelFormat, "yuv420p");
  EXPECT_EQ(info.audio()->codec, "opus");
  EXPECT_NEAR(info.durationSeconds, 1.0, 1.0 / 30 + 0.001);
  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  EXPECT_EQ(times.value().size(), 30u);
  auto sound = test::decodeAudio(path);
  ASSERT_TRUE(sound.ok()) << sound.error().message;
  const auto& s = sound.value();
  EXPECT_NEAR(test::dominantFrequency(s.mono, s.sampleRate, s.mono.size() / 4, s.mono.size() * 3 / 4), 880,
              5);
}

// Reads the first audio stream of `input` and passes its packets to the writer, with video frames to cover
// the same time: the input's sound carried into a recording.
void recordWithInputAudio(const std::string& input, const std::string& output, double seconds,
                          std::string* note, int64_t offsetUs = 0) {
  AVFormatContext* in = nullptr;
  ASSERT_GE(avformat_open_input(&in, input.c_str(), nullptr, nullptr), 0) << input;
  std::unique_ptr<AVFormatContext, void (*)(AVFormatContext*)> guard(
      in, [](AVFormatContext* f) { avformat_close_input(&f); });
  ASSERT_GE(avformat_find_stream_info(in, nullptr), 0);
  const int stream = av_find_best_stream(in, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  ASSERT_GE(stream, 0) << input << " has no audio";
  const AVStream* st = in->streams[stream];

  MediaWriterParams params = paramsFor(output, {320, 240}, 25);
  params.audioPackets = AudioPacketsIn{st->codecpar, st->time_base.num, st->time_base.den};
  auto writer = openOrFail(params);
  ASSERT_NE(writer, nullptr);
  *note = writer->audioNote();
  std::unique_ptr<AVPacket, void (*)(AVPacket*)> packet(av_packet_alloc(),
                                                        [](AVPacket* p) { av_packet_free(&p); });
  while (av_read_frame(in, packet.get()) >= 0) {
    if (packet->stream_index == stream) {
      auto status = writer->writeAudioPacket(*packet, offsetUs);
      ASSERT_TRUE(status.ok()) << status.error().message;
    }
    av_packet_unref(packet.get());
  }
  writeFrames(*writer, static_cast<int>(std::lround(seconds * 25)), 25);
  auto done = writer->finish();
  ASSERT_TRUE(done.ok()) << done.error().message;
}

// The output's sound holds the input's tone: its frequency, its length, and a start within one video
// frame of the video's.
void expectTone(const std::string& path, double hz, double seconds, double fps, double startSeconds = 0) {
  const auto info = probeOrFail(path);
  ASSERT_NE(info.video(), nullptr);
  ASSERT_NE(info.audio(), nullptr);
  EXPECT_EQ(info.audio()->codec, "aac");
  EXPECT_NEAR(info.video()->startSeconds, 0.0, 1e-6);
  EXPECT_NEAR(info.audio()->startSeconds, startSeconds, 1.0 / fps);
  auto sound = test::decodeAudio(path);
  ASSERT_TRUE(sound.ok()) << sound.error().message;
  const auto& s = sound.value();
  EXPECT_NEAR(s.startSeconds, startSeconds, 1.0 / fps);
  const auto loud = test::loudSpan(s.mono, s.sampleRate, 0.1);
  EXPECT_NEAR(loud.firstSeconds + s.startSeconds, startSeconds, 1.0 / fps);
  EXPECT_NEAR(loud.totalSeconds, seconds, 0.05);
  EXPECT_NEAR(test::dominantFrequency(s.mono, s.sampleRate, s.mono.size() / 4, s.mono.size() * 3 / 4), hz, 5);
}

TEST(MediaWriter, AacInputAudioIsCopied) {
  if (!test::hasEncoder("aac")) GTEST_SKIP() << "FFmpeg has no aac encoder";
  TempDir dir;
  test::ToneClipSpec clip;
  clip.path = dir.path() / "in.mp4";
  clip.audioCodec = "aac";
  clip.toneHz = 440;
  clip.toneSeconds = 2;
  clip.frames = 50;
  auto made = test::writeToneClip(clip);
  ASSERT_TRUE(made.ok()) << made.error().message;
  std::string note;
  ASSERT_NO_FATAL_FAILURE(recordWithInputAudio(clip.path.string(), dir.file("out.mp4"), 2, &note));
  EXPECT_EQ(note, "copied (aac)");
  expectTone(dir.file("out.mp4"), 440, 2, 25);
}

TEST(MediaWriter, PcmInputAudioIsReencodedToAac) {
  TempDir dir;
  test::ToneClipSpec clip;
  clip.path = dir.path() / "in.mkv";
  clip.audioCodec = "pcm_s16le";
  clip.toneHz = 1000;
  clip.toneSeconds = 1.5;
  clip.sampleRate = 44100;
  clip.frames = 50;
  auto made = test::writeToneClip(clip);
  ASSERT_TRUE(made.ok()) << made.error().message;
  std::string note;
  ASSERT_NO_FATAL_FAILURE(recordWithInputAudio(clip.path.string(), dir.file("out.mp4"), 2, &note));
  EXPECT_EQ(note, "re-encoded from pcm_s16le to aac");
  expectTone(dir.file("out.mp4"), 1000, 1.5, 25);
}

TEST(MediaWriter, InputAudioKeepsItsPlaceOnTheTimeline) {
  if (!test::hasEncoder("aac")) GTEST_SKIP() << "FFmpeg has no aac encoder";
  TempDir dir;
  for (const std::string codec : {"aac", "pcm_s16le"}) {
    SCOPED_TRACE(codec);
    // The sound starts 0.3 s after the video in the input: so it does in the recording.
    test::ToneClipSpec clip;
    clip.path = dir.path() / ("late-" + codec + ".mkv");
    clip.audioCodec = codec;
    clip.toneHz = 500;
    clip.toneStartS = 0.3;
    clip.toneSeconds = 1.5;
    auto made = test::writeToneClip(clip);
    ASSERT_TRUE(made.ok()) << made.error().message;
    std::string note;
    const std::string late = dir.file("late-" + codec + ".mp4");
    ASSERT_NO_FATAL_FAILURE(recordWithInputAudio(clip.path.string(), late, 2, &note));
    expectTone(late, 500, 1.5, 25, 0.3);
    // A recording that starts 0.8 s into the input (the offset) loses the sound before that.
    const std::string cut = dir.file("cut-" + codec + ".mp4");
    ASSERT_NO_FATAL_FAILURE(recordWithInputAudio(clip.path.string(), cut, 2, &note, 800000));
    expectTone(cut, 500, 1.0, 25);
  }
}

TEST(MediaWriter, PcmSamplesAreEncodedToAacOnTheCaptureClock) {
  TempDir dir;
  const std::string path = dir.file("mic.mp4");
  MediaWriterParams params = paramsFor(path, {320, 240}, 30);
  params.audioPcm = AudioPcmIn{44100, 1};
  auto writer = openOrFail(params);
  ASSERT_NE(writer, nullptr);
  EXPECT_TRUE(writer->hasAudio());
  EXPECT_EQ(writer->audioNote(), "encoded to aac from pcm");
  // 10 ms chunks of a 660 Hz tone stamped with the capture clock: 1 s, then 1.5 s missing (the sound card
  // stalled) and 0.5 s more, then 0.5 s whose stamps start 0.2 s before the samples so far end (the sound
  // card ran fast). The writer fills the gap with silence and drops the overlap, so that what follows
  // stays on the capture clock: 1 + 0.5 + 0.3 s of tone, ending at 3.3 s.
  std::vector<float> chunk(441);
  auto write = [&](int64_t timeUs, int phase) {
    for (int i = 0; i < 441; ++i) {
      chunk[static_cast<size_t>(i)] =
          static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 660 * (phase * 441 + i) / 44100.0));
    }
    auto status = writer->writeAudioSamples(chunk.data(), 441, timeUs);
    ASSERT_TRUE(status.ok()) << status.error().message;
  };
  for (int c = 0; c < 300; ++c) {
    if (c < 100 || c >= 250) {
      ASSERT_NO_FATAL_FAILURE(write(c * 10000, c));
    }
  }
  for (int c = 0; c < 50; ++c) ASSERT_NO_FATAL_FAILURE(write(2800000 + c * 10000, 280 + c));
  writeFrames(*writer, 99, 30);
  ASSERT_TRUE(writer->finish().ok());

  auto sound = test::decodeAudio(path);
  ASSERT_TRUE(sound.ok()) << sound.error().message;
  const auto& s = sound.value();
  const auto loud = test::loudSpan(s.mono, s.sampleRate, 0.1);
  EXPECT_NEAR(loud.totalSeconds, 1.8, 0.05);
  EXPECT_NEAR(loud.firstSeconds + s.startSeconds, 0.0, 0.02);
  EXPECT_NEAR(loud.lastSeconds + s.startSeconds, 3.3, 0.05);
  EXPECT_NEAR(test::dominantFrequency(s.mono, s.sampleRate, 0, s.mono.size() / 3), 660, 5);
  const auto info = probeOrFail(path);
  ASSERT_NE(info.audio(), nullptr);
  EXPECT_NEAR(info.audio()->startSeconds, 0.0, 1.0 / 30);
}

TEST(MediaWriter, ANameWithAColonIsAFileNotAProtocol) {
  TempDir dir;
  // FFmpeg reads a relative "name:rest" as a protocol, and +faststart reopens the file by its name.
  struct Cwd {
    fs::path before = fs::current_path();
    ~Cwd() { fs::current_path(before); }
  } restore;
  fs::current_path(dir.path());
  const std::string path = "take:2 final.mp4";
  auto writer = openOrFail(paramsFor(path));
  ASSERT_NE(writer, nullptr);
  writeFrames(*writer, 10, 30);
  auto done = writer->finish();
  ASSERT_TRUE(done.ok()) << done.error().message;
  auto moovFirst = test::moovBeforeMdat(path);
  ASSERT_TRUE(moovFirst.ok()) << moovFirst.error().message;
  EXPECT_TRUE(moovFirst.value());
}

TEST(MediaWriter, RefusesAnOddSizeWithoutLeavingAFile) {
  TempDir dir;
  const std::string path = dir.file("odd.mp4");
  auto writer = MediaWriter::open(paramsFor(path, {641, 480}));
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().message, path + ": H.264 in yuv420p needs an even width and height, got 641x480");
  EXPECT_FALSE(fs::exists(path));
  auto empty = MediaWriter::open(paramsFor(path, {0, 0}));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find(path), std::string::npos) << empty.error().message;
  EXPECT_FALSE(fs::exists(path));
}

TEST(MediaWriter, RefusesAFolderAsThePath) {
  TempDir dir;
  auto writer = MediaWriter::open(paramsFor(dir.path().string()));
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find(dir.path().string()), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("is a folder"), std::string::npos) << writer.error().message;
  EXPECT_TRUE(fs::is_directory(dir.path()));
}

TEST(MediaWriter, RefusesAMissingFolderAndDoesNotCreateIt) {
  TempDir dir;
  const fs::path path = dir.path() / "missing" / "out.mp4";
  auto writer = MediaWriter::open(paramsFor(path.string()));
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find(path.string()), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("does not exist"), std::string::npos) << writer.error().message;
  EXPECT_FALSE(fs::exists(dir.path() / "missing"));
}

TEST(MediaWriter, RefusesAnUnwritablePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root, which may write into a read-only folder anyway";
  TempDir dir;
  const fs::path locked = dir.path() / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const std::string path = (locked / "out.mp4").string();
  auto writer = MediaWriter::open(paramsFor(path));
  fs::permissions(locked, fs::perms::owner_all);
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find(path), std::string::npos) << writer.error().message;
  EXPECT_NE(writer.error().message.find("Permission denied"), std::string::npos) << writer.error().message;
  EXPECT_FALSE(fs::exists(path));
}

// What the child of a full-disk test found, as its exit code.
enum FullDiskOutcome : int {
  kFoundError = 0,
  kOpenFailed = 10,
  kNoError = 11,
  kErrorWithoutPath = 12,
  kNotSticky = 13,
};

// Records incompressible frames into `path` in a child process whose file size limit stands in for a full
// disk (write() fails with EFBIG instead of raising a signal). Some write or, at the latest, finish() must
// fail with a message naming the file; later writes return that error; nothing crashes.
void expectFullDiskError(const std::string& path, VideoContainer container, rlim_t limit) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit rl{limit, limit};
    ::setrlimit(RLIMIT_FSIZE, &rl);
    MediaWriterParams params = paramsFor(path);
    params.encoder.container = container;
    auto writer = MediaWriter::open(params);
    if (!writer.ok()) ::_exit(kOpenFailed);
    cv::Mat noise(240, 320, CV_8UC3);
    std::string error;
    for (int i = 0; i < 120 && error.empty(); ++i) {
      cv::randu(noise, 0, 256);
      auto status = writer.value()->writeVideo(noise, i * kSecondUs / 30);
      if (!status.ok()) error = status.error().message;
    }
    if (!error.empty()) {
      auto again = writer.value()->writeVideo(noise, 20 * kSecondUs);
      if (again.ok() || again.error().message != error) ::_exit(kNotSticky);
    }
    auto done = writer.value()->finish();
    if (error.empty() && !done.ok()) error = done.error().message;
    if (error.empty()) ::_exit(kNoError);
    std::fprintf(stderr, "the writer's error: %s\n", error.c_str());
    ::_exit(error.find(path) == std::string::npos ? kErrorWithoutPath : kFoundError);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal "
                                 << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), kFoundError);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_LE(fs::file_size(path), limit);
}

TEST(MediaWriter, AFullDiskIsAnErrorNamingTheFile) {
  TempDir dir;
  // An MP4 cut short has no index (it goes at the end, and there is no room for it): only the error counts.
  ASSERT_NO_FATAL_FAILURE(expectFullDiskError(dir.file("full.mp4"), VideoContainer::kMp4H264, 256 * 1024));
}

TEST(MediaWriter, AWebmCutShortByAFullDiskPlaysWhatWasWritten) {
  if (!test::hasEncoder("libvpx-vp9")) GTEST_SKIP() << "FFmpeg has no libvpx-vp9 encoder";
  TempDir dir;
  const std::string path = dir.file("full.webm");
  ASSERT_NO_FATAL_FAILURE(expectFullDiskError(path, VideoContainer::kWebmVp9, 256 * 1024));
  auto times = test::decodeVideoTimes(path);
  ASSERT_TRUE(times.ok()) << times.error().message;
  EXPECT_GT(times.value().size(), 0u);
}

TEST(MediaWriter, RefusesFramesOfAnotherSize) {
  TempDir dir;
  auto writer = openOrFail(paramsFor(dir.file("size.mp4")));
  ASSERT_NE(writer, nullptr);
  auto status = writer->writeVideo(cv::Mat(120, 160, CV_8UC3, cv::Scalar::all(0)), 0);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("320x240"), std::string::npos) << status.error().message;
  // Not a file error: the recording goes on.
  EXPECT_TRUE(writer->writeVideo(syntheticFrame({320, 240}, 0), 0).ok());
  EXPECT_TRUE(writer->finish().ok());
}

}  // namespace
}  // namespace facefilter
