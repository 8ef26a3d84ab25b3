// facefilter-bench's decode section (issue 18): our capture path against a plain cv::VideoCapture loop on
// 1920x1080 clips of four faces (MJPEG and H.264), a camera's 1280x720 MJPG frames through our TurboJPEG
// decoder against cv::imdecode, and (latency section) capture-to-result with MJPG frames arriving at 30 fps
// and decoded on the capture thread, as a camera's are.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <thread>

#include <turbojpeg.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"
#include "engine/capture/capture_thread.hpp"
#include "engine/capture/jpeg_decode.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/pipeline/face_pipeline.hpp"

namespace facefilter::bench {
namespace {

constexpr int kClipFrames = 240;
constexpr double kCameraFps = 30;

const Clock& clk() {
  return SteadyClock::instance();
}

// CPU time of the calling thread, ns: the work one core did, whatever else the machine runs meanwhile.
int64_t threadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The clip: the demo's first 240 frames tiled 2 x 2 into 1920x1080 (each 960x540, aspect kept,
// pillar-boxed), four faces at once. Returns an error message or "".
std::string makeFourFaceClip1080(const std::string& src, const std::string& dst, int fourcc) {
  cv::VideoCapture in(src);
  if (!in.isOpened()) return "cannot open " + src;
  const double fps = in.get(cv::CAP_PROP_FPS) > 0 ? in.get(cv::CAP_PROP_FPS) : 24.0;
  cv::VideoWriter out(dst, cv::CAP_FFMPEG, fourcc, fps, cv::Size(1920, 1080));
  if (!out.isOpened()) return "cannot write " + dst + " (no such encoder in OpenCV's FFmpeg?)";
  cv::Mat frame, scaled;
  cv::Mat canvas(1080, 1920, CV_8UC3);
  for (int n = 0; n < kClipFrames && in.read(frame); ++n) {
    const double s = 540.0 / frame.rows;
    cv::resize(frame, scaled, cv::Size(static_cast<int>(std::lround(frame.cols * s)), 540), 0, 0,
               cv::INTER_LINEAR);
    canvas.setTo(cv::Scalar(0, 0, 0));
    for (int k = 0; k < 4; ++k) {
      const int x = (k % 2) * 960 + (960 - scaled.cols) / 2, y = (k / 2) * 540;
      scaled.copyTo(canvas(cv::Rect(x, y, scaled.cols, scaled.rows)));
    }
    out.write(canvas);
  }
  return "";
}

struct DecodeTiming {
  std::vector<double> ms;  // per frame
  double wallMs = 0;       // the whole file
};

// Our capture path as `facefilter-cli run` drives it: a CaptureThread reads a VideoFileSource into the
// no-drop queue as fast as it can; the consumer holds each frame until it takes the next, as the engine
// does. Per frame: the decode time the capture thread measured (Frame::decodeNs, the CLI's decode row).
DecodeTiming timeCapturePath(const std::string& path) {
  DecodeTiming t;
  SourceSpec spec;
  spec.kind = SourceKind::kVideoFile;
  spec.path = path;
  auto source = VideoFileSource::open(path);
  if (!source) return t;
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  CaptureThread capture(spec, std::move(source).value(), params);
  const int64_t start = clk().nowNs();
  capture.start();
  FramePtr held;
  for (;;) {
    auto frame = capture.next(std::chrono::milliseconds(200));
    if (!frame) {
      if (capture.finished()) break;
      continue;
    }
    held = std::move(*frame);
    t.ms.push_back(nsToMs(held->decodeNs));
  }
  t.wallMs = nsToMs(clk().nowNs() - start);
  return t;
}

// The plain loop: cv::VideoCapture::read into one image and a clone of it per frame, one thread.
DecodeTiming timePlainLoop(const std::string& path) {
  DecodeTiming t;
  cv::VideoCapture capture(path, cv::CAP_FFMPEG);
  if (!capture.isOpened()) return t;
  cv::Mat frame, kept;
  const int64_t start = clk().nowNs();
  for (;;) {
    const int64_t t0 = clk().nowNs();
    if (!capture.read(frame) || frame.empty()) break;
    kept = frame.clone();
    t.ms.push_back(nsToMs(clk().nowNs() - t0));
  }
  t.wallMs = nsToMs(clk().nowNs() - start);
  return t;
}

// Frames per second over whole files: the ratio of the two paths is taken from these, not from the per-frame
// medians, which a loaded machine splits into frames decoded at once and frames that waited for a core.
double fpsOf(const std::vector<DecodeTiming>& runs) {
  double ms = 0;
  size_t frames = 0;
  for (const auto& r : runs) {
    ms += r.wallMs;
    frames += r.ms.size();
  }
  return ms > 0 ? static_cast<double>(frames) / (ms / 1000.0) : 0.0;
}

std::vector<double> allSamples(const std::vector<DecodeTiming>& runs) {
  std::vector<double> all;
  for (const auto& r : runs) all.insert(all.end(), r.ms.begin(), r.ms.end());
  return all;
}

// A webcam's 1280x720 MJPG frames: the upscaled demo with sensor noise (sigma 3 grey levels, as the
// synthetic clips have), JPEG quality 90 with 4:2:2 chroma, as UVC cameras send them.
std::vector<std::vector<uint8_t>> cameraLikeJpegs(const std::string& video720, size_t count) {
  std::vector<std::vector<uint8_t>> jpegs;
  cv::VideoCapture in(video720, cv::CAP_FFMPEG);
  tjhandle encoder = tjInitCompress();
  if (!in.isOpened() || !encoder) {
    if (encoder) tjDestroy(encoder);
    return jpegs;
  }
  cv::RNG rng(18);
  cv::Mat frame, noise(720, 1280, CV_16SC3), noisy16, noisy;
  while (jpegs.size() < count && in.read(frame)) {
    if (frame.size() != cv::Size(1280, 720)) break;
    rng.fill(noise, cv::RNG::NORMAL, 0, 3.0);
    frame.convertTo(noisy16, CV_16SC3);
    noisy16 += noise;
    noisy16.convertTo(noisy, CV_8UC3);
    unsigned char* buf = nullptr;
    unsigned long size = 0;
    if (tjCompress2(encoder, noisy.data, noisy.cols, static_cast<int>(noisy.step), noisy.rows, TJPF_BGR, &buf,
                    &size, TJSAMP_422, 90, 0) == 0) {
      jpegs.emplace_back(buf, buf + size);
    }
    tjFree(buf);
  }
  tjDestroy(encoder);
  return jpegs;
}

double meanKb(const std::vector<std::vector<uint8_t>>& jpegs) {
  double bytes = 0;
  for (const auto& j : jpegs) bytes += static_cast<double>(j.size());
  return jpegs.empty() ? 0.0 : bytes / static_cast<double>(jpegs.size()) / 1024.0;
}

void benchCameraMjpg(const Context& ctx, Report& report) {
  const std::vector<std::vector<uint8_t>> jpegs = cameraLikeJpegs(ctx.video720Path, ctx.quick ? 30 : 120);
  if (jpegs.empty()) {
    report.skip("mjpg_decode_ms_720p: could not make the 1280x720 JPEG frames from " + ctx.video720Path);
    return;
  }
  auto decoder = JpegDecoder::create();
  if (!decoder) {
    report.skip("mjpg_decode_ms_720p: " + decoder.error().message);
    return;
  }
  const int rounds = ctx.quick ? 1 : 3;
  std::vector<double> oursMs, oursCpuMs, cvMs, cvCpuMs;
  cv::Mat previous, decoded, kept;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& j : jpegs) {  // ours: into the pool, the previous frame still held downstream
      const int64_t c0 = threadCpuNs(), t0 = clk().nowNs();
      auto bgr = decoder->decode(j.data(), j.size(), cv::Size(1280, 720));
      const int64_t t1 = clk().nowNs(), c1 = threadCpuNs();
      if (!bgr) {
        report.skip("mjpg_decode_ms_720p: " + bgr.error().message);
        return;
      }
      previous = std::move(bgr).value();
      oursMs.push_back(nsToMs(t1 - t0));
      oursCpuMs.push_back(nsToMs(c1 - c0));
    }
    // OpenCV's own V4L2 path for MJPG: cv::imdecode into its frame, then read() hands out a copy.
    for (const auto& j : jpegs) {
      const int64_t c0 = threadCpuNs(), t0 = clk().nowNs();
      cv::imdecode(cv::Mat(1, static_cast<int>(j.size()), CV_8UC1, const_cast<uint8_t*>(j.data())),
                   cv::IMREAD_COLOR, &decoded);
      kept = decoded.clone();
      const int64_t t1 = clk().nowNs(), c1 = threadCpuNs();
      cvMs.push_back(nsToMs(t1 - t0));
      cvCpuMs.push_back(nsToMs(c1 - c0));
    }
  }
  const Dist ours = summarise(oursMs), viaCv = summarise(cvMs);
  const double oursCpu = summarise(oursCpuMs).median, cvCpu = summarise(cvCpuMs).median;
  const std::string frames = std::to_string(jpegs.size()) + " frames of " + fmt(meanKb(jpegs), 0) +
                             " KB (demo upscaled + noise sigma 3, q90, 4:2:2) x " + std::to_string(rounds);
  report.add({"decode", "camera MJPG 1280x720: JpegDecoder (TurboJPEG, pooled buffer), one thread", ours,
              "frame", "CPU " + fmt(oursCpu, 2) + " ms median; " + frames});
  report.add({"decode", "camera MJPG 1280x720: cv::imdecode + copy out (OpenCV's V4L2 path), one thread",
              viaCv, "frame", "CPU " + fmt(cvCpu, 2) + " ms median"});
  report.set("mjpg_decode_ms_720p", ours.median);
  report.set("mjpg_decode_cpu_ms_720p", oursCpu);
  report.set("mjpg_imdecode_ms_720p", viaCv.median);
  report.set("mjpg_decode_ratio_vs_imdecode", viaCv.median > 0 ? ours.median / viaCv.median : 0.0, 2);
}

