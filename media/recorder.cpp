#include "media/recorder.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include <opencv2/core.hpp>

#include "engine/core/logging.hpp"
#include "engine/io/write_space.hpp"
#include "media/av_util.hpp"
#include "media/file_audio.hpp"
#include "media/media_writer.hpp"
#include "media/microphone.hpp"

namespace facefilter {
namespace {

// Frames an encoder may hold before it writes them (x264's lookahead, B-frames and frame threads): they
// reach the disk only when the file is finalised, so the room kept for finalising counts them.
constexpr int kFramesHeldByEncoder = 16;
// A frame this far before the last one is a source that started again (a looped file), not jitter.
constexpr int64_t kLoopedBackUs = 500'000;

cv::Size evenSize(cv::Size s) {
  return {s.width & ~1, s.height & ~1};
}

}  // namespace

Recorder::Recorder(RecorderParams params)
    : params_(std::move(params)), encodedSize_(evenSize(params_.size)), queue_(params_.queueFrames) {}

Result<std::unique_ptr<Recorder>> Recorder::start(const RecorderParams& params) {
  if (params.size.width < 2 || params.size.height < 2)
    return makeError("cannot record " + params.path.string() + ": no frame size yet");
  std::unique_ptr<Recorder> r(new Recorder(params));
  if (r->encodedSize_ != params.size) {
    logger("record")->info("{}x{} frames are recorded as {}x{} (the codec's 4:2:0 needs even sizes)",
                           params.size.width, params.size.height, r->encodedSize_.width,
                           r->encodedSize_.height);
  }
  std::error_code ec;
  if (params.path.has_parent_path()) std::filesystem::create_directories(params.path.parent_path(), ec);
  if (auto sound = r->openSound(); !sound) return sound.error();

  MediaWriterParams w;
  w.path = params.path;
  w.size = r->encodedSize_;
  w.frameRateHint = params.fps > 0 ? params.fps : 30.0;
  w.encoder = params.encoder;
  if (r->inputAudio_) {
    w.audioPackets = AudioPacketsIn{r->inputAudio_->parameters(), r->inputAudio_->timeBaseNum(),
                                    r->inputAudio_->timeBaseDen()};
  } else if (r->microphone_) {
    w.audioPcm = AudioPcmIn{r->microphone_->params().sampleRate, r->microphone_->params().channels};
  }
  auto writer = MediaWriter::open(w);
  if (!writer) return writer.error();
  r->writer_ = std::move(writer).value();
  if (r->writer_->hasAudio()) {
    std::lock_guard lock(r->mutex_);
    r->audioNote_ = r->writer_->audioNote();
    if (r->microphone_) r->audioNote_ = "from " + params.microphone + ", " + r->audioNote_;
    if (r->inputAudio_ && r->inputAudio_->audioStreamCount() > 1) {
      r->audioNote_ +=
          " (the first of " + std::to_string(r->inputAudio_->audioStreamCount()) + " audio streams)";
    }
  }

  if (params.landmarkSidecar) {
    auto sidecarPath = params.path;
    sidecarPath.replace_extension(".landmarks.jsonl");
    r->sidecar_.reset(std::fopen(sidecarPath.c_str(), "w"));
    if (!r->sidecar_) logger("record")->warn("cannot write the landmark sidecar {}", sidecarPath.string());
  }
  r->thread_ = std::thread([raw = r.get()] { raw->run(); });
  logger("record")->info("recording to {} ({}x{}, {}, crf {}, {}{}{})", params.path.string(),
                         r->encodedSize_.width, r->encodedSize_.height,
                         containerName(params.encoder.container), params.encoder.crf, params.encoder.preset,
                         r->audioNote().empty() ? "" : ", sound: ", r->audioNote());
  return r;
}

// The input's audio (batch) or the microphone (live). Sound that cannot be had leaves a recording without
// it, and the note says why; only an unreadable input is worth a warning, since a file without audio is
// normal.
Status Recorder::openSound() {
  if (!params_.audioFromFile.empty()) {
    auto audio = FileAudio::open(params_.audioFromFile);
    if (!audio) {
      logger("record")->warn("no sound from {}: {}", params_.audioFromFile.string(), audio.error().message);
      audioNote_ = "no sound: " + audio.error().message;
      return Ok{};
    }
    inputAudio_ = std::move(audio).value();
    if (inputAudio_) audioPacket_.reset(av_packet_alloc());
    if (inputAudio_ && !audioPacket_)
      return makeError("out of memory opening the sound of " + params_.audioFromFile.string());
    if (inputAudio_ && inputAudio_->audioStreamCount() > 1) {
      logger("record")->info("{} has {} audio streams; the recording keeps the first",
                             params_.audioFromFile.string(), inputAudio_->audioStreamCount());
    }
    return Ok{};
  }
  if (!params_.microphone.empty()) {
    MicrophoneParams mp;
    mp.device = params_.microphone;
    auto mic = Microphone::open(mp, [this](AudioChunk&& chunk) { onMicrophoneChunk(std::move(chunk)); });
    if (!mic) {
      logger("record")->warn("recording without sound: {}", mic.error().message);
      audioNote_ = "no sound: " + mic.error().message;
      return Ok{};
    }
    microphone_ = std::move(mic).value();
  }
  return Ok{};
}

Recorder::~Recorder() {
  stop();
  // The microphone's thread hands chunks to members declared after it: it ends first.
  if (microphone_) microphone_->stop();
}

int64_t Recorder::nominalIntervalUs() const {
  return static_cast<int64_t>(1e6 / std::max(params_.fps, 1.0));
}

void Recorder::PacketFree::operator()(AVPacket* packet) const {
  av_packet_free(&packet);
}

std::string Recorder::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::string Recorder::audioNote() const {
  std::lock_guard lock(mutex_);
  return audioNote_;
}

int64_t Recorder::bytesWritten() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(params_.path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

void Recorder::onMicrophoneChunk(AudioChunk&& chunk) {
  std::lock_guard lock(mutex_);
  chunks_.push_back(std::move(chunk));
}

bool Recorder::push(cv::Mat image, int64_t timeNs, bool bottomUp, std::string line) {
  if (stopped_) return false;
  if (image.cols != params_.size.width || image.rows != params_.size.height) {
    ++dropped_;  // the source changed size mid-recording: the file keeps its first size
    return false;
  }
  if (params_.policy == DropPolicy::kDropWhenFull && queue_.size() >= params_.queueFrames) {
    ++dropped_;
    return false;
  }
  int64_t unset = INT64_MIN;
  firstTimeNs_.compare_exchange_strong(unset, timeNs);
  return queue_.push(Item{std::move(image), timeNs, bottomUp, std::move(line)});
}

void Recorder::fail(const std::string& message) {
  {
    std::lock_guard lock(mutex_);
    if (!error_.empty()) return;
    error_ = message;
  }
  failed_ = true;
  logger("record")->error("{}", message);
}

void Recorder::run() {
  cv::Mat scratch;
  std::vector<std::filesystem::path> outputs{params_.path};
  if (sidecar_) outputs.push_back(std::filesystem::path(params_.path).replace_extension(".landmarks.jsonl"));
  // Before anything is measured, allow for a poorly compressed first frame (a quarter byte a pixel, a
  // sixth of the raw 4:2:0 picture).
  WriteSpaceGuard space(outputs, static_cast<int64_t>(encodedSize_.area()) / 4, kFramesHeldByEncoder);
  while (true) {
    auto item = queue_.pop(std::chrono::milliseconds(20));
    // The sound up to the end of the last frame written; what is newer waits for the frames.
    const int64_t soundEndUs = lastTimeUs_ < 0 ? 0 : lastTimeUs_ + nominalIntervalUs();
    if (auto sound = writeMicrophoneChunks(soundEndUs, true); !sound) fail(sound.error().message);
    if (!item) {
      if (queue_.drained()) break;
      continue;
    }
    if (failed_.load()) {
      ++dropped_;
      continue;
    }
    if (!space.roomForNextFrame(written_.load())) {
      fail("disk full after " + std::to_string(written_.load()) + " frames: " + params_.path.string() +
           " is finalised with those frames (less than " +
           std::to_string(space.reserveBytes(written_.load()) / 1024) +
           " KiB left); free some space or record elsewhere");
      ++dropped_;
      continue;
    }
    if (params_.beforeEncode) params_.beforeEncode(written_.load());
    if (auto written = writeFrame(*item, scratch); !written) {
      fail(written.error().message);
      ++dropped_;
      continue;
    }
    if (sidecar_ && !item->line.empty()) {
      std::fputs(item->line.c_str(), sidecar_.get());
      std::fputc('\n', sidecar_.get());
    }
    ++written_;
  }
}

Status Recorder::writeFrame(const Item& item, cv::Mat& scratch) {
  const cv::Mat region = item.image(cv::Rect(0, item.bottomUp ? item.image.rows - encodedSize_.height : 0,
                                             encodedSize_.width, encodedSize_.height));
  const cv::Mat* picture = &region;
  if (item.bottomUp) {
    cv::flip(region, scratch, 0);
    picture = &scratch;
  }
  int64_t timeUs = (item.timeNs - firstTimeNs_.load()) / 1000 + timeShiftUs_;
  if (lastTimeUs_ >= 0) {
    if (timeUs < lastTimeUs_ - kLoopedBackUs) {
      // A looped file starts its times again: the file goes on one frame after its last.
      const int64_t stepUs = lastIntervalUs_ > 0 ? lastIntervalUs_ : nominalIntervalUs();
      timeShiftUs_ += lastTimeUs_ + stepUs - timeUs;
      timeUs = lastTimeUs_ + stepUs;
    } else if (timeUs <= lastTimeUs_) {
      timeUs = lastTimeUs_ + 1;  // a repeated or slightly early stamp: just after the last frame
    }
    lastIntervalUs_ = timeUs - lastTimeUs_;
  }
  if (auto s = writer_->writeVideo(*picture, timeUs); !s) return s;
  lastTimeUs_ = timeUs;
  if (inputAudio_) return writeInputAudioUntil(timeUs);
  return Ok{};
}

// The input's audio packets that start before `limitUs` on the file's timeline (the file's 0 is the first
// frame's input time, so the sound keeps its offset against the video); the first one past it waits for
// the next call, so that the sound never runs past the last frame by more than a packet.
Status Recorder::writeInputAudioUntil(int64_t limitUs) {
  const int64_t originUs = firstTimeNs_.load() / 1000;
  while (true) {
    if (!audioPending_) {
      if (inputAudioDone_) return Ok{};
      auto more = inputAudio_->next(audioPacket_.get());
      if (!more || !more.value()) {
        // A damaged audio stream ends the sound, not the recording.
        if (!more) logger("record")->warn("the sound stops early: {}", more.error().message);
        inputAudioDone_ = true;
        return Ok{};
      }
      audioPending_ = true;
    }
    if (inputAudio_->timeUs(*audioPacket_) - originUs >= limitUs) return Ok{};
    Status s = writer_->writeAudioPacket(*audioPacket_, inputAudio_->offsetUs() + originUs);
    av_packet_unref(audioPacket_.get());
    audioPending_ = false;
    if (!s) return s;
  }
}

Status Recorder::writeMicrophoneChunks(int64_t endUs, bool keepRest) {
  if (!microphone_) return Ok{};
  const int64_t firstNs = firstTimeNs_.load();
  if (firstNs == INT64_MIN) return Ok{};  // no frame yet: the file's 0 is not known
  std::deque<AudioChunk> chunks;
  {
    std::lock_guard lock(mutex_);
    chunks.swap(chunks_);
  }
  if (failed_.load()) return Ok{};  // the file is closed to new data: the sound is let go
  const int channels = microphone_->params().channels;
  const double nsPerFrame = 1e9 / microphone_->params().sampleRate;
  const double endNs = static_cast<double>(endUs) * 1000.0;
  std::deque<AudioChunk> rest;
  for (const AudioChunk& c : chunks) {
    const int frames = static_cast<int>(c.samples.size()) / channels;
    // Sound from before the first frame is cut off where the file begins, sound after `endUs` waits.
    int skip = 0;
    if (c.captureNs < firstNs)
      skip = static_cast<int>(static_cast<double>(firstNs - c.captureNs) / nsPerFrame);
    skip = std::min(skip, frames);
    const double startNs = static_cast<double>(c.captureNs - firstNs) + skip * nsPerFrame;
    const int keep = static_cast<int>(std::clamp((endNs - startNs) / nsPerFrame, 0.0, double(frames - skip)));
    if (keep > 0) {
      if (auto s = writer_->writeAudioSamples(c.samples.data() + static_cast<size_t>(skip) * channels, keep,
                                              static_cast<int64_t>(startNs / 1000.0));
          !s) {
        return s;
      }
    }
    if (keepRest && skip + keep < frames) {
      const int from = skip + keep;
      AudioChunk later;
      later.samples.assign(c.samples.begin() + static_cast<std::ptrdiff_t>(from) * channels, c.samples.end());
      later.captureNs = c.captureNs + static_cast<int64_t>(from * nsPerFrame);
      rest.push_back(std::move(later));
    }
  }
  if (!rest.empty()) {
    std::lock_guard lock(mutex_);
    chunks_.insert(chunks_.begin(), std::make_move_iterator(rest.begin()),
                   std::make_move_iterator(rest.end()));
  }
  return Ok{};
}

RecorderSummary Recorder::stop() {
  RecorderSummary s{params_.path, written_.load(), dropped_.load(), 0, 0, audioNote(), error()};
  if (stopped_ || !writer_) return s;  // stopped, or start() failed before the file was open
  stopped_ = true;
  queue_.close();
  if (thread_.joinable()) thread_.join();
  // The sound runs on to the end of the last frame, not past it (a run cut short by --max-frames or a
  // signal, a microphone still open after the last frame).
  const int64_t endUs = lastTimeUs_ + (lastIntervalUs_ > 0 ? lastIntervalUs_ : nominalIntervalUs());
  if (microphone_) {
    microphone_->stop();
    if (auto sound = writeMicrophoneChunks(lastTimeUs_ >= 0 ? endUs : 0, false); !sound)
      fail(sound.error().message);
    if (const std::string why = microphone_->error(); !why.empty()) {
      std::lock_guard lock(mutex_);
      audioNote_ += "; the sound stopped early: " + why;
    }
  }
  if (inputAudio_ && lastTimeUs_ >= 0 && !failed_.load()) {
    if (auto sound = writeInputAudioUntil(endUs); !sound) fail(sound.error().message);
  }
  if (auto finished = writer_->finish(); !finished) fail(finished.error().message);
  sidecar_.reset();
  s.framesWritten = written_.load();
  s.framesDropped = dropped_.load();
  s.durationS = lastTimeUs_ >= 0 ? static_cast<double>(endUs) * 1e-6 : 0.0;
  s.bytes = bytesWritten();
  s.audioNote = audioNote();
  s.error = error();
  logger("record")->info(
      "recording {} finalised: {} frames written, {} dropped ({:.1f}%), {:.2f} s, {} bytes", s.path.string(),
      s.framesWritten, s.framesDropped, 100.0 * s.droppedShare(), s.durationS, s.bytes);
  return s;
}

std::string recordReport(const RecorderSummary& s) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                ": %" PRIu64 " frames written, %" PRIu64 " dropped (%.1f%%), %.1f s, %.1f MB",
                s.framesWritten, s.framesDropped, 100.0 * s.droppedShare(), s.durationS,
                static_cast<double>(s.bytes) / 1e6);
  std::string out = s.path.string() + buf;
  if (!s.audioNote.empty()) out += ", sound: " + s.audioNote;
  if (!s.error.empty()) out += "; " + s.error;
  return out;
}

}  // namespace facefilter
