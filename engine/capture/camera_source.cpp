#include "engine/capture/camera_source.hpp"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

constexpr uint32_t kCaptureType = V4L2_BUF_TYPE_VIDEO_CAPTURE;
// Enough for the driver to fill one while we decode another; read() always takes the newest, so more would
// only hold older frames.
constexpr uint32_t kBufferCount = 4;
// A driver time stamp older than this (or in the future) is not on our clock: the frame is stamped on read.
constexpr int64_t kMaxStampAgeNs = 1'000'000'000;

ModeRequest requestOf(const SourceSpec& spec) {
  ModeRequest r;
  r.width = spec.width;
  r.height = spec.height;
  r.fps = spec.fps;
  r.format = spec.cameraFormat;
  return r;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

CameraSource::CameraSource(SourceSpec spec, std::shared_ptr<VideoDeviceIo> io, const Clock& clock,
                           JpegDecoder decoder)
    : spec_(std::move(spec)), io_(std::move(io)), clock_(clock), decoder_(std::move(decoder)) {}

CameraSource::~CameraSource() {
  stop();
}

Result<std::unique_ptr<FrameSource>> CameraSource::open(const SourceSpec& spec,
                                                        std::shared_ptr<VideoDeviceIo> io,
                                                        const Clock& clock) {
  auto decoder = JpegDecoder::create();
  if (!decoder) return decoder.error();
  std::unique_ptr<CameraSource> source(
      new CameraSource(spec, std::move(io), clock, std::move(decoder).value()));
  if (auto started = source->start(); !started) return started.error();
  return std::unique_ptr<FrameSource>(std::move(source));
}

std::string CameraSource::deviceError(const std::string& step, int error) const {
  const std::string who = "camera " + quoted(camera_.name) + " (" + camera_.path + ")";
  switch (error) {
    case EBUSY:
      return who +
             " is busy: another program is using it (a browser tab, a call, another facefilter); close "
             "that program, or choose another camera";
    case EACCES:
    case EPERM:
      return who +
             ": no permission to open it; add yourself to the `video` group (sudo usermod -aG video "
             "$USER, then log in again)";
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return who + " is gone (unplugged?); plug it in again";
    case ENOSPC:
      return who + ": the USB bus has not enough bandwidth for " + describeMode(choice_.mode) +
             " (another camera or device on the same bus?); plug it into another port, or ask for MJPG "
             "(:mjpg) "
             "or a smaller size";
    default:
      return who + ": " + step + " failed: " + errnoText(error);
  }
}

Status CameraSource::start() {
  auto log = logger("capture");
  auto found = findCamera(*io_, spec_);
  if (!found) return found.error();
  camera_ = std::move(found).value();

  const int fd = io_->openCapture(camera_.path);
  if (fd < 0) return makeError(deviceError("open", -fd));
  fd_ = fd;

  v4l2_capability cap{};
  if (const int r = io_->queryCap(fd_, cap); r < 0) return makeError(deviceError("VIDIOC_QUERYCAP", -r));
  const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
  if ((caps & V4L2_CAP_VIDEO_CAPTURE) == 0)
    return makeError("camera " + quoted(camera_.name) + " (" + camera_.path + ") does not capture video");
  if ((caps & V4L2_CAP_STREAMING) == 0) {
    return makeError("camera " + quoted(camera_.name) + " (" + camera_.path +
                     ") offers no streaming I/O (mmap buffers), which facefilter reads cameras with");
  }

  auto modes = enumerateModes(*io_, fd_, camera_.path);
  if (!modes) return modes.error();
  modes_ = std::move(modes).value();
  auto choice = chooseMode(modes_, requestOf(spec_));
  if (!choice)
    return makeError("camera " + quoted(camera_.name) + " (" + camera_.path + "): " + choice.error().message);
  choice_ = std::move(choice).value();

  v4l2_format format{};
  format.type = kCaptureType;
  format.fmt.pix.width = static_cast<uint32_t>(choice_.mode.width);
  format.fmt.pix.height = static_cast<uint32_t>(choice_.mode.height);
  format.fmt.pix.pixelformat = choice_.mode.fourcc;
  format.fmt.pix.field = V4L2_FIELD_ANY;
  if (const int r = io_->setFormat(fd_, format); r < 0) return makeError(deviceError("VIDIOC_S_FMT", -r));
  // The driver answers with the format it took; a driver that adjusts it is believed, if we can decode it.
  if (format.fmt.pix.pixelformat != choice_.mode.fourcc ||
      static_cast<int>(format.fmt.pix.width) != choice_.mode.width ||
      static_cast<int>(format.fmt.pix.height) != choice_.mode.height) {
    if (!decodableFormat(format.fmt.pix.pixelformat)) {
      return makeError("camera " + quoted(camera_.name) + " (" + camera_.path + "): asked for " +
                       describeMode(choice_.mode) + ", the driver set " +
                       fourccText(format.fmt.pix.pixelformat) + ", which facefilter does not decode");
    }
    log->warn("{}: asked for {}, the driver set {} {}x{}", camera_.path, describeMode(choice_.mode),
              fourccText(format.fmt.pix.pixelformat), format.fmt.pix.width, format.fmt.pix.height);
    choice_.mode.fourcc = format.fmt.pix.pixelformat;
    choice_.mode.width = static_cast<int>(format.fmt.pix.width);
    choice_.mode.height = static_cast<int>(format.fmt.pix.height);
  }
  bytesPerLine_ = format.fmt.pix.bytesperline;

  if (choice_.mode.fps() > 0) {
    v4l2_streamparm parm{};
    parm.type = kCaptureType;
    parm.parm.capture.timeperframe.numerator = choice_.mode.intervalNumerator;
    parm.parm.capture.timeperframe.denominator = choice_.mode.intervalDenominator;
    // A driver without frame-rate control answers with an error or keeps its own rate: the measured rate
    // tells what came of it.
    if (io_->setParm(fd_, parm) == 0 && parm.parm.capture.timeperframe.numerator > 0 &&
        parm.parm.capture.timeperframe.denominator > 0) {
      choice_.mode.intervalNumerator = parm.parm.capture.timeperframe.numerator;
      choice_.mode.intervalDenominator = parm.parm.capture.timeperframe.denominator;
    }
  }

  v4l2_requestbuffers request{};
  request.count = kBufferCount;
  request.type = kCaptureType;
  request.memory = V4L2_MEMORY_MMAP;
  if (const int r = io_->requestBuffers(fd_, request); r < 0)
    return makeError(deviceError("VIDIOC_REQBUFS", -r));
  if (request.count == 0)
    return makeError("camera " + quoted(camera_.name) + " (" + camera_.path +
                     "): the driver gave no buffers");
  for (uint32_t i = 0; i < request.count; ++i) {
    v4l2_buffer b{};
    b.type = kCaptureType;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (const int r = io_->queryBuffer(fd_, b); r < 0) return makeError(deviceError("VIDIOC_QUERYBUF", -r));
    Buffer mapped;
    mapped.length = b.length;
    if (const int r = io_->mapBuffer(fd_, b.length, b.m.offset, &mapped.data); r < 0)
      return makeError(deviceError("mmap", -r));
    buffers_.push_back(mapped);
    if (const int r = io_->queueBuffer(fd_, b); r < 0) return makeError(deviceError("VIDIOC_QBUF", -r));
  }
  if (const int r = io_->streamOn(fd_, kCaptureType); r < 0)
    return makeError(deviceError("VIDIOC_STREAMON", -r));
  streaming_ = true;
  firstFrame_ = true;
  rateStarted_ = false;
  rateKnown_ = false;

  SourceInfo info;
  info.live = true;
  info.width = choice_.mode.width;
  info.height = choice_.mode.height;
  info.fps = choice_.mode.fps();
  info.cameraName = camera_.name;
  info.cameraPath = camera_.path;
  info.cameraBus = camera_.bus;
  info.pixelFormat = fourccText(choice_.mode.fourcc);
  while (!info.pixelFormat.empty() && info.pixelFormat.back() == ' ') info.pixelFormat.pop_back();
  info.requestedFps = choice_.requestedFps;
  info.modeNote = choice_.note;
  info.description =
      "camera:" + quoted(camera_.name) + " (" + camera_.path + ", " + describeMode(choice_.mode) + ")";
  info_ = std::move(info);
  ++infoVersion_;

  log->info("{}: {} in {}", camera_.path, quoted(camera_.name), describeMode(choice_.mode));
  if (!choice_.note.empty()) log->warn("{}: {}", camera_.path, choice_.note);
  return Ok{};
}

void CameraSource::stop() {
  if (fd_ < 0) return;
  if (streaming_) io_->streamOff(fd_, kCaptureType);
  streaming_ = false;
  for (const Buffer& b : buffers_) io_->unmapBuffer(b.data, b.length);
  buffers_.clear();
  // Buffers are freed with the descriptor (REQBUFS 0 is implied by close).
  io_->close(fd_);
  fd_ = -1;
}

Result<cv::Mat> CameraSource::convert(const Buffer& buffer, size_t bytesUsed) {
  const int w = choice_.mode.width, h = choice_.mode.height;
  const auto* data = static_cast<const uint8_t*>(buffer.data);
  bytesUsed = std::min(bytesUsed, buffer.length);
  const uint32_t fourcc = choice_.mode.fourcc;
  if (fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG)
    return decoder_.decode(data, bytesUsed, {w, h});
  try {
    if (fourcc == V4L2_PIX_FMT_YUYV) {
      const size_t step =
          bytesPerLine_ >= static_cast<uint32_t>(w) * 2 ? bytesPerLine_ : static_cast<size_t>(w) * 2;
      if (bytesUsed < step * static_cast<size_t>(h - 1) + static_cast<size_t>(w) * 2)
        return makeError("a YUYV frame cut short (" + std::to_string(bytesUsed) + " bytes)");
      const cv::Mat yuyv(h, w, CV_8UC2, const_cast<uint8_t*>(data), step);
      cv::Mat bgr = FrameBufferPool::shared().acquire({w, h}, CV_8UC3);
      cv::cvtColor(yuyv, bgr, cv::COLOR_YUV2BGR_YUYV);
      return bgr;
    }
    if (fourcc == V4L2_PIX_FMT_NV12) {
      const size_t step = bytesPerLine_ >= static_cast<uint32_t>(w) ? bytesPerLine_ : static_cast<size_t>(w);
      if (bytesUsed < step * static_cast<size_t>(h) * 3 / 2)
        return makeError("an NV12 frame cut short (" + std::to_string(bytesUsed) + " bytes)");
      const cv::Mat nv12(h * 3 / 2, w, CV_8UC1, const_cast<uint8_t*>(data), step);
      cv::Mat bgr = FrameBufferPool::shared().acquire({w, h}, CV_8UC3);
      cv::cvtColor(nv12, bgr, cv::COLOR_YUV2BGR_NV12);
      return bgr;
    }
  } catch (const cv::Exception& e) {
    return makeError(std::string("converting a frame: ") + e.what());
  }
  return makeError("no conversion from " + fourccText(fourcc));
}

ReadResult CameraSource::read() {
  ReadResult result;
  result.status = ReadStatus::kFailed;
  if (fd_ < 0 || !streaming_) {
    result.error = "camera " + quoted(camera_.name) + " (" + camera_.path + ") is not open";
    return result;
  }
  const int timeoutMs = firstFrame_ ? kFirstFrameTimeoutMs : kFrameTimeoutMs;
  const int64_t deadlineNs = clock_.nowNs() + int64_t{timeoutMs} * 1'000'000;
  std::string lastProblem;
  while (true) {
    const int64_t leftMs = (deadlineNs - clock_.nowNs()) / 1'000'000;
    if (leftMs <= 0) break;
    const int ready = io_->pollReadable(fd_, static_cast<int>(leftMs));
    if (ready < 0) {
      result.error = deviceError("poll", -ready);
      return result;
    }
    if (ready == 0) break;

    // Take every filled buffer and keep the newest: an older frame is already late.
    v4l2_buffer newest{};
    bool have = false;
    int error = 0;
    while (true) {
      v4l2_buffer b{};
      b.type = kCaptureType;
      b.memory = V4L2_MEMORY_MMAP;
      const int r = io_->dequeueBuffer(fd_, b);
      if (r == -EAGAIN) break;
      if (r < 0) {
        error = -r;
        break;
      }
      if (b.index >= buffers_.size()) {
        error = EINVAL;
        break;
      }
      if (have) io_->queueBuffer(fd_, newest);
      newest = b;
      have = true;
    }
    if (!have) {
      if (error != 0) {
        result.error = deviceError("VIDIOC_DQBUF", error);
        return result;
      }
      continue;  // readable but nothing to take: wait again
    }
    const int64_t t0 = clock_.nowNs();
    Result<cv::Mat> image = (newest.flags & V4L2_BUF_FLAG_ERROR) != 0 || newest.bytesused == 0
                                ? Result<cv::Mat>(makeError("the driver marked the frame as damaged"))
                                : convert(buffers_[newest.index], newest.bytesused);
    const int64_t t1 = clock_.nowNs();
    // The buffer goes back to the driver only now: the pixels were read out of it above.
    if (const int r = io_->queueBuffer(fd_, newest); r < 0) {
      result.error = deviceError("VIDIOC_QBUF", -r);
      return result;
    }
    if (!image) {
      ++skipped_;
      lastProblem = image.error().message;
      logger("capture")->debug("{}: frame {} skipped: {}", camera_.path, newest.sequence, lastProblem);
      continue;
    }

    int64_t stampNs = 0;
    if ((newest.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
      const int64_t ns =
          int64_t{newest.timestamp.tv_sec} * 1'000'000'000 + int64_t{newest.timestamp.tv_usec} * 1000;
      if (ns > 0 && ns <= t1 && t1 - ns < kMaxStampAgeNs) stampNs = ns;
    }
    measureRate(newest.sequence, stampNs > 0 ? stampNs : t0);
    firstFrame_ = false;
    result.status = ReadStatus::kFrame;
    result.image = std::move(image).value();
    result.captureNs = stampNs;
    result.decodeNs = t1 - t0;
    return result;
  }
  result.error = "camera " + quoted(camera_.name) + " (" + camera_.path + "): no frame for " +
                 std::to_string(timeoutMs / 1000) + " s" +
                 (lastProblem.empty() ? std::string(" (unplugged, or stopped by its driver)")
                                      : " that could be used (" + lastProblem + ")");
  return result;
}

void CameraSource::measureRate(uint32_t sequence, int64_t ns) {
  if (rateKnown_) return;
  if (!rateStarted_) {
    rateStarted_ = true;
    firstSequence_ = sequence;
    firstNs_ = ns;
    framesSinceFirst_ = 0;
    return;
  }
  ++framesSinceFirst_;
  const int64_t elapsedNs = ns - firstNs_;
  if (elapsedNs < 1'000'000'000) return;
  // The driver's sequence counts the frames the camera sent, also those it dropped because we were slow;
  // a driver that does not count them (sequence stays 0) leaves the frames we got.
  const uint32_t counted = sequence - firstSequence_;
  const double frames = counted > 0 ? counted : framesSinceFirst_;
  const double fps = frames * 1e9 / static_cast<double>(elapsedNs);
  rateKnown_ = true;
  info_.measuredFps = fps;
  auto log = logger("capture");
  log->info("{}: {} delivered {} fps over its first second (asked {})", camera_.path,
            describeMode(choice_.mode), fpsText(fps), fpsText(choice_.requestedFps));
  if (fps < kFarUnderRateShare * choice_.requestedFps) {
    info_.suggestion = suggestionFor(fps);
    log->warn("{}: {}", camera_.path, info_.suggestion);
  }
  ++infoVersion_;
}

std::string CameraSource::suggestionFor(double measuredFps) const {
  const CameraMode& m = choice_.mode;
  const double asked = choice_.requestedFps;
  std::string s = fpsText(measuredFps) + " fps, far under the " + fpsText(asked) + " asked";
  std::string device;
  switch (spec_.cameraSelect) {
    case CameraSelect::kNumber:
      device = std::to_string(spec_.cameraIndex);
      break;
    case CameraSelect::kName:
      device = quoted(spec_.cameraName);
      break;
    case CameraSelect::kFirst:
    case CameraSelect::kPath:
      device = camera_.path;
      break;
  }
  if (m.fps() < asked * 0.99) {
    // The mode itself is slower: no mode reached the rate at that size.
    if (auto faster = modeReaching(modes_, m.width, m.height, asked))
      return s + ": " + describeMode(m) + " is rated " + fpsText(m.fps()) + " fps; " + describeMode(*faster) +
             " reaches " + fpsText(asked) + ": " + modeSpecText(device, *faster);
    return s + ": no mode of this camera reaches " + fpsText(asked) + " fps";
  }
  s += " although " + describeMode(m) + " is rated " + fpsText(m.fps()) + " fps";
  // The camera slows down by itself: UVC cameras lengthen the exposure in dim light when automatic
  // exposure may lower the frame rate (exposure priority).
  s += ": the camera lowers its rate itself, usually because the room is dim and automatic exposure "
       "lengthens each frame; add light, or set the exposure by hand in the camera controls (automatic "
       "exposure off, or its dynamic frame rate off)";
  if (m.fourcc == V4L2_PIX_FMT_YUYV) {
    if (auto mjpg = modeReaching(modes_, m.width, m.height, asked); mjpg && mjpg->fourcc != m.fourcc)
      s += "; if the USB bus is shared, MJPG needs less of it: " + modeSpecText(device, *mjpg);
  }
  return s;
}

bool CameraSource::reopen() {
  stop();
  if (auto started = start(); !started) {
    logger("capture")->debug("reopening the camera: {}", started.error().message);
    stop();
    return false;
  }
  return true;
}

}  // namespace facefilter
