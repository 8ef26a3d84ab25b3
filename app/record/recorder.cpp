#include "app/record/recorder.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "engine/core/logging.hpp"
#include "engine/io/write_space.hpp"

namespace facefilter {

Recorder::Recorder(RecorderParams params) : params_(std::move(params)), queue_(params_.queueFrames) {}

Result<std::unique_ptr<Recorder>> Recorder::start(const RecorderParams& params) {
  if (params.size.width <= 0 || params.size.height <= 0)
    return makeError("Recorder::start: empty frame size");
  std::unique_ptr<Recorder> r(new Recorder(params));
  std::error_code ec;
  if (params.path.has_parent_path()) std::filesystem::create_directories(params.path.parent_path(), ec);
  r->writer_ = std::make_unique<cv::VideoWriter>();
  try {
    r->writer_->open(params.path.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), params.fps,
                     params.size, true);
  } catch (const cv::Exception& e) {
    return makeError("Recorder::start: cannot open " + params.path.string() + ": " + e.err);
  }
  if (!r->writer_->isOpened()) {
    return makeError("Recorder::start: cannot open " + params.path.string() +
                     " for MP4 (mp4v) writing; check the folder is writable and OpenCV has FFmpeg");
  }
  if (params.landmarkSidecar) {
    auto sidecarPath = params.path;
    sidecarPath.replace_extension(".landmarks.jsonl");
    r->sidecar_.reset(std::fopen(sidecarPath.c_str(), "w"));
    if (!r->sidecar_) logger("record")->warn("cannot write the landmark sidecar {}", sidecarPath.string());
  }
  r->thread_ = std::thread([raw = r.get()] { raw->run(); });
  logger("record")->info("recording to {} ({}x{} at {} fps)", params.path.string(), params.size.width,
                         params.size.height, params.fps);
  return r;
}

Recorder::~Recorder() {
  stop();
}

std::string Recorder::error() const {
  std::lock_guard lock(errorMutex_);
  return error_;
}

bool Recorder::push(cv::Mat bgra, std::string line) {
  if (stopped_) return false;
  if (bgra.cols != params_.size.width || bgra.rows != params_.size.height) {
    ++dropped_;  // the source changed size mid-recording: the file keeps its first size
    return false;
  }
  if (params_.policy == DropPolicy::kDropWhenFull && queue_.size() >= params_.queueFrames) {
    ++dropped_;
    return false;
  }
  return queue_.push(Item{std::move(bgra), std::move(line)});
}

void Recorder::run() {
  cv::Mat flipped, bgr;
  std::vector<std::filesystem::path> outputs{params_.path};
  if (sidecar_) outputs.push_back(std::filesystem::path(params_.path).replace_extension(".landmarks.jsonl"));
  // Before anything is measured, allow for a poorly compressed first frame (a quarter of the raw size).
  WriteSpaceGuard space(outputs, static_cast<int64_t>(params_.size.area()) * 3 / 4);
  while (true) {
    auto item = queue_.pop(std::chrono::milliseconds(100));
    if (!item) {
      if (queue_.drained()) break;
      continue;
    }
    if (failed_.load()) {
      ++dropped_;
      continue;
    }
    if (!space.roomForNextFrame(written_.load())) {
      {
        std::lock_guard lock(errorMutex_);
        error_ = "disk full: " + params_.path.string() + " stopped after " + std::to_string(written_.load()) +
                 " frames (less than " + std::to_string(space.reserveBytes(written_.load()) / 1024) +
                 " KiB left); the file is finalised with those frames. Free some space or record elsewhere.";
      }
      failed_ = true;
      logger("record")->error("{}", error());
      ++dropped_;
      continue;
    }
    if (params_.beforeEncode) params_.beforeEncode(written_.load());
    cv::flip(item->bgra, flipped, 0);
    cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
    writer_->write(bgr);
    if (sidecar_ && !item->line.empty()) {
      std::fputs(item->line.c_str(), sidecar_.get());
      std::fputc('\n', sidecar_.get());
    }
    ++written_;
  }
}

RecorderSummary Recorder::stop() {
  RecorderSummary s{params_.path, written_.load(), dropped_.load(), error()};
  if (stopped_) return s;
  stopped_ = true;
  queue_.close();
  if (thread_.joinable()) thread_.join();
  writer_->release();
  sidecar_.reset();
  s.framesWritten = written_.load();
  s.framesDropped = dropped_.load();
  s.error = error();
  logger("record")->info("recording {} finalised: {} frames written, {} dropped ({:.1f}%)", s.path.string(),
                         s.framesWritten, s.framesDropped, 100.0 * s.droppedShare());
  return s;
}

std::string recordReport(const RecorderSummary& s) {
  char buf[160];
  std::snprintf(buf, sizeof buf, ": %llu frames written, %llu dropped (%.1f%%)",
                static_cast<unsigned long long>(s.framesWritten),
                static_cast<unsigned long long>(s.framesDropped), 100.0 * s.droppedShare());
  std::string out = s.path.string() + buf;
  if (!s.error.empty()) out += "; " + s.error;
  return out;
}

std::filesystem::path timestampedPath(const std::filesystem::path& dir, const std::string& extension) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "facefilter-%Y%m%d-%H%M%S", &tm);
  std::filesystem::path p = dir / (std::string(buf) + extension);
  for (int i = 2; std::filesystem::exists(p) && i < 1000; ++i) {
    p = dir / (std::string(buf) + "-" + std::to_string(i) + extension);
  }
  return p;
}

Status writeSnapshot(const std::filesystem::path& path, const cv::Mat& bgra) {
  cv::Mat flipped;
  cv::flip(bgra, flipped, 0);
  cv::Mat bgr;
  cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
  try {
    if (!cv::imwrite(path.string(), bgr)) return makeError("writeSnapshot: cannot write " + path.string());
  } catch (const cv::Exception& e) {
    return makeError("writeSnapshot: cannot write " + path.string() + ": " + e.err);
  }
  return Ok{};
}

}  // namespace facefilter
