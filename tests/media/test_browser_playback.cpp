// Recordings in a web browser: people share the files we write, and the one player they all have is the
// browser's <video> element. Headless Chromium opens a page next to the file that waits for the video,
// seeks, copies the sought frame into a <canvas>, plays on for half a second and logs what it saw as one
// JSON line on the console; the test checks that against the file as libavformat reads it.
//
// Chromium is not in scripts/install-deps.sh on purpose: it is hundreds of MB for this one check, too much
// for every CI run. Where it is missing (or $FACEFILTER_CHROMIUM names no program) the tests skip and say
// so; `apt-get install chromium` (Debian 12's build plays H.264/AAC and VP9/Opus) makes them run.
//
// Chromium's own --dump-dom and --screenshot cannot wait for the video: they fire at the page's load
// event, and with --virtual-time-budget the virtual clock runs past the media pipeline (readyState stays
// at HAVE_METADATA). So the page reports on the console and closes its window, which ends the browser.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "media/media_writer.hpp"
#include "media_probe.hpp"
#include "test_support.hpp"
#include "tone_clip.hpp"

namespace facefilter {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using test::TempDir;
using namespace std::chrono_literals;

constexpr const char* kCli = FACEFILTER_CLI_PATH;
constexpr const char* kResultTag = "FACEFILTER_RESULT ";
// A cold start on a loaded 2-core machine takes a few seconds; the page itself gives up after 15 s.
constexpr auto kBrowserTimeout = 40s;

std::optional<std::string> findChromium() {
  if (const char* env = std::getenv("FACEFILTER_CHROMIUM"); env != nullptr && *env != '\0') {
    if (::access(env, X_OK) == 0) return std::string(env);
    return std::nullopt;
  }
  const char* pathEnv = std::getenv("PATH");
  std::istringstream dirs(pathEnv != nullptr ? pathEnv : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
      const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
  }
  return std::nullopt;
}

#define FACEFILTER_SKIP_IF_NO_CHROMIUM(var)                                                               \
  const std::optional<std::string> var = findChromium();                                                  \
  if (!var) {                                                                                             \
    GTEST_SKIP() << "no Chromium (chromium, chromium-browser or google-chrome on PATH, or "               \
                    "$FACEFILTER_CHROMIUM): not installed in CI on purpose (too large); apt-get install " \
                    "chromium to run this check";                                                         \
  }

// The page: `video` is a file name next to it. The canvas copy is what the user would see at `seekS`; its
// mean tells a decoded picture from a black or missing one.
std::string pageHtml(const std::string& video, double seekS) {
  return R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>facefilter recording</title>
<style>body{font:13px sans-serif;margin:8px} video,canvas{width:360px;border:1px solid #888;vertical-align:top}</style>
</head><body>
<video id="v" src=")" +
         video + R"(" muted preload="auto"></video>
<canvas id="c"></canvas>
<pre id="out">waiting for the video</pre>
<script>
const SEEK = )" +
         std::to_string(seekS) + R"(;
const v = document.getElementById('v'), c = document.getElementById('c'), out = document.getElementById('out');
const r = {
  canPlayMp4: v.canPlayType('video/mp4; codecs="avc1.64001f, mp4a.40.2"'),
  canPlayWebm: v.canPlayType('video/webm; codecs="vp9, opus"'),
};
let reported = false;
function report() {
  if (reported) return;
  reported = true;
  out.textContent = Object.entries(r).map(([k, x]) => k + ': ' + JSON.stringify(x)).join('\n');
  console.log(')" +
         std::string(kResultTag) +
         R"(' + JSON.stringify(r));
  if (location.hash !== '#keep') window.close();
}
function audioSeen() {
  return v.mozHasAudio === true || v.webkitAudioDecodedByteCount > 0 ||
         (v.audioTracks !== undefined && v.audioTracks.length > 0);
}
v.addEventListener('error', () => { r.error = v.error ? v.error.code + ': ' + v.error.message : 'unknown'; report(); });
v.addEventListener('loadeddata', () => { v.currentTime = SEEK; }, {once: true});
v.addEventListener('seeked', () => {
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < d.length; i += 4) { sum[0] += d[i]; sum[1] += d[i + 1]; sum[2] += d[i + 2]; }
  const n = d.length / 4;
  r.duration = v.duration;
  r.width = v.videoWidth;
  r.height = v.videoHeight;
  r.currentTime = v.currentTime;
  r.meanRgb = sum.map(s => Math.round(s / n * 10) / 10);
  const from = v.currentTime;
  v.addEventListener('timeupdate', function onTime() {
    if (v.currentTime < from + 0.5) return;
    v.removeEventListener('timeupdate', onTime);
    v.pause();
    r.playedTo = v.currentTime;
    r.audio = audioSeen();
    r.audioDecodedBytes = v.webkitAudioDecodedByteCount;
    r.videoDecodedBytes = v.webkitVideoDecodedByteCount;
    report();
  });
  v.play().catch(e => { r.playError = String(e); report(); });
}, {once: true});
setTimeout(() => { r.timedOut = true; report(); }, 15000);
</script></body></html>
)";
}

