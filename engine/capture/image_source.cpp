#include "engine/capture/image_source.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "engine/core/logging.hpp"

namespace facefilter {

Result<cv::Mat> readImageFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return makeError("image '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) return makeError("image '" + path + "': is a folder");
  if (!std::ifstream(path, std::ios::binary).good()) {
    return makeError("image '" + path + "': cannot be read (permissions?)");
  }
  cv::Mat raw;
  try {
    raw = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return makeError("image '" + path + "': " + e.what());
  }
  if (raw.empty()) return makeError("image '" + path + "': not an image OpenCV can decode (or truncated)");
  auto bgr = toBgr8(raw);
  if (!bgr) return makeError("image '" + path + "': " + bgr.error().message);
  return bgr;
}

Result<std::unique_ptr<FrameSource>> ImageSource::open(const std::string& path) {
  auto image = readImageFile(path);
  if (!image) return image.error();
  SourceInfo info;
  info.width = image->cols;
  info.height = image->rows;
  info.frameCount = 1;
  info.description =
      "image:" + path + " (" + std::to_string(info.width) + "x" + std::to_string(info.height) + ")";
  return std::unique_ptr<FrameSource>(new ImageSource(std::move(image).value(), std::move(info)));
}

ReadResult ImageSource::read() {
  ReadResult r;
  if (delivered_) {
    r.status = ReadStatus::kEndOfStream;
    return r;
  }
  delivered_ = true;
  r.status = ReadStatus::kFrame;
  r.image = image_;
  return r;
}

Result<std::unique_ptr<FrameSource>> FolderSource::open(const std::string& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) return makeError("folder '" + folder + "': not a folder");
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && isImagePath(entry.path().string())) files.push_back(entry.path().string());
  }
  if (ec) return makeError("folder '" + folder + "': cannot list it: " + ec.message());
  if (files.empty()) return makeError("folder '" + folder + "': holds no image files (.jpg, .png, ...)");
  std::sort(files.begin(), files.end());
  SourceInfo info;
  info.frameCount = static_cast<int>(files.size());
  info.description = "folder:" + folder + " (" + std::to_string(files.size()) + " images)";
  return std::unique_ptr<FrameSource>(new FolderSource(std::move(files), std::move(info)));
}

ReadResult FolderSource::read() {
  ReadResult r;
  while (next_ < files_.size()) {
    const std::string& file = files_[next_++];
    auto image = readImageFile(file);
    if (!image) {
      ++skipped_;
      logger("capture")->warn("{}; skipped", image.error().message);
      continue;
    }
    current_ = file;
    r.status = ReadStatus::kFrame;
    r.image = std::move(image).value();
    return r;
  }
  r.status = ReadStatus::kEndOfStream;
  return r;
}

}  // namespace facefilter