// A camera's MJPG stream, emulated: JPEG frames that "arrive" at 30 fps (read() waits for the next one), each
// stamped with its arrival time as a driver stamps its buffers, then decoded on the capture thread as
// CameraSource decodes them; so capture-to-result counts the decode, as it does for a real camera.
class PacedMjpegSource final : public FrameSource {
 public:
  PacedMjpegSource(const std::vector<std::vector<uint8_t>>& jpegs, JpegDecoder decoder, size_t frames)
      : jpegs_(jpegs), decoder_(std::move(decoder)), frames_(frames), startNs_(clk().nowNs()) {}

  ReadResult read() override {
    ReadResult r;
    if (next_ >= frames_) {
      r.status = ReadStatus::kEndOfStream;
      return r;
    }
    const int64_t dueNs = startNs_ + static_cast<int64_t>(static_cast<double>(next_) * 1e9 / kCameraFps);
    const int64_t waitNs = dueNs - clk().nowNs();
    if (waitNs > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(waitNs));
    // The driver stamps the frame when it is complete (due), however late we dequeue it.
    const int64_t arrivedNs = dueNs;
    const auto& jpeg = jpegs_[next_ % jpegs_.size()];
    ++next_;
    const int64_t t0 = clk().nowNs();
    auto bgr = decoder_.decode(jpeg.data(), jpeg.size());
    if (!bgr) {
      r.status = ReadStatus::kFailed;
      r.error = bgr.error().message;
      return r;
    }
    r.status = ReadStatus::kFrame;
    r.image = std::move(bgr).value();
    r.captureNs = arrivedNs;
    r.decodeNs = clk().nowNs() - t0;
    return r;
  }
  SourceInfo info() const override {
    SourceInfo i;
    i.description = "emulated camera: 1280x720 MJPG at 30 fps";
    i.live = true;
    i.fps = kCameraFps;
    i.width = 1280;
    i.height = 720;
    return i;
  }

