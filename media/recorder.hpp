#pragma once
// One recording, for the app and facefilter-cli alike: frames are pushed from the caller's thread and
// encoded on the recorder's own writer thread (MediaWriter: H.264 in MP4 or VP9 in WebM), with sound from
// the input file (batch) or a microphone (live), and an optional landmark sidecar
// (<video>.landmarks.jsonl, one JSON line per written frame).
//
// Timing: every frame carries a time on a clock of the caller's (the capture's steady clock when live, the
// input's own timestamps in batch); the file's timeline starts at the first frame's time, so a live file
// lasts as long as the session, dropped frames and all, and a batch file keeps the input's timing. The
// microphone's chunks are stamped on the steady clock, the input's audio on the input's timeline: each
// matches its mode's frame clock.
//
// push() never blocks in DropPolicy::kDropWhenFull (live: frames are dropped and counted when the encoder
// lags); in kBlock (batch) it waits so that every frame is written. Before each frame the writer checks the
// room left on the disk (and RLIMIT_FSIZE): when the disk is about to fill it stops writing, keeps the room
// the index needs, and failed() turns true with a message; a write error from the encoder or muxer does the
// same. stop() then finalises a playable file holding every frame written so far.
// push()/stop()/failed() from one thread (the caller's).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

#include "engine/core/bounded_queue.hpp"
#include "engine/core/result.hpp"
#include "media/encoder_settings.hpp"
#include "media/microphone.hpp"

extern "C" {
struct AVPacket;
}

namespace facefilter {

class FileAudio;
class MediaWriter;

enum class DropPolicy { kDropWhenFull, kBlock };

struct RecorderParams {
  std::filesystem::path path;
  cv::Size size;      // of the pushed frames; an odd width or height is encoded one pixel smaller
  double fps = 30.0;  // the nominal rate players are told; the frames' times decide the timing
  EncoderSettings encoder;
  size_t queueFrames = 8;
  DropPolicy policy = DropPolicy::kDropWhenFull;
  bool landmarkSidecar = false;
  // Batch: the input file whose first audio stream goes into the recording (copied when the codec fits the
  // container, else re-encoded). Frames' times are then the input's (Frame::sourceTimeMs). Empty: none.
  std::filesystem::path audioFromFile;
  // Live: the PulseAudio source to record ("default" or a name); frames' times are then steady-clock
  // capture times (Frame::captureNs). Empty: no microphone. When it cannot be opened the recording goes
  // on without sound and audioNote() says why.
  std::string microphone;
  // Called on the writer thread before each frame is encoded, with the count written so far. A seam for
  // tests that make the encoder lag (block or stall here); empty in the programs.
  std::function<void(uint64_t framesWritten)> beforeEncode;
};

struct RecorderSummary {
  std::filesystem::path path;
  uint64_t framesWritten = 0;
  uint64_t framesDropped = 0;
  double durationS = 0;   // the video's length on the file's timeline
  int64_t bytes = 0;      // the file's size once finalised
  std::string audioNote;  // how the sound was written, or why there is none (empty: no audio asked for)
  std::string error;      // why writing stopped early (disk full, write error), empty when all was written
  double droppedShare() const {
    const double total = static_cast<double>(framesWritten + framesDropped);
    return total > 0 ? static_cast<double>(framesDropped) / total : 0.0;
  }
};

class Recorder {
 public:
  // Opens the file, the encoders and the sound (a missing encoder or a bad path is an error now, not later).
  static Result<std::unique_ptr<Recorder>> start(const RecorderParams& params);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // `image`: 8-bit BGR or BGRA of params.size, top row first, or bottom row first (a GL readback) with
  // `bottomUp`. `timeNs`: the frame's time on the mode's clock (see RecorderParams). `sidecarLine`: a JSON
  // line for the landmark sidecar (ignored without one). Returns false if the frame was dropped.
  bool push(cv::Mat image, int64_t timeNs, bool bottomUp = false, std::string sidecarLine = {});
  RecorderSummary stop();
  uint64_t framesDropped() const { return dropped_.load(); }
  uint64_t framesWritten() const { return written_.load(); }
  // Bytes in the file so far (what the encoder has written).
  int64_t bytesWritten() const;
  // The writer stopped early (disk full, write error); error() says why. Frames pushed after that are
  // dropped.
  bool failed() const { return failed_.load(); }
  std::string error() const;
  std::string audioNote() const;
  const RecorderParams& params() const { return params_; }

 private:
  struct Item {
    cv::Mat image;
    int64_t timeNs = 0;
    bool bottomUp = false;
    std::string line;
  };
  explicit Recorder(RecorderParams params);
  Status openSound();
  void run();
  Status writeFrame(const Item& item, cv::Mat& scratch);
  Status writeInputAudioUntil(int64_t timeUs);
  // The microphone's chunks so far on the file's timeline [0, endUs); what comes after endUs is kept for
  // later with `keepRest`, else dropped.
  Status writeMicrophoneChunks(int64_t endUs, bool keepRest);
  void fail(const std::string& message);
  int64_t nominalIntervalUs() const;
  void onMicrophoneChunk(AudioChunk&& chunk);

  RecorderParams params_;
  cv::Size encodedSize_;
  std::unique_ptr<MediaWriter> writer_;
  std::unique_ptr<FileAudio> inputAudio_;
  std::unique_ptr<Microphone> microphone_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> sidecar_{nullptr, &std::fclose};
  BoundedQueue<Item> queue_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> failed_{false};
  std::atomic<int64_t> firstTimeNs_{INT64_MIN};  // the first frame's time: the file's 0
  int64_t lastTimeUs_ = -1;                      // the last written frame's time on the file's timeline
  int64_t lastIntervalUs_ = 0;
  int64_t timeShiftUs_ = 0;   // added to the times of a source that looped
  mutable std::mutex mutex_;  // error_, audioNote_, chunks_
  std::string error_;
  std::string audioNote_;
  std::deque<AudioChunk> chunks_;
  struct PacketFree {
    void operator()(AVPacket* packet) const;
  };
  std::unique_ptr<AVPacket, PacketFree> audioPacket_;  // the input's next audio packet
  bool audioPending_ = false;                          // audioPacket_ holds one not written yet
  bool inputAudioDone_ = false;
  std::thread thread_;
  bool stopped_ = false;
};

// One line for the user: "<path>: N frames written, M dropped (x.x%), 12.3 s, 4.5 MB[, sound][; why it
// stopped early]".
std::string recordReport(const RecorderSummary& summary);

}  // namespace facefilter
