#pragma once
// The render loop's figures for a benchmark to read (--stats-json OUT.json): frames rendered, wall time,
// frame-time quantiles, how old the shown result was, what the recorder wrote and dropped, and the window
// size. The loop adds one sample per frame; the JSON is written once, at exit. Main thread only.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace facefilter {

class RenderLoopStats {
 public:
  // `frameMs`: the time since the previous frame ended (the loop's whole period, swap included).
  // `resultAgeMs`: capture -> now of the result shown, negative when no result was shown.
  void addFrame(double frameMs, double resultAgeMs);
  void addRecording(uint64_t framesWritten, uint64_t framesDropped);
  // What one render of the scene drew (faces with filters, 3D models over all faces); the JSON gives the
  // means per render, so a benchmark can tell that what it measured was drawn.
  void addDrawn(int faces, int models);
  void setWallSeconds(double seconds) { wallSeconds_ = seconds; }
  void setWindow(int width, int height, int framebufferWidth, int framebufferHeight);
  void setMode(std::string mode) { mode_ = std::move(mode); }
  void setSwapInterval(int interval) { swapInterval_ = interval; }

  uint64_t frames() const { return frames_; }
  double wallSeconds() const { return wallSeconds_; }
  double fps() const { return wallSeconds_ > 0 ? static_cast<double>(frames_) / wallSeconds_ : 0.0; }
  // q in [0, 1] over every frame's time (0 when there is none).
  double frameMsQuantile(double q) const;
  double resultAgeMsQuantile(double q) const;

  // One JSON object (see the keys in render_loop_stats.cpp).
  std::string json() const;
  // Writes json() to path.tmp and renames it over `path`.
  Status write(const std::filesystem::path& path) const;

 private:
  uint64_t frames_ = 0;
  double wallSeconds_ = 0;
  std::vector<float> frameMs_;
  std::vector<float> resultAgeMs_;
  uint64_t recordedFrames_ = 0;
  uint64_t droppedFrames_ = 0;
  uint64_t scenesDrawn_ = 0, facesDrawn_ = 0, modelsDrawn_ = 0;
  int windowWidth_ = 0, windowHeight_ = 0, framebufferWidth_ = 0, framebufferHeight_ = 0;
  std::string mode_ = "interactive";
  int swapInterval_ = 0;
};

}  // namespace facefilter