 private:
  const std::vector<std::vector<uint8_t>>& jpegs_;
  JpegDecoder decoder_;
  size_t frames_;
  size_t next_ = 0;
  int64_t startNs_;
};

}  // namespace

void benchDecode(const Context& ctx, Report& report) {
  std::fprintf(stderr, "facefilter-bench: decode ...\n");
  for (const auto& [path, name] :
       {std::pair{ctx.demoPath, std::string("demo clip 720x528 (MPEG-4 part 2)")},
        std::pair{ctx.video720Path, std::string("demo upscaled 1280x720 (MJPEG)")}}) {
    auto src = VideoFileSource::open(path);
    if (!src) {
      report.skip("decode " + name + ": " + src.error().message);
      continue;
    }
    std::vector<double> ms;
    cv::Mat held;  // the consumer holds the previous frame, as the engine does
    for (;;) {
      const int64_t t0 = clk().nowNs();
      ReadResult r = src.value()->read();
      if (r.status != ReadStatus::kFrame) break;
      ms.push_back(nsToMs(clk().nowNs() - t0));
      held = std::move(r.image);
    }
    report.add({"decode", name, summarise(ms), "frame", "VideoFileSource::read (FFmpeg), one thread"});
  }

  // 1920x1080, four faces: ours and the plain loop in turn, the order switched each round, so that the
  // machine's other load falls on both alike.
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  struct Codec {
    std::string name, key, file;
    int fourcc;
  };
  const Codec codecs[] = {{"MJPEG", "mjpeg", "facefilter-bench-1080p-4faces-mjpeg.avi",
                           cv::VideoWriter::fourcc('M', 'J', 'P', 'G')},
                          {"H.264", "h264", "facefilter-bench-1080p-4faces-h264.mp4",
                           cv::VideoWriter::fourcc('a', 'v', 'c', '1')}};
  const int rounds = ctx.quick ? 1 : 3;
  double worstRatio = 0;
  for (const Codec& c : codecs) {
    const std::string clip = (dir / c.file).string();
    if (const std::string err = makeFourFaceClip1080(ctx.demoPath, clip, c.fourcc); !err.empty()) {
      report.skip("decode_ms_1080p_" + c.key + ": " + err);
      continue;
    }
    std::fprintf(stderr, "facefilter-bench: decode 1920x1080 %s, ours and the plain loop, %d round(s) ...\n",
                 c.name.c_str(), rounds);
    std::vector<DecodeTiming> ours, plain;
    for (int round = 0; round < rounds; ++round) {
      if (round % 2 == 0) {
        ours.push_back(timeCapturePath(clip));
        plain.push_back(timePlainLoop(clip));
      } else {
        plain.push_back(timePlainLoop(clip));
        ours.push_back(timeCapturePath(clip));
      }
    }
    std::error_code ec;
    std::filesystem::remove(clip, ec);
    const Dist o = summarise(allSamples(ours)), p = summarise(allSamples(plain));
    if (o.count == 0 || p.count == 0) {
      report.skip("decode_ms_1080p_" + c.key + ": the clip did not decode");
      continue;
    }
    const double oursFps = fpsOf(ours), plainFps = fpsOf(plain);
    const double ratio = oursFps > 0 ? plainFps / oursFps : 0.0;  // time per frame, ours / plain
    worstRatio = std::max(worstRatio, ratio);
    const std::string what =
        "1920x1080 four faces, " + c.name + ", " + std::to_string(kClipFrames) + " frames";
    report.add({"decode", what + ": capture thread (VideoFileSource, pooled buffers, consumer holds a frame)",
                o, "frame",
                fmt(oursFps, 1) + " frames/s wall; " + fmt(ratio, 2) + "x the plain loop's time per frame"});
    report.add(
        {"decode", what + ": plain loop (cv::VideoCapture::read + clone, one thread)", p, "frame",
         fmt(plainFps, 1) + " frames/s wall; " + std::to_string(rounds) + " round(s) each, interleaved"});
    report.set("decode_ms_1080p_" + c.key, o.median);
    report.set("plain_loop_ms_1080p_" + c.key, p.median);
    report.set("decode_ratio_1080p_" + c.key, ratio, 2);
  }
  if (worstRatio > 0) report.set("decode_ratio_vs_plain_loop", worstRatio, 2);  // the worse codec's

  benchCameraMjpg(ctx, report);
}

