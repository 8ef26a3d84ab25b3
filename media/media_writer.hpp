#pragma once
// Encodes and muxes one recording with FFmpeg's libraries: video (H.264 yuv420p in MP4 with the index at
// the front, or VP9 in WebM) and optionally one audio stream. Audio comes either as an input file's
// packets (copied when the codec fits the container, else decoded, resampled and re-encoded: AAC in MP4,
// Opus in WebM) or as PCM samples (a microphone), encoded the same way.
// Every timestamp is in microseconds on the recording's own timeline (0 = its start); the writer
// rescales them to its streams' time bases, so variable frame rates and dropped frames keep their timing.
// Every av_* result is checked; an error names the file and the failed step. After an error, finish()
// still finalises the file with what was written (a playable file when the container allows).
// One thread at a time (the recorder's writer thread).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "media/encoder_settings.hpp"

extern "C" {
struct AVCodecParameters;
struct AVPacket;
}

namespace facefilter {

// An input file's audio stream, whose packets will be passed to writeAudioPacket().
struct AudioPacketsIn {
  const AVCodecParameters* parameters = nullptr;  // copied at open(); the caller keeps ownership
  int timeBaseNum = 1;                            // the packets' time base
  int timeBaseDen = 1;
};

// Interleaved float samples, passed to writeAudioSamples().
struct AudioPcmIn {
  int sampleRate = 48000;
  int channels = 2;
};

struct MediaWriterParams {
  std::filesystem::path path;
  cv::Size size;                // every frame's size; odd sizes are refused by H.264's 4:2:0 (say so)
  double frameRateHint = 30.0;  // the nominal rate written for players; timestamps decide the timing
  EncoderSettings encoder;
  std::optional<AudioPacketsIn> audioPackets;  // at most one of the two
  std::optional<AudioPcmIn> audioPcm;
};

class MediaWriter {
 public:
  // Creates the file, the encoders and the header. A missing encoder (no libx264 / libvpx), an unwritable
  // path, a folder as the path or a size the encoder refuses: an error naming the file, and no file left.
  static Result<std::unique_ptr<MediaWriter>> open(const MediaWriterParams& params);
  ~MediaWriter();  // finish() if not done
  MediaWriter(const MediaWriter&) = delete;
  MediaWriter& operator=(const MediaWriter&) = delete;

  // One frame, 8-bit BGR or BGRA, top row first, of params.size. `timeUs`: its time on the recording's
  // timeline; a time not after the previous frame's is moved just after it (never a muxer error).
  Status writeVideo(const cv::Mat& image, int64_t timeUs);
  // One packet of the input's audio stream; its pts/dts are in AudioPacketsIn's time base, and `offsetUs`
  // is subtracted from them to put it on the recording's timeline. Packets before 0 are dropped (trimmed).
  Status writeAudioPacket(const AVPacket& packet, int64_t offsetUs);
  // `frames` sample frames (frames * channels floats); `timeUs`: the first sample's time on the timeline.
  // A gap or an overlap against the samples before is filled with silence or trimmed.
  Status writeAudioSamples(const float* interleaved, int frames, int64_t timeUs);
  // Flushes the encoders and writes the trailer (MP4: moves the index to the front). Idempotent.
  Status finish();

  uint64_t videoFrames() const { return videoFrames_; }
  // How the audio is written ("copied (aac)", "re-encoded from pcm_s16le to aac", "encoded to aac from
  // pcm"), empty without audio.
  const std::string& audioNote() const { return audioNote_; }
  bool hasAudio() const;
  const MediaWriterParams& params() const { return params_; }

 private:
  struct State;  // the FFmpeg contexts
  explicit MediaWriter(MediaWriterParams params);

  MediaWriterParams params_;
  std::unique_ptr<State> state_;
  uint64_t videoFrames_ = 0;
  std::string audioNote_;
};

}  // namespace facefilter
