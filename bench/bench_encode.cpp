// Encoding rows: the recorder's encoder (media/MediaWriter) on its own, without detection or rendering:
// its cost per frame at 720p and 1080p (H.264 at the default settings, and VP9), and what the switch from
// OpenCV's MPEG-4 Part 2 writer (mp4v, what recordings were before) buys: the file's size for the same
// clip and the quality of what it holds (PSNR against the unencoded frames).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "media/media_writer.hpp"

namespace facefilter::bench {
namespace {

std::vector<cv::Mat> readFrames(const std::string& path, int maxFrames) {
  std::vector<cv::Mat> frames;
  cv::VideoCapture cap(path);
  for (cv::Mat f; static_cast<int>(frames.size()) < maxFrames && cap.read(f);) frames.push_back(f.clone());
  return frames;
}

struct Encoded {
  std::string error;
  Dist frameMs;       // writeVideo() per frame
  double wallMs = 0;  // every frame and finish()
  int64_t bytes = 0;
};

Encoded encode(const std::vector<cv::Mat>& frames, double fps, const EncoderSettings& encoder,
               const std::filesystem::path& out) {
  Encoded e;
  MediaWriterParams p;
  p.path = out;
  p.size = frames.front().size();
  p.frameRateHint = fps;
  p.encoder = encoder;
  const auto t0 = std::chrono::steady_clock::now();
  auto writer = MediaWriter::open(p);
  if (!writer) {
    e.error = writer.error().message;
    return e;
  }
  std::vector<double> ms;
  for (size_t i = 0; i < frames.size(); ++i) {
    const auto a = std::chrono::steady_clock::now();
    if (auto s =
            writer.value()->writeVideo(frames[i], static_cast<int64_t>(static_cast<double>(i) * 1e6 / fps));
        !s) {
      e.error = s.error().message;
      return e;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  if (auto s = writer.value()->finish(); !s) {
    e.error = s.error().message;
    return e;
  }
  e.wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  e.frameMs = summarise(ms);
  std::error_code ec;
  e.bytes = static_cast<int64_t>(std::filesystem::file_size(out, ec));
  return e;
}

// Mean PSNR of the file's frames against the originals (frames missing from the file count as 0 dB).
double meanPsnr(const std::filesystem::path& file, const std::vector<cv::Mat>& originals) {
  cv::VideoCapture cap(file.string());
  double sum = 0;
  size_t i = 0;
  for (cv::Mat f; i < originals.size() && cap.read(f); ++i) sum += cv::PSNR(f, originals[i]);
  return originals.empty() ? 0 : sum / static_cast<double>(originals.size());
}

void encodeCostRow(Report& report, const std::vector<cv::Mat>& frames, const EncoderSettings& encoder,
                   const std::string& label, const std::string& key, const std::filesystem::path& out) {
  const Encoded e = encode(frames, 30, encoder, out);
  if (!e.error.empty()) {
    report.skip(label + ": " + e.error);
    return;
  }
  const double perFrame = e.wallMs / static_cast<double>(frames.size());
  report.add({"encode", label, e.frameMs, "frame",
              fmt(perFrame, 2) + " ms a frame over " + std::to_string(frames.size()) +
                  " frames with the flush (x264/libvpx threads on every core)"});
  report.set(key, perFrame, 2);
  std::error_code ec;
  std::filesystem::remove(out, ec);
}

}  // namespace

void benchEncode(const Context& ctx, Report& report) {
  std::fprintf(stderr, "facefilter-bench: encoding (H.264, VP9, against mp4v) ...\n");
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const int count = ctx.quick ? 60 : 240;
  const std::vector<cv::Mat> frames720 = readFrames(ctx.video720Path, count);
  if (frames720.empty()) {
    report.skip("encoding rows: cannot read " + ctx.video720Path);
    return;
  }
  const EncoderSettings h264;  // the recorder's defaults
  encodeCostRow(report, frames720, h264,
                "H.264 (crf " + std::to_string(h264.crf) + ", " + h264.preset + "), 1280x720",
                "record_h264_ms_per_frame_720p", dir / "facefilter-bench-720.mp4");
  std::vector<cv::Mat> frames1080;
  for (const cv::Mat& f : frames720) {
    cv::Mat big;
    cv::resize(f, big, cv::Size(1920, 1080), 0, 0, cv::INTER_LINEAR);
    frames1080.push_back(big);
  }
  encodeCostRow(report, frames1080, h264,
                "H.264 (crf " + std::to_string(h264.crf) + ", " + h264.preset + "), 1920x1080",
                "record_h264_ms_per_frame_1080p", dir / "facefilter-bench-1080.mp4");
  EncoderSettings vp9;
  vp9.container = VideoContainer::kWebmVp9;
  encodeCostRow(report, frames720, vp9,
                "VP9 (crf " + std::to_string(vp9.crf) + ", " + vp9.preset + "), 1280x720",
                "record_vp9_ms_per_frame_720p", dir / "facefilter-bench-720.webm");

  // The whole demo clip both ways: size and quality.
  const std::vector<cv::Mat> demo = readFrames(ctx.demoPath, 100000);
  if (demo.empty()) {
    report.skip("size row: cannot read " + ctx.demoPath);
    return;
  }
  cv::VideoCapture probe(ctx.demoPath);
  const double fps = probe.get(cv::CAP_PROP_FPS) > 0 ? probe.get(cv::CAP_PROP_FPS) : 24.0;
  const std::filesystem::path ours = dir / "facefilter-bench-demo.mp4",
                              old = dir / "facefilter-bench-demo-mp4v.mp4";
  const Encoded h = encode(demo, fps, h264, ours);
  if (!h.error.empty()) {
    report.skip("size row: " + h.error);
    return;
  }
  {
    cv::VideoWriter w(old.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps,
                      demo.front().size());
    if (!w.isOpened()) {
      report.skip("size row: OpenCV's mp4v writer is not available");
      return;
    }
    for (const cv::Mat& f : demo) w.write(f);
  }
  std::error_code ec;
  const auto oldBytes = static_cast<double>(std::filesystem::file_size(old, ec));
  const double psnrOurs = meanPsnr(ours, demo), psnrOld = meanPsnr(old, demo);
  const double ratio = oldBytes > 0 ? static_cast<double>(h.bytes) / oldBytes : 0;
  report.addText(
      "encode", "demo clip " + std::to_string(demo.size()) + " frames, H.264 (defaults) against mp4v",
      fmt(static_cast<double>(h.bytes) / 1e6, 2) + " MB at " + fmt(psnrOurs, 2) + " dB PSNR against " +
          fmt(oldBytes / 1e6, 2) + " MB at " + fmt(psnrOld, 2) + " dB: size x" + fmt(ratio, 3));
  report.set("record_size_ratio_vs_mp4v", ratio, 3);
  report.set("record_psnr_h264_db", psnrOurs, 2);
  report.set("record_psnr_mp4v_db", psnrOld, 2);
  std::filesystem::remove(ours, ec);
  std::filesystem::remove(old, ec);
}

}  // namespace facefilter::bench
