#include "app/stats/render_loop_stats.hpp"

#include <algorithm>
#include <fstream>

#include "engine/core/sample_window.hpp"
#include "engine/io/json_output.hpp"

namespace facefilter {
namespace {

// Memory stays bounded on a run of days; the quantiles then describe the first hours, which is plenty.
constexpr size_t kMaxSamples = 4'000'000;

double quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::vector<double> sorted(values.begin(), values.end());
  return SampleWindow::quantileSorted(sorted, q);
}

}  // namespace

void RenderLoopStats::addFrame(double frameMs, double resultAgeMs) {
  ++frames_;
  if (frameMs_.size() < kMaxSamples) frameMs_.push_back(static_cast<float>(frameMs));
  if (resultAgeMs >= 0 && resultAgeMs_.size() < kMaxSamples)
    resultAgeMs_.push_back(static_cast<float>(resultAgeMs));
}

void RenderLoopStats::addRecording(uint64_t written, uint64_t dropped) {
  recordedFrames_ += written;
  droppedFrames_ += dropped;
}

void RenderLoopStats::addDrawn(int faces, int models) {
  ++scenesDrawn_;
  facesDrawn_ += static_cast<uint64_t>(std::max(0, faces));
  modelsDrawn_ += static_cast<uint64_t>(std::max(0, models));
}

void RenderLoopStats::setWindow(int width, int height, int fbWidth, int fbHeight) {
  windowWidth_ = width;
  windowHeight_ = height;
  framebufferWidth_ = fbWidth;
  framebufferHeight_ = fbHeight;
}

double RenderLoopStats::frameMsQuantile(double q) const {
  return quantile(frameMs_, q);
}
double RenderLoopStats::resultAgeMsQuantile(double q) const {
  return quantile(resultAgeMs_, q);
}

std::string RenderLoopStats::json() const {
  const OrderedJson j = {
      {"mode", mode_},
      {"frames_rendered", frames_},
      {"wall_seconds", fixedDecimals(wallSeconds_, 3)},
      {"render_fps", fixedDecimals(fps(), 2)},
      {"render_ms",
       {{"median", fixedDecimals(frameMsQuantile(0.5), 3)},
        {"p95", fixedDecimals(frameMsQuantile(0.95), 3)},
        {"p99", fixedDecimals(frameMsQuantile(0.99), 3)},
        {"max", fixedDecimals(frameMsQuantile(1.0), 3)}}},
      {"result_age_ms",
       {{"median", fixedDecimals(resultAgeMsQuantile(0.5), 3)},
        {"p95", fixedDecimals(resultAgeMsQuantile(0.95), 3)},
        {"frames_with_result", resultAgeMs_.size()}}},
      {"recorder", {{"frames_written", recordedFrames_}, {"frames_dropped", droppedFrames_}}},
      {"scene",
       {{"renders", scenesDrawn_},
        {"faces_per_render",
         fixedDecimals(scenesDrawn_ > 0 ? static_cast<double>(facesDrawn_) / scenesDrawn_ : 0.0, 3)},
        {"models_per_render",
         fixedDecimals(scenesDrawn_ > 0 ? static_cast<double>(modelsDrawn_) / scenesDrawn_ : 0.0, 3)}}},
      {"window",
       {{"width", windowWidth_},
        {"height", windowHeight_},
        {"framebuffer_width", framebufferWidth_},
        {"framebuffer_height", framebufferHeight_},
        {"swap_interval", swapInterval_}}},
  };
  return jsonLine(j) + "\n";
}

Status RenderLoopStats::write(const std::filesystem::path& path) const {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return makeError("RenderLoopStats::write: cannot write " + tmp.string());
    out << json();
    out.flush();
    if (!out) return makeError("RenderLoopStats::write: writing " + tmp.string() + " failed (disk full?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return makeError("RenderLoopStats::write: cannot rename " + tmp.string() + " to " + path.string());
  }
  return Ok{};
}

}  // namespace facefilter
