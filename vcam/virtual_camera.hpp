#pragma once
// The virtual camera's sender: a thread of its own that converts the newest rendered picture and writes it
// to a FrameSink at a set rate (FramePacer), repeating the last picture when no new one is ready, so that
// consumers see a steady stream.
//
// Threads: push() and stats() from any thread (the render loop pushes); the sender thread does the rest.
// push() never waits on the sender: it hands the picture over through a queue of two. The second place
// absorbs the render loop's jitter: a source at the camera's own rate sometimes delivers two pictures within
// one frame time and none in the next, and with a single place the first of the two would be lost (and the
// next slot repeated) at every such beat of the two clocks. A picture pushed while two wait replaces the
// older one, which is counted as dropped, so the delay the queue adds stays at most one frame time. The
// sender holds the lock only to take a picture out, never while converting or writing. Failures: a write
// error ends the sender (running() false) with the message in stats().error; the app goes on. The destructor
// stops and joins the thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <opencv2/core.hpp>

#include "vcam/frame_sink.hpp"

namespace facefilter {

struct VirtualCameraStats {
  uint64_t pushed = 0;        // pictures handed over by push()
  uint64_t sent = 0;          // new pictures written
  uint64_t repeated = 0;      // the last picture written again (no new one ready in its slot)
  uint64_t dropped = 0;       // pictures pushed out of the full queue before the sender took them
  uint64_t writeErrors = 0;   // the write that failed (the sender stops at the first)
  uint64_t skippedSlots = 0;  // frame times that passed without a write (the sender was held up)
  double convertMsMean = 0;   // the conversion's mean time
  bool running = false;
  std::string error;  // why the sender stopped, or empty
};

class VirtualCamera {
 public:
  // Starts sending to `sink` at `fps` frames a second (1..240).
  VirtualCamera(std::unique_ptr<FrameSink> sink, int fps);
  ~VirtualCamera();
  VirtualCamera(const VirtualCamera&) = delete;
  VirtualCamera& operator=(const VirtualCamera&) = delete;

  // A new picture: CV_8UC4 BGRA, bottom row first (the readback's order), any size. Never waits.
  void push(cv::Mat bgraBottomUp);
  VirtualCameraStats stats() const;
  bool running() const;
  VcamFrameFormat format() const { return format_; }
  const std::string& description() const { return description_; }
  int fps() const { return fps_; }

 private:
  void run();

  std::unique_ptr<FrameSink> sink_;
  const int fps_;
  const VcamFrameFormat format_;
  const std::string description_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  static constexpr size_t kHeldPictures = 2;
  std::deque<cv::Mat> waiting_;  // pictures not yet taken, oldest first
  VirtualCameraStats stats_;
  std::thread thread_;  // last: started once everything above is set
};

}  // namespace facefilter
