#include "app/stats/render_loop_stats.hpp"

#include <algorithm>
#include <fstream>

#include "engine/core/sample_window.hpp"
#include "engine/io/json_writer.hpp"

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
  if (resultAgeMs >= 0 && resultAgeMs_.size() < kMaxSamples) resultAgeMs_.push_back(static_cast<float>(resultAgeMs));
}

void RenderLoopStats::addRecording(uint64_t written, uint64_t dropped) {
  recordedFrames_ += written;
  droppedFrames_ += dropped;
}

void RenderLoopStats::setWindow(int width, int height, int fbWidth, int fbHeight) {
  windowWidth_ = width;
  windowHeight_ = height;
  framebufferWidth_ = fbWidth;
  framebufferHeight_ = fbHeight;
}

double RenderLoopStats::frameMsQuantile(double q) const { return quantile(frameMs_, q); }
double RenderLoopStats::resultAgeMsQuantile(double q) const { return quantile(resultAgeMs_, q); }

std::string RenderLoopStats::json() const {
  JsonWriter w;
  w.beginObject();
  w.key("mode").value(mode_);
  w.key("frames_rendered").value(frames_);
  w.key("wall_seconds").value(wallSeconds_, 3);
  w.key("render_fps").value(fps(), 2);
  w.key("render_ms").beginObject();
  w.key("median").value(frameMsQuantile(0.5), 3);
  w.key("p95").value(frameMsQuantile(0.95), 3);
  w.key("p99").value(frameMsQuantile(0.99), 3);
  w.key("max").value(frameMsQuantile(1.0), 3);
  w.endObject();
  w.key("result_age_ms").beginObject();
  w.key("median").value(resultAgeMsQuantile(0.5), 3);
  w.key("p95").value(resultAgeMsQuantile(0.95), 3);
  w.key("frames_with_result").value(static_cast<uint64_t>(resultAgeMs_.size()));
  w.endObject();
  w.key("recorder").beginObject();
  w.key("frames_written").value(recordedFrames_);
  w.key("frames_dropped").value(droppedFrames_);
  w.endObject();
  w.key("window").beginObject();
  w.key("width").value(windowWidth_);
  w.key("height").value(windowHeight_);
  w.key("framebuffer_width").value(framebufferWidth_);
  w.key("framebuffer_height").value(framebufferHeight_);
  w.key("swap_interval").value(swapInterval_);
  w.endObject();
  w.endObject();
  return w.take() + "\n";
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