struct BrowserRun {
  bool exited = false;  // false: killed after kBrowserTimeout
  std::string log;      // Chromium's stdout and stderr
  Json result;          // the page's report; null when it logged none
};

// Opens the page in headless Chromium and waits for the browser to end.
BrowserRun openInChromium(const std::string& chromium, const TempDir& dir, const std::string& page) {
  const std::string logPath = dir.file("chromium.log");
  const std::string url = "file://" + dir.file(page);
  std::vector<std::string> args = {
      chromium, "--headless", "--no-sandbox",  // root in containers; the page is our own
      "--disable-gpu", "--no-first-run", "--user-data-dir=" + dir.file("profile"),
      // The canvas reads the frame back: a file:// video would taint it otherwise.
      "--allow-file-access-from-files", "--autoplay-policy=no-user-gesture-required",
      // Console messages go to stderr only with logging on.
      "--enable-logging=stderr", "--v=0", "--window-size=1000,700", url};
  BrowserRun run;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return run;
  }
  if (pid == 0) {
    // Its own process group, so that the zygote and renderer children can be ended with it.
    ::setpgid(0, 0);
    const int fd = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no race with the child's own call
  const auto deadline = std::chrono::steady_clock::now() + kBrowserTimeout;
  int status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      run.exited = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  ::kill(-pid, SIGKILL);  // helpers that outlived the browser process

  run.log = test::readFile(logPath);
  std::istringstream lines(run.log);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(kResultTag);
    if (at == std::string::npos) continue;
    // The console line is `... "FACEFILTER_RESULT {json}", source: file:///...`.
    const auto begin = at + std::string(kResultTag).size();
    const auto end = line.rfind("\", source:");
    const std::string text =
        line.substr(begin, end == std::string::npos || end < begin ? std::string::npos : end - begin);
    run.result = Json::parse(text, nullptr, false);
    if (run.result.is_discarded()) run.result = Json();
    break;
  }
  return run;
}

std::string describe(const BrowserRun& run) {
  std::string tail = run.log.size() > 3000 ? run.log.substr(run.log.size() - 3000) : run.log;
  return (run.exited ? std::string("browser exited") : std::string("browser killed after the timeout")) +
         "; page reported: " + (run.result.is_null() ? std::string("nothing") : run.result.dump()) +
         "\n--- Chromium's log (end):\n" + tail;
}

double mean(const Json& rgb) {
  return (rgb.at(0).get<double>() + rgb.at(1).get<double>() + rgb.at(2).get<double>()) / 3;
}

// What every playable recording shows: no error, the file's duration and size, a picture at the sought
// time, playback moving on from there.
void expectPlayed(const BrowserRun& run, const test::MediaInfo& info, double seekS) {
  ASSERT_TRUE(run.result.is_object()) << describe(run);
  const Json& r = run.result;
  // In the test's log, for the record (docs/benchmarks.md quotes it).
  std::cout << "Chromium reported: " << r.dump() << "\n";
  ASSERT_FALSE(r.contains("error")) << describe(run);
  ASSERT_FALSE(r.contains("timedOut")) << describe(run);
  ASSERT_FALSE(r.contains("playError")) << describe(run);
  ASSERT_NE(info.video(), nullptr);
  const double frame = 1.0 / (info.video()->frameRate > 0 ? info.video()->frameRate : 25.0);
  EXPECT_NEAR(r.at("duration").get<double>(), info.durationSeconds, frame) << describe(run);
  EXPECT_EQ(r.at("width").get<int>(), info.video()->width);
  EXPECT_EQ(r.at("height").get<int>(), info.video()->height);
  EXPECT_NEAR(r.at("currentTime").get<double>(), seekS, 0.01);
  EXPECT_GT(mean(r.at("meanRgb")), 8.0) << "the sought frame is black: " << describe(run);
  EXPECT_GE(r.at("playedTo").get<double>(), seekS + 0.5);
}

