#pragma once
// A single still image (delivered once), and a folder of images (delivered in name order; unreadable
// files are skipped, counted and logged).

#include <memory>
#include <string>
#include <vector>

#include "engine/capture/frame_source.hpp"

namespace facefilter {

// Reads any image file OpenCV decodes (gray, 16-bit, alpha included) as 8-bit BGR.
Result<cv::Mat> readImageFile(const std::string& path);

class ImageSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<FrameSource>> open(const std::string& path);
  ReadResult read() override;
  SourceInfo info() const override { return info_; }

 private:
  ImageSource(cv::Mat image, SourceInfo info) : image_(std::move(image)), info_(std::move(info)) {}
  cv::Mat image_;
  SourceInfo info_;
  bool delivered_ = false;
};

class FolderSource final : public FrameSource {
 public:
  static Result<std::unique_ptr<FrameSource>> open(const std::string& folder);
  ReadResult read() override;
  SourceInfo info() const override { return info_; }
  int skippedFrames() const override { return skipped_; }
  // The file the last delivered frame came from.
  const std::string& currentFile() const { return current_; }

 private:
  FolderSource(std::vector<std::string> files, SourceInfo info)
      : files_(std::move(files)), info_(std::move(info)) {}
  std::vector<std::string> files_;
  SourceInfo info_;
  size_t next_ = 0;
  int skipped_ = 0;
  std::string current_;
};

}  // namespace facefilter
