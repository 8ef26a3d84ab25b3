// Reliability of the desktop app's headless parts (no display needed): the recorder when its path is
// unwritable or the disk fills up mid-recording (the part recorded is finalised and playable, and the
// recorder says why it stopped), and config files that are invalid or partly invalid (defaults for the bad
// values, each named exactly once).

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/videoio.hpp>

#include "media/recorder.hpp"
#include "settings/app_config.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

// Noise compresses badly, so a few frames fill a small disk.
cv::Mat noiseFrame(cv::Size size, int seed) {
  cv::Mat bgra(size, CV_8UC4);
  cv::RNG rng(static_cast<uint64_t>(seed) + 1);
  rng.fill(bgra, cv::RNG::UNIFORM, 0, 256);
  return bgra;
}

RecorderParams params(const std::filesystem::path& path, DropPolicy policy = DropPolicy::kBlock) {
  RecorderParams p;
  p.path = path;
  p.size = {160, 120};
  p.fps = 25;
  p.policy = policy;
  p.landmarkSidecar = true;
  return p;
}

// Records up to 400 noise frames; returns the summary.
RecorderSummary recordUntilFull(const std::filesystem::path& path) {
  auto r = Recorder::start(params(path));
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  for (int i = 0; i < 400 && !r.value()->failed(); ++i)
    r.value()->push(noiseFrame({160, 120}, i), i * 40'000'000LL, false, "{\"frame\": 1}");
  return r.value()->stop();
}

void expectFinalisedAfterDiskFull(const RecorderSummary& s) {
  EXPECT_THAT(s.error, HasSubstr("disk full"));
  EXPECT_THAT(s.error, HasSubstr(s.path.string()));
  EXPECT_GT(s.framesWritten, 0u);
  EXPECT_LT(s.framesWritten, 400u);
  EXPECT_EQ(test::countDecodableFrames(s.path.string()), static_cast<int>(s.framesWritten))
      << "the frames written before the disk filled are in a finalised, playable file";
}

TEST(ReliabilityRecorder, UnwritablePathIsAnErrorNamingIt) {
  TempDir dir;
  for (const std::filesystem::path& bad : {std::filesystem::path("/proc/facefilter/out.mp4"), dir.path()}) {
    auto r = Recorder::start(params(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error().message, HasSubstr(bad.string()));
  }
  auto zero = Recorder::start([&] {
    auto p = params(dir.path() / "zero.mp4");
    p.size = {0, 0};
    return p;
  }());
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.error().message, HasSubstr("no frame size"));
}

TEST(ReliabilityRecorder, DiskFullOnTmpfsFinalisesThePlayableFile) {
  TempDir dir;
  const auto mnt = dir.path() / "small-disk";
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m") != 0) {
    GTEST_SKIP() << "cannot mount a 2 MiB tmpfs (" << std::strerror(errno)
                 << "): needs root; FileSizeLimitFinalisesThePlayableFile covers the same path";
  }
  const RecorderSummary s = recordUntilFull(mnt / "out.mp4");
  expectFinalisedAfterDiskFull(s);
  ::umount2(mnt.c_str(), MNT_DETACH);
}