// The app's and the CLI's recording of the demo clip (AC-3 sound, re-encoded to AAC), as people share it.
TEST(BrowserPlayback, TheCliRecordingOfTheDemoPlaysWithSound) {
  FACEFILTER_SKIP_IF_NO_CHROMIUM(chromium);
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string video = dir.file("demo.mp4");
  const std::string cmd = std::string("'") + kCli + "' run --input demo --max-frames 120 --model '" +
                          test::kTestModel + "' --device cpu --output '" + video + "' >'" +
                          dir.file("cli.log") + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << test::readFile(dir.file("cli.log"));
  auto info = test::probeMedia(video);
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_NE(info.value().video(), nullptr);
  ASSERT_EQ(info.value().video()->codec, "h264");
  ASSERT_NE(info.value().audio(), nullptr) << "the demo clip's sound is missing from the recording";
  EXPECT_EQ(info.value().audio()->codec, "aac");

  constexpr double kSeekS = 2.0;
  test::writeFile(dir.file("page.html"), pageHtml("demo.mp4", kSeekS));
  const BrowserRun run = openInChromium(*chromium, dir, "page.html");
  EXPECT_TRUE(run.exited) << describe(run);
  EXPECT_EQ(run.result.value("canPlayMp4", ""), "probably") << describe(run);
  expectPlayed(run, info.value(), kSeekS);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(run.result.at("audio").get<bool>()) << "no sound decoded: " << describe(run);

  // The browser's picture is the file's frame at that time (colour conversions differ by a level or two).
  auto times = test::decodeVideoTimes(video);
  ASSERT_TRUE(times.ok()) << times.error().message;
  int index = 0;
  for (size_t i = 0; i < times.value().size(); ++i) {
    if (times.value()[i] <= kSeekS + 1e-3) index = static_cast<int>(i);
  }
  auto frame = test::decodeVideoFrame(video, index);
  ASSERT_TRUE(frame.ok()) << frame.error().message;
  const cv::Scalar m = cv::mean(frame.value());
  EXPECT_NEAR(mean(run.result.at("meanRgb")), (m[0] + m[1] + m[2]) / 3, 4.0) << describe(run);
}

// Flat frames whose grey level steps with the index: the browser must show the frame the timestamps put
// at the sought time, not a neighbour; a tone written as PCM must come out as decodable sound.
class BrowserPlaybackWriter : public ::testing::TestWithParam<VideoContainer> {};

int greyOf(int index) {
  return 40 + (index * 9) % 180;
}

TEST_P(BrowserPlaybackWriter, SeeksToTheFrameItsTimestampsSay) {
  FACEFILTER_SKIP_IF_NO_CHROMIUM(chromium);
  const VideoContainer container = GetParam();
  if (container == VideoContainer::kWebmVp9 && !test::hasEncoder("libvpx-vp9")) {
    GTEST_SKIP() << "FFmpeg has no libvpx-vp9 encoder";
  }
  TempDir dir;
  const std::string name = "clip" + containerExtension(container);
  MediaWriterParams params;
  params.path = dir.file(name);
  params.size = {320, 240};
  params.frameRateHint = 25;
  params.encoder.container = container;
  params.audioPcm = AudioPcmIn{48000, 2};
  auto opened = MediaWriter::open(params);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto writer = std::move(opened).value();

  constexpr int kFrames = 75;  // 3 s at 25 frames/s
  std::vector<float> tone(480 * 2);
  for (int chunk = 0; chunk < kFrames * 4; ++chunk) {  // 10 ms chunks, as a microphone delivers them
    for (int i = 0; i < 480; ++i) {
      const double t = (chunk * 480 + i) / 48000.0;
      tone[static_cast<size_t>(i) * 2] = tone[static_cast<size_t>(i) * 2 + 1] =
          static_cast<float>(0.4 * std::sin(2 * std::numbers::pi * 440 * t));
    }
    ASSERT_TRUE(writer->writeAudioSamples(tone.data(), 480, chunk * 10000).ok());
  }
  for (int i = 0; i < kFrames; ++i) {
    const cv::Mat frame(params.size, CV_8UC3, cv::Scalar::all(greyOf(i)));
    ASSERT_TRUE(writer->writeVideo(frame, i * 40000).ok());
  }
  ASSERT_TRUE(writer->finish().ok());
  auto info = test::probeMedia(params.path.string());
  ASSERT_TRUE(info.ok()) << info.error().message;

  constexpr double kSeekS = 2.02;  // inside frame 50's 40 ms, away from a boundary
  test::writeFile(dir.file("page.html"), pageHtml(name, kSeekS));
  const BrowserRun run = openInChromium(*chromium, dir, "page.html");
  EXPECT_TRUE(run.exited) << describe(run);
  expectPlayed(run, info.value(), kSeekS);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(run.result.at("audio").get<bool>()) << "no sound decoded: " << describe(run);
  // Neighbouring frames differ by 9 levels.
  EXPECT_NEAR(mean(run.result.at("meanRgb")), greyOf(50), 3.0) << describe(run);
}

INSTANTIATE_TEST_SUITE_P(Containers, BrowserPlaybackWriter,
                         ::testing::Values(VideoContainer::kMp4H264, VideoContainer::kWebmVp9),
                         [](const auto& info) {
                           return info.param == VideoContainer::kMp4H264 ? std::string("Mp4H264")
                                                                         : std::string("WebmVp9");
                         });

}  // namespace
}  // namespace facefilter
