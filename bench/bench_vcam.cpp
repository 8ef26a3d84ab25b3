// Virtual camera rows: the conversion on its own (BGRA bottom-up -> YUYV/YU12, vcam/frame_convert), and the
// target run: the app live on the 1280x720 demo clip at 30 fps with sunglasses, its virtual camera at
// 1280x720@30 writing with write(2) into /dev/null (the device's write path; --virtual-camera-file), for
// 3,000 camera frames. The app runs as a child process (it needs a display: xvfb-run); its virtual camera
// reports sent/repeated/dropped in its log line at the end, read back here.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "vcam/frame_convert.hpp"

namespace facefilter::bench {
namespace {

constexpr int kTargetFrames = 3000;  // camera frames in the target run (100 s at 30 fps)

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The demo clip's first frame as the app reads it back: BGRA, bottom row first.
cv::Mat demoPicture(const Context& ctx, cv::Size size) {
  cv::VideoCapture cap(ctx.demoPath);
  cv::Mat frame;
  if (!cap.read(frame)) frame = cv::Mat(528, 720, CV_8UC3, cv::Scalar(90, 120, 150));
  if (size.width > 0) cv::resize(frame, frame, size, 0, 0, cv::INTER_LINEAR);
  cv::Mat bgra, flipped;
  cv::cvtColor(frame, bgra, cv::COLOR_BGR2BGRA);
  cv::flip(bgra, flipped, 0);
  return flipped;
}

Dist timeConvert(const cv::Mat& picture, const VcamFrameFormat& format, int reps) {
  FrameConverter converter;
  std::vector<uint8_t> out;
  converter.convert(picture, format, out);  // warm: buffers sized
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    converter.convert(picture, format, out);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return summarise(ms);
}

void benchConvert(const Context& ctx, Report& report) {
  const int reps = ctx.quick ? 30 : 300;
  const VcamFrameFormat yuyv{VcamPixelFormat::kYuyv, 1280, 720};
  const Dist same = timeConvert(demoPicture(ctx, {1280, 720}), yuyv, reps);
  report.add({"vcam", "convert 1280x720 BGRA (bottom-up) -> YUYV 1280x720, BT.601 limited", same, "frame",
              "one thread"});
  report.set("vcam_convert_ms_720p", same.median, 3);
  const Dist yu12 = timeConvert(demoPicture(ctx, {1280, 720}), {VcamPixelFormat::kYu12, 1280, 720}, reps);
  report.add({"vcam", "convert 1280x720 BGRA -> YU12 (I420) 1280x720", yu12, "frame", "one thread"});
  report.set("vcam_convert_ms_720p_yu12", yu12.median, 3);
  const Dist scaled = timeConvert(demoPicture(ctx, {}), yuyv, reps);
  report.add({"vcam", "convert the demo clip's 720x528 -> YUYV 1280x720 (scaled, pillar-boxed)", scaled,
              "frame", "cv::resize + conversion"});
  report.set("vcam_convert_ms_528_to_720p", scaled.median, 3);
}

struct CameraRun {
  std::string error;
  double sent = 0, repeated = 0, dropped = 0, convertMs = 0, seconds = 0;
};

// The app's last virtual-camera line: "... stopped sending to X: N sent, R repeated, D dropped".
CameraRun readCameraLog(const std::filesystem::path& log) {
  CameraRun run;
  std::ifstream in(log);
  const std::regex line(R"(stopped sending to .*: (\d+) sent, (\d+) repeated, (\d+) dropped)");
  std::smatch m;
  bool found = false;
  for (std::string text; std::getline(in, text);) {
    if (std::regex_search(text, m, line)) {
      run.sent = std::stod(m[1].str());
      run.repeated = std::stod(m[2].str());
      run.dropped = std::stod(m[3].str());
      found = true;
    }
  }
  if (!found) run.error = "the app's log " + log.string() + " has no virtual camera summary";
  return run;
}

void benchTargetRun(const Context& ctx, Report& report) {
  if (ctx.appPath.empty() || !std::filesystem::exists(ctx.appPath)) {
    report.skip("vcam target run: no facefilter app at '" + ctx.appPath + "' (--app)");
    return;
  }
  if (const char* d = std::getenv("DISPLAY"); d == nullptr || *d == '\0') {
    report.skip("vcam target run: needs a display (run under xvfb-run -a)");
    return;
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path clip = dir / "facefilter-bench-vcam-1280x720-30fps.avi";
  if (const std::string err = makeUpscaledClip(ctx.demoPath, clip.string(), 30); !err.empty()) {
    report.skip("vcam target run: " + err);
    return;
  }
  const int frames = ctx.quick ? 300 : kTargetFrames;
  // The app runs until SIGTERM (it then stops its camera and logs the summary); the camera's frames are
  // counted by time: frames / 30 fps, plus the start-up before the first picture.
  const double seconds = frames / 30.0;
  const std::filesystem::path log = dir / "facefilter-bench-vcam.log";
  std::fprintf(stderr, "facefilter-bench: virtual camera (the app, 1280x720@30 -> /dev/null), %.0f s ...\n",
               seconds);
  const std::string cmd =
      "timeout -s TERM " + std::to_string(static_cast<int>(seconds) + 15) + " " + quoted(ctx.appPath) +
      " --input " + quoted(clip.string()) +
      " --loop --filter sunglasses --window-size 1280x720 --vsync off --no-config "
      "--virtual-camera auto --virtual-camera-file /dev/null --virtual-camera-size 1280x720 "
      "--virtual-camera-fps 30 --log-level info >/dev/null 2>" +
      quoted(log.string());
  // The camera starts once the app is up (model, first frame): the time limit leaves it 15 s for that; the
  // figures below are the camera's own counts, whatever the start took.
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(cmd.c_str());
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  std::filesystem::remove(clip, ec);
  CameraRun run = readCameraLog(log);
  if (!run.error.empty()) {
    report.skip("vcam target run: '" + cmd + "' (status " + std::to_string(rc) + "): " + run.error);
    return;
  }
  std::filesystem::remove(log, ec);
  const double written = run.sent + run.repeated;
  Dist none;
  none.count = static_cast<size_t>(written);
  report.add({"vcam",
              "app live: 1280x720@30 demo, sunglasses, virtual camera 1280x720@30 YUYV -> write(2) /dev/null",
              none, "frame",
              fmt(written, 0) + " frames written in " + fmt(wall, 0) + " s: " + fmt(run.sent, 0) + " new, " +
                  fmt(run.repeated, 0) + " repeated, " + fmt(run.dropped, 0) + " dropped"});
  report.set("vcam_frames_written_720p30", written, 0);
  report.set("vcam_frames_sent_720p30", run.sent, 0);
  report.set("vcam_frames_repeated_720p30", run.repeated, 0);
  report.set("vcam_frames_dropped_720p30", run.dropped, 0);
}

}  // namespace

void benchVirtualCamera(const Context& ctx, Report& report) {
  benchConvert(ctx, report);
  benchTargetRun(ctx, report);
}

}  // namespace facefilter::bench
