#pragma once
// The files the app names and writes itself: timestamped names for recordings and snapshots, and PNG
// snapshots of a GL readback. (Recordings are written by media/recorder.hpp.)

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter {

// A name for a new recording in `dir`: facefilter-YYYYmmdd-HHMMSS.mp4 (or .png for snapshots).
std::filesystem::path timestampedPath(const std::filesystem::path& dir, const std::string& extension);

// Writes one readback (BGRA, bottom row first) as a PNG.
Status writeSnapshot(const std::filesystem::path& path, const cv::Mat& bgraBottomUp);

}  // namespace facefilter
