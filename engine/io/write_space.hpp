#pragma once
// Room left for an output file: the free space of its file system (statvfs) and the process's file size
// limit (RLIMIT_FSIZE), whichever is smaller. The video writers check it before each frame and stop while
// there is still room for the container's index (an MP4's moov atom is written last, at release()), so a
// full disk ends a recording with a finalised, playable file instead of a broken one.
// Any thread; no shared state. Header-only.

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace facefilter {

// Bytes that can still be written to `file` (existing or about to be created); INT64_MAX when unknown.
inline int64_t bytesWritableTo(const std::filesystem::path& file) {
  int64_t room = std::numeric_limits<int64_t>::max();
  std::error_code ec;
  std::filesystem::path probe = file;
  if (!std::filesystem::exists(probe, ec)) probe = file.has_parent_path() ? file.parent_path() : ".";
  struct statvfs vfs {};
  if (::statvfs(probe.c_str(), &vfs) == 0) {
    room = static_cast<int64_t>(
        std::min<uint64_t>(static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize, static_cast<uint64_t>(room)));
  }
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const auto size = std::filesystem::file_size(file, ec);
    const int64_t used = ec ? 0 : static_cast<int64_t>(size);
    room = std::min(room, static_cast<int64_t>(lim.rlim_cur) - used);
  }
  return room;
}

// Decides, before each frame, whether there is room for it and for finalising the files afterwards:
// the frames an encoder still holds (its lookahead: they reach the disk only when it is flushed), the
// biggest frame seen twice over, the I/O buffer and the index. `files`: the outputs that grow together (a
// video and its sidecar). Owned by the writing thread.
class WriteSpaceGuard {
 public:
  // `firstFrameBytesEstimate`: how much one encoded frame may take before any was measured (held frames
  // are reckoned at a quarter of it until frames reach the disk). `framesHeld`: frames the encoder holds.
  WriteSpaceGuard(std::vector<std::filesystem::path> files, int64_t firstFrameBytesEstimate,
                  int framesHeld = 0)
      : files_(std::move(files)),
        maxFrameBytes_(std::max<int64_t>(firstFrameBytesEstimate, 4096)),
        meanFrameBytes_(maxFrameBytes_ / 4),
        framesHeld_(std::max(framesHeld, 0)) {}

  // True when the next frame and the index still fit. Call with the frames written so far.
  bool roomForNextFrame(uint64_t framesWritten) {
    const int64_t total = totalBytes();
    if (lastTotal_ >= 0 && total > lastTotal_) maxFrameBytes_ = std::max(maxFrameBytes_, total - lastTotal_);
    lastTotal_ = total;
    // The frames on the disk so far: those handed over less those the encoder still holds.
    const int64_t onDisk = static_cast<int64_t>(framesWritten) - framesHeld_;
    if (onDisk > 0) meanFrameBytes_ = std::max<int64_t>(total / onDisk, 1);
    int64_t room = std::numeric_limits<int64_t>::max();
    for (const auto& f : files_) room = std::min(room, bytesWritableTo(f));
    return room > reserveBytes(framesWritten);
  }

  // The I/O buffer (FFmpeg's is 32 KiB) and slack, two of the biggest frames, the held frames at the mean
  // size, and the index: ~64 bytes a frame.
  int64_t reserveBytes(uint64_t framesWritten) const {
    return kSlackBytes + 2 * maxFrameBytes_ + framesHeld_ * meanFrameBytes_ +
           64 * static_cast<int64_t>(framesWritten);
  }

 private:
  static constexpr int64_t kSlackBytes = 256 * 1024;
  int64_t totalBytes() const {
    int64_t sum = 0;
    std::error_code ec;
    for (const auto& f : files_) {
      const auto s = std::filesystem::file_size(f, ec);
      if (!ec) sum += static_cast<int64_t>(s);
    }
    return sum;
  }

  std::vector<std::filesystem::path> files_;
  int64_t maxFrameBytes_;
  int64_t meanFrameBytes_;
  int64_t framesHeld_;
  int64_t lastTotal_ = -1;
};

}  // namespace facefilter