void benchLatencyMjpgCamera(const Context& ctx, const KeypointModel& model, Report& report) {
  std::fprintf(
      stderr, "facefilter-bench: capture-to-result latency (emulated MJPG camera, 1280x720 at 30 fps) ...\n");
  const std::vector<std::vector<uint8_t>> jpegs = cameraLikeJpegs(ctx.video720Path, ctx.quick ? 48 : 240);
  auto decoder = JpegDecoder::create();
  if (jpegs.empty() || !decoder) {
    report.skip(
        "latency with MJPG frames: " +
        (decoder ? "could not make the JPEG frames from " + ctx.video720Path : decoder.error().message));
    return;
  }
  const size_t frames = ctx.quick ? 48 : 240;
  FacePipeline pipeline(std::move(FaceDetector::create(ctx.detector)).value(), model, TrackerParams{});
  SourceSpec spec;
  spec.kind =
      SourceKind::kVideoFile;  // only for the capture thread's restart logic, which a live source skips
  spec.path = "emulated-mjpg-camera";
  CaptureParams params;
  params.delivery = Delivery::kLatest;
  CaptureThread capture(spec, std::make_unique<PacedMjpegSource>(jpegs, std::move(decoder).value(), frames),
                        params);
  capture.start();
  std::vector<double> latency, decodeMs;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = capture.next(std::chrono::milliseconds(200));
    if (!frame) {
      if (capture.finished()) break;
      continue;
    }
    (void)pipeline.process(**frame);
    latency.push_back(nsToMs(clk().nowNs() - (*frame)->captureNs));
    decodeMs.push_back(nsToMs((*frame)->decodeNs));
  }
  capture.stop();
  const CaptureStats st = capture.stats();
  const Dist d = summarise(latency);
  report.add({"latency",
              "capture -> result, emulated camera: 1280x720 MJPG at 30 fps, decoded on the capture thread "
              "(TurboJPEG), latest-only",
              d, "frame",
              "decode " + fmt(summarise(decodeMs).median, 2) + " ms median of it; " +
                  std::to_string(st.framesDropped) + " dropped of " + std::to_string(st.framesCaptured)});
  report.set("capture_to_result_ms_median_mjpg30", d.median);
  report.set("capture_to_result_ms_p95_mjpg30", d.p95);
}

}  // namespace facefilter::bench
