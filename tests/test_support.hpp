#pragma once
// Helpers shared by the test executables: where the shared data and the generated test models are,
// temporary folders, small files written by the tests themselves, bounded waits for threads.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "engine/core/data_dir.hpp"

namespace facefilter::test {

namespace fs = std::filesystem;

// A sample photo of the shared data folder (engine/core/data_dir.hpp: $FACEFILTER_DATA or ../shared/data).
inline fs::path samplePath(const std::string& name) {
  return fs::path(defaultDataDir()) / "samples" / name;
}

// Skips the current test (from the test body) when a data file is missing.
#define FACEFILTER_SKIP_IF_MISSING(path)                                                         \
  do {                                                                                           \
    if (!std::filesystem::exists(path)) {                                                        \
      GTEST_SKIP() << "missing " << (path)                                                       \
                   << " (shared test data; set FACEFILTER_DATA to the folder holding samples/)"; \
    }                                                                                            \
  } while (0)

inline constexpr const char* kTestModel = FACEFILTER_TEST_MODEL;
inline constexpr const char* kTestModelBadShape = FACEFILTER_TEST_MODEL_BAD_SHAPE;
inline constexpr const char* kTestModelNoMetadata = FACEFILTER_TEST_MODEL_NO_METADATA;
inline constexpr const char* kTestModelTwoStage = FACEFILTER_TEST_MODEL_TWO_STAGE;
inline constexpr const char* kTestModelMissingStage = FACEFILTER_TEST_MODEL_MISSING_STAGE;
inline constexpr const char* kTestModelPresence = FACEFILTER_TEST_MODEL_PRESENCE;
inline constexpr const char* kTestModelMissingPresence = FACEFILTER_TEST_MODEL_MISSING_PRESENCE;
inline constexpr const char* kTestModelBadPresence = FACEFILTER_TEST_MODEL_BAD_PRESENCE;
inline constexpr const char* kDemoClip = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";

#define FACEFILTER_SKIP_IF_NO_DEMO()                                                                 \
  do {                                                                                               \
    if (!std::filesystem::exists(::facefilter::test::kDemoClip)) {                                   \
      GTEST_SKIP() << "missing " << ::facefilter::test::kDemoClip << " (Debian package opencv-doc)"; \
    }                                                                                                \
  } while (0)

// A fresh folder under the system temp folder, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "facefilter-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Copies the first `fraction` of `src`'s bytes to `dst` (a file cut short, as by a full disk or a
// crash while writing).
inline void writeTruncatedCopy(const std::string& src, const std::string& dst, double fraction) {
  const std::string bytes = readFile(src);
  writeFile(dst, bytes.substr(0, static_cast<size_t>(static_cast<double>(bytes.size()) * fraction)));
}

// The synthetic frame `i` of writeTestVideo: its gray level encodes the index (MJPEG keeps it within a
// few levels), a red square moves along.
inline cv::Mat syntheticFrame(int i, cv::Size size) {
  cv::Mat img(size, CV_8UC3, cv::Scalar::all((i * 2) % 256));
  const int x = (i * 3) % std::max(1, size.width - 20);
  cv::rectangle(img, cv::Rect(x, 10, 16, 16), cv::Scalar(0, 0, 255), cv::FILLED);
  return img;
}

// Writes `frames` synthetic frames; returns false when the writer cannot be opened.
inline bool writeTestVideo(const std::string& path, int fourcc, int frames, cv::Size size = {160, 120},
                           double fps = 24) {
  cv::VideoWriter writer(path, cv::CAP_FFMPEG, fourcc, fps, size);
  if (!writer.isOpened()) return false;
  for (int i = 0; i < frames; ++i) writer.write(syntheticFrame(i, size));
  writer.release();
  return true;
}

inline int fourccMjpg() {
  return cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
}
inline int fourccMp4v() {
  return cv::VideoWriter::fourcc('m', 'p', '4', 'v');
}

// Frames a video file decodes to, read to the end (-1 when it cannot be opened).
inline int countDecodableFrames(const std::string& path) {
  cv::VideoCapture capture(path, cv::CAP_FFMPEG);
  if (!capture.isOpened()) return -1;
  int n = 0;
  cv::Mat frame;
  while (capture.read(frame) && !frame.empty()) ++n;
  return n;
}

// Polls `done` until it holds or `timeout` passes (for state another thread reaches; generous timeouts
// keep this from being flaky on a loaded machine). Returns the last value of `done`.
inline bool waitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace facefilter::test
