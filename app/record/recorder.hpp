#pragma once
// Writes frames to an MP4 file (OpenCV VideoWriter through FFmpeg, codec mp4v) on its own writer thread,
// with an optional landmark sidecar (<video>.landmarks.jsonl, one JSON line per written frame).
// push() never blocks in DropPolicy::kDropWhenFull (live: frames are dropped and counted when the encoder
// lags); in kBlock (batch) it waits so that every frame is written. stop() finalises the file and reports.
// Before each frame the writer checks the room left on the disk (and RLIMIT_FSIZE): when the disk is about
// to fill it stops writing, keeps the room the MP4's index needs, and failed() turns true with a message;
// stop() then finalises a playable file holding every frame written so far.
// push()/stop()/failed() from one thread (the render loop).

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "engine/core/bounded_queue.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

enum class DropPolicy { kDropWhenFull, kBlock };

struct RecorderParams {
  std::filesystem::path path;
  cv::Size size;
  double fps = 30.0;
  size_t queueFrames = 8;
  DropPolicy policy = DropPolicy::kDropWhenFull;
  bool landmarkSidecar = false;
  // Called on the writer thread before each frame is encoded, with the count written so far. A seam for
  // tests that make the encoder lag (block or stall here); empty in the app.
  std::function<void(uint64_t framesWritten)> beforeEncode;
};

struct RecorderSummary {
  std::filesystem::path path;
  uint64_t framesWritten = 0;
  uint64_t framesDropped = 0;
  std::string error;  // why writing stopped early (disk full), empty when every frame could be written
  double droppedShare() const {
    const double total = static_cast<double>(framesWritten + framesDropped);
    return total > 0 ? static_cast<double>(framesDropped) / total : 0.0;
  }
};

class Recorder {
 public:
  // Opens the file (the codec is checked here, so a missing encoder is an error now, not later).
  static Result<std::unique_ptr<Recorder>> start(const RecorderParams& params);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // `bgraBottomUp`: a GL readback (BGRA, bottom row first) of params.size. `sidecarLine`: a JSON line
  // for the landmark sidecar (ignored without one). Returns false if the frame was dropped.
  bool push(cv::Mat bgraBottomUp, std::string sidecarLine = {});
  RecorderSummary stop();
  uint64_t framesDropped() const { return dropped_.load(); }
  uint64_t framesWritten() const { return written_.load(); }
  // The writer stopped early (disk full); error() says why. Frames pushed after that are dropped.
  bool failed() const { return failed_.load(); }
  std::string error() const;
  const RecorderParams& params() const { return params_; }

 private:
  struct Item {
    cv::Mat bgra;
    std::string line;
  };
  explicit Recorder(RecorderParams params);
  void run();

  RecorderParams params_;
  std::unique_ptr<cv::VideoWriter> writer_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> sidecar_{nullptr, &std::fclose};
  BoundedQueue<Item> queue_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex errorMutex_;
  std::string error_;
  std::thread thread_;
  bool stopped_ = false;
};

// One line for the user: "<path>: N frames written, M dropped (x.x%)[; why it stopped early]".
std::string recordReport(const RecorderSummary& summary);

// A name for a new recording in `dir`: facefilter-YYYYmmdd-HHMMSS.mp4 (or .png for snapshots).
std::filesystem::path timestampedPath(const std::filesystem::path& dir, const std::string& extension);

// Writes one readback (BGRA, bottom row first) as a PNG.
Status writeSnapshot(const std::filesystem::path& path, const cv::Mat& bgraBottomUp);

}  // namespace facefilter
