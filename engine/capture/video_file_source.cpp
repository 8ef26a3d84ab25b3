#include "engine/capture/video_file_source.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/core/frame_buffer_pool.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// A run of undecodable frames longer than this is taken as the end of the readable part of the file.
constexpr int kMaxConsecutiveBadFrames = 30;

// MJPEG's frames are whole JPEG images. Read as the file's packets and decoded by TurboJPEG straight into a
// pooled buffer, they cost about a third less CPU than FFmpeg's decoder, its YUV-to-BGR conversion and
// OpenCV's copy out (docs/benchmarks.md), and take the path a camera's MJPG frames take. A file whose first
// packet is not one clean JPEG of the stream's size (interlaced fields, an odd muxer) is left to FFmpeg.
std::optional<JpegDecoder> packetDecoderFor(const std::string& path, const SourceInfo& info, int fourcc) {
  if (fourcc != cv::VideoWriter::fourcc('M', 'J', 'P', 'G')) return std::nullopt;
  auto decoder = JpegDecoder::create();
  if (!decoder) return std::nullopt;
  try {
    cv::VideoCapture probe(path, cv::CAP_FFMPEG);
    cv::Mat packet;
    if (!probe.isOpened() || !probe.set(cv::CAP_PROP_FORMAT, -1) || !probe.read(packet)) return std::nullopt;
    if (packet.empty() || packet.depth() != CV_8U) return std::nullopt;
    auto frame =
        decoder->decode(packet.data, packet.total() * packet.elemSize(), cv::Size(info.width, info.height));
    if (!frame || decoder->warnings() > 0) return std::nullopt;
  } catch (const cv::Exception&) {
    return std::nullopt;
  }
  return std::move(decoder).value();
}

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
  std::optional<JpegDecoder> jpeg =
      packetDecoderFor(path, info, static_cast<int>(capture.get(cv::CAP_PROP_FOURCC)));
  if (jpeg && !capture.set(cv::CAP_PROP_FORMAT, -1)) jpeg.reset();
  return std::unique_ptr<FrameSource>(
      new VideoFileSource(std::move(capture), std::move(info), path, std::move(jpeg)));
}

VideoFileSource::VideoFileSource(cv::VideoCapture capture, SourceInfo info, std::string path,
                                 std::optional<JpegDecoder> jpeg)
    : capture_(std::move(capture)), info_(std::move(info)), path_(std::move(path)), jpeg_(std::move(jpeg)) {}

ReadResult VideoFileSource::read() {
  ReadResult r;
  // FFmpeg's frame is copied once, into a pooled buffer that becomes the Frame's image as it is (MJPEG: the
  // packet is decoded into one). A fresh 6 MB image per 1080p frame (and a second one from a clone) made
  // every frame fault in new pages, which took longer than decoding it; the pool hands back a buffer no
  // earlier frame still uses.
  cv::Mat raw;
  int bad = 0;
  for (;;) {
    if (!jpeg_ && raw.empty())
      raw = FrameBufferPool::shared().acquire(cv::Size(info_.width, info_.height), CV_8UC3);
    cv::Mat& target = jpeg_ ? packet_ : raw;
    bool got = false;
    try {
      got = capture_.read(target);
    } catch (const cv::Exception& e) {
      got = false;
      logger("capture")->warn("video '{}': decoder error at frame {}: {}", path_, delivered_ + skipped_,
                              e.what());
    }
    if (got && !target.empty()) {
      if (!jpeg_) break;
      auto decoded = jpeg_->decode(packet_.data, packet_.total() * packet_.elemSize(),
                                   cv::Size(info_.width, info_.height));
      if (decoded) {
        raw = std::move(decoded).value();
        break;
      }
      // The packet was read (the position moved on) but is no picture: skipped and counted, as FFmpeg's
      // undecodable frames are.
      logger("capture")->warn("video '{}': frame {}: {}", path_, delivered_ + skipped_ + bad,
                              decoded.error().message);
      if (++bad > kMaxConsecutiveBadFrames) {
        r.status = ReadStatus::kFailed;
        r.error = "video '" + path_ + "': stops being decodable after frame " + std::to_string(delivered_) +
                  " (corrupt file)";
        return r;
      }
      continue;
    }
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