TEST(ReliabilityRecorder, FileSizeLimitFinalisesThePlayableFile) {
  TempDir dir;
  const auto path = dir.path() / "out.mp4";
  // In a child with RLIMIT_FSIZE (SIGXFSZ ignored: writes past it fail with EFBIG, as on a full disk).
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {
      2u << 20, 2u << 20
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    auto r = Recorder::start(params(path));
    if (!r.ok()) ::_exit(10);
    for (int i = 0; i < 400 && !r.value()->failed(); ++i)
      r.value()->push(noiseFrame({160, 120}, i), i * 40'000'000LL);
    const RecorderSummary s = r.value()->stop();
    std::FILE* f = std::fopen((dir.path() / "written.txt").c_str(), "w");
    std::fprintf(f, "%llu\n%s\n", static_cast<unsigned long long>(s.framesWritten), s.error.c_str());
    std::fclose(f);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  RecorderSummary s;
  s.path = path;
  const std::string report = test::readFile((dir.path() / "written.txt").string());
  s.framesWritten = std::stoull(report);
  s.error = report.substr(report.find('\n') + 1);
  expectFinalisedAfterDiskFull(s);
}

TEST(ReliabilityRecorder, LiveRecordingThatFitsReportsNoError) {
  TempDir dir;
  auto r = Recorder::start(params(dir.path() / "ok.mp4", DropPolicy::kDropWhenFull));
  ASSERT_TRUE(r.ok()) << r.error().message;
  for (int i = 0; i < 10; ++i) r.value()->push(noiseFrame({160, 120}, i), i * 40'000'000LL);
  r.value()->push(noiseFrame({100, 100}, 0), 400'000'000LL);  // a size change is dropped, not written
  const RecorderSummary s = r.value()->stop();
  EXPECT_TRUE(s.error.empty()) << s.error;
  EXPECT_FALSE(r.value()->failed());
  EXPECT_EQ(s.framesWritten + s.framesDropped, 11u);
  EXPECT_EQ(test::countDecodableFrames(s.path.string()), static_cast<int>(s.framesWritten));
}

// ---------------------------------------------------------------------------------------------
// Config files

TEST(ReliabilityConfig, NotJsonIsAnErrorAndTheCallerKeepsDefaults) {
  TempDir dir;
  for (const std::string& text : {std::string("{\"source\": "), std::string("\x89PNG garbage"),
                                  std::string("[1, 2]"), std::string("")}) {
    test::writeFile(dir.file("config.json"), text);
    auto loaded = loadConfig(dir.file("config.json"));
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_THAT(loaded.error().message, HasSubstr(dir.file("config.json")));
  }
}

TEST(ReliabilityConfig, EachBadValueIsNamedOnceAndTheGoodOnesKept) {
  const std::string text = R"({"source": 42, "model": ["a"], "device": "tpu", "scale_factor": "big",
    "min_neighbors": 1.5, "detect_scale": 0, "detect_interval": 5, "smoothing": "yes", "filters": "hat",
    "hold_video_frames": 99, "record_fps": -1, "record_queue_frames": 0, "window_width": 100000,
    "colour": "red", "window_height": 600, "record_dir": ["not", "a", "path"]})";
  auto parsed = parseConfig(text, "cfg.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const std::vector<std::string> bad = {"source",        "model",
                                        "device",        "scale_factor",
                                        "min_neighbors", "detect_scale",
                                        "smoothing",     "hold_video_frames",
                                        "record_fps",    "record_queue_frames",
                                        "window_width",  "colour",
                                        "record_dir"};
  std::map<std::string, int> named;
  for (const auto& w : parsed->warnings) {
    const auto open = w.find('\''), close = w.find('\'', open + 1);
    ASSERT_NE(close, std::string::npos) << w;
    ++named[w.substr(open + 1, close - open - 1)];
  }
  for (const auto& key : bad) EXPECT_EQ(named[key], 1) << key << " should be named exactly once";
  const AppConfig defaults;
  const AppConfig& c = parsed->config;
  EXPECT_EQ(c.source, defaults.source);
  EXPECT_EQ(c.device, "auto");
  EXPECT_EQ(c.windowWidth, defaults.windowWidth);
  EXPECT_EQ(c.tracker.detectIntervalFrames, 5) << "good values are kept";
  EXPECT_EQ(c.view.filters, "hat");
  EXPECT_EQ(c.windowHeight, 600);
  // A saved config always loads back without warnings.
  auto again = parseConfig(serializeConfig(c), "again.json");
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->warnings.empty()) << again->warnings.front();
}

}  // namespace
}  // namespace facefilter
