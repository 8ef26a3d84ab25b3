#include "engine/capture/video_file_source.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/core/frame_buffer_pool.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// A run of undecodable frames longer than this is taken as the end of the readable part of the file.
constexpr int kMaxConsecutiveBadFrames = 30;

std::string describe(const std::string& path, const SourceInfo& i) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), " (%dx%d, %.3g fps, %d frames)", i.width, i.height, i.fps, i.frameCount);
  return "video:" + path + buf;
}

}  // namespace

Result<std::unique_ptr<FrameSource>> VideoFileSource::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return makeError("video '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) return makeError("video '" + path + "': is a folder");
  if (!std::ifstream(path, std::ios::binary).good()) {
    return makeError("video '" + path + "': cannot be read (permissions?)");
  }
  cv::VideoCapture capture;
  try {
    capture.open(path, cv::CAP_FFMPEG);
  } catch (const cv::Exception& e) {
    return makeError("video '" + path + "': " + e.what());
  }
  if (!capture.isOpened()) {
    return makeError("video '" + path + "': not a video or image that FFmpeg can decode");
  }
  SourceInfo info;
  info.width = static_cast<int>(capture.get(cv::CAP_PROP_FRAME_WIDTH));
  info.height = static_cast<int>(capture.get(cv::CAP_PROP_FRAME_HEIGHT));
  info.fps = capture.get(cv::CAP_PROP_FPS);
  if (!std::isfinite(info.fps) || info.fps <= 0 || info.fps > 1000) info.fps = 0;
  const double count = capture.get(cv::CAP_PROP_FRAME_COUNT);
  info.frameCount = (std::isfinite(count) && count > 0) ? static_cast<int>(count) : -1;
  if (info.width <= 0 || info.height <= 0) {
    return makeError("video '" + path + "': the file has no video stream with a frame size");
  }
  info.live = false;
  info.description = describe(path, info);
  return std::unique_ptr<FrameSource>(new VideoFileSource(std::move(capture), std::move(info), path));
}

VideoFileSource::VideoFileSource(cv::VideoCapture capture, SourceInfo info, std::string path)
    : capture_(std::move(capture)), info_(std::move(info)), path_(std::move(path)) {}

ReadResult VideoFileSource::read() {
  ReadResult r;
  // FFmpeg's frame is copied once, into a pooled buffer that becomes the Frame's image as it is. A fresh
  // 6 MB image per 1080p frame (and a second one from a clone) made every frame fault in new pages, which
  // took longer than decoding it; the pool hands back a buffer no earlier frame still uses.
  cv::Mat raw = FrameBufferPool::shared().acquire(cv::Size(info_.width, info_.height), CV_8UC3);
  int bad = 0;
  for (;;) {
    bool got = false;
    try {
      got = capture_.read(raw);
    } catch (const cv::Exception& e) {
      got = false;
      logger("capture")->warn("video '{}': decoder error at frame {}: {}", path_, delivered_ + skipped_,
                              e.what());
    }
    if (got && !raw.empty()) break;
    // FFmpeg reports both the end and an undecodable frame as a failed read; the position tells which.
    const int announced = info_.frameCount;
    // Failed reads do not advance the position: count only frames actually delivered or skipped.
    const int reached = delivered_ + skipped_;
    // Container frame counts are estimates for some formats: a shortfall within 1% is a normal end.
    const int tolerance = std::max(2, announced / 100);
    if (announced < 0 || reached >= announced - tolerance) {
      r.status = ReadStatus::kEndOfStream;
      return r;
    }
    if (++bad > kMaxConsecutiveBadFrames) {
      r.status = ReadStatus::kFailed;
      r.error = "video '" + path_ + "': stops being decodable after frame " + std::to_string(delivered_) +
                " of " + std::to_string(announced) + " (truncated or corrupt file)";
      return r;
    }
  }
  if (bad > 0) {
    skipped_ += bad;
    logger("capture")->warn("video '{}': skipped {} undecodable frame(s) before frame {}", path_, bad,
                            delivered_);
  }
  if (raw.type() == CV_8UC3 && raw.isContinuous()) {
    r.image = std::move(raw);  // what FFmpeg's backend gives unless told otherwise: no conversion, no copy
  } else {
    auto bgr = toBgr8(raw);
    if (!bgr) {
      r.status = ReadStatus::kFailed;
      r.error = "video '" + path_ + "': frame " + std::to_string(delivered_) + ": " + bgr.error().message;
      return r;
    }
    r.image = std::move(bgr).value();
  }
  r.status = ReadStatus::kFrame;
  // FFmpeg's position is unreliable at the very end (0 after the last frame of some AVIs): keep the
  // time strictly increasing, stepping by the nominal frame interval when the container says otherwise.
  double timeMs = capture_.get(cv::CAP_PROP_POS_MSEC);
  const double stepMs = info_.fps > 0 ? 1000.0 / info_.fps : 1000.0 / 30.0;
  if (delivered_ > 0 && !(timeMs > lastTimeMs_)) timeMs = lastTimeMs_ + stepMs;
  lastTimeMs_ = timeMs;
  r.sourceTimeMs = timeMs;
  ++delivered_;
  return r;
}

}  // namespace facefilter
