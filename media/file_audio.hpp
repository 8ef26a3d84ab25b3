#pragma once
// The first audio stream of a media file, demuxed with libavformat so that a batch recording can carry
// the input's sound (copied, or re-encoded by MediaWriter). Times are put on the timeline of the file's
// VIDEO stream, the one OpenCV's CAP_PROP_POS_MSEC (Frame::sourceTimeMs) uses: 0 = the video stream's
// start_time, so audio and video keep the offset they have in the input.
// One thread at a time.

#include <cstdint>
#include <filesystem>
#include <memory>

#include "engine/core/result.hpp"

extern "C" {
struct AVCodecParameters;
struct AVPacket;
}

namespace facefilter {

class FileAudio {
 public:
  // nullptr (and no error) when the file has no audio stream; an error when it cannot be opened at all.
  static Result<std::unique_ptr<FileAudio>> open(const std::filesystem::path& path);
  ~FileAudio();
  FileAudio(const FileAudio&) = delete;
  FileAudio& operator=(const FileAudio&) = delete;

  const AVCodecParameters* parameters() const;
  int timeBaseNum() const;
  int timeBaseDen() const;
  // Audio streams in the file; only the first is read (a caller says so when there are several).
  int audioStreamCount() const;
  std::string codecName() const;
  // Subtract from a packet's time (in the packets' time base, rescaled to us) to get its time on the video
  // stream's timeline: the video stream's start_time in us (0 when unknown).
  int64_t offsetUs() const;

  // The next packet of the stream (the caller unrefs it); false at the end of the file.
  Result<bool> next(AVPacket* packet);
  // A packet's pts on the video stream's timeline, in us (AV_NOPTS_VALUE packets use their dts;
  // AV_NOPTS_VALUE when it has neither).
  int64_t timeUs(const AVPacket& packet) const;

 private:
  struct State;
  FileAudio();
  std::unique_ptr<State> state_;
};

}  // namespace facefilter
