#pragma once
// Helpers shared by the app tests: a face of known keypoints, temporary folders. The data folder is
// engine/core/data_dir.hpp's.

#include <unistd.h>

#include <filesystem>
#include <string>

#include "engine/core/data_dir.hpp"
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

inline std::filesystem::path freshTempDir(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("facefilter-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace facefilter::test
