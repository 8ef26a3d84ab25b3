#pragma once
// Helpers shared by the app tests: a face of known keypoints and the data folder.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/filters/canonical_face.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter::test {

// The canonical face, `scale` pixels per eye-centre distance, the eye midpoint at `centre`.
inline Landmarks canonicalLandmarks(float scale, cv::Point2f centre) {
  Landmarks l{};
  for (size_t i = 0; i < l.size(); ++i) {
    l[i] = centre + cv::Point2f(kCanonicalFace68[i].x, kCanonicalFace68[i].y) * scale;
  }
  return l;
}

// $FACEFILTER_DATA_DIR, else ../shared/data beside the repository.
inline std::filesystem::path dataDir() {
  if (const char* env = std::getenv("FACEFILTER_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return FACEFILTER_TEST_DEFAULT_DATA_DIR;
}

inline std::filesystem::path freshTempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("facefilter-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace facefilter::test
