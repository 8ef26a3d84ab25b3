#include "app/record/output_files.hpp"

#include <ctime>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facefilter {

std::filesystem::path timestampedPath(const std::filesystem::path& dir, const std::string& extension) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "facefilter-%Y%m%d-%H%M%S", &tm);
  std::filesystem::path p = dir / (std::string(buf) + extension);
  for (int i = 2; std::filesystem::exists(p) && i < 1000; ++i) {
    p = dir / (std::string(buf) + "-" + std::to_string(i) + extension);
  }
  return p;
}

Status writeSnapshot(const std::filesystem::path& path, const cv::Mat& bgra) {
  cv::Mat flipped;
  cv::flip(bgra, flipped, 0);
  cv::Mat bgr;
  cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
  try {
    if (!cv::imwrite(path.string(), bgr)) return makeError("writeSnapshot: cannot write " + path.string());
  } catch (const cv::Exception& e) {
    return makeError("writeSnapshot: cannot write " + path.string() + ": " + e.err);
  }
  return Ok{};
}

}  // namespace facefilter
