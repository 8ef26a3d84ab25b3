#pragma once
// What the recording tests check in a written file, read through libavformat/libavcodec in the test
// process (never the ffmpeg/ffprobe programs): the streams as a player sees them, the MP4 box order, the
// decoded video frames and the decoded sound, and measurements of a tone in that sound.
// Every function returns an error (or an empty/failed result with the reason) instead of throwing.

#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter::test {

struct StreamInfo {
  std::string type;         // "video", "audio", ...
  std::string codec;        // FFmpeg's codec name: "h264", "vp9", "aac", "opus", ...
  std::string pixelFormat;  // video: "yuv420p", ...; empty for audio
  int width = 0;
  int height = 0;
  int sampleRate = 0;          // audio
  int channels = 0;            // audio
  double startSeconds = 0;     // the stream's start_time (0 when unknown)
  double durationSeconds = 0;  // the stream's own duration (0 when the container does not say)
  double frameRate = 0;        // video: avg_frame_rate (0 when unknown)
};

struct MediaInfo {
  std::string format;          // the demuxer's name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")
  double durationSeconds = 0;  // the container's duration, as players show it
  std::vector<StreamInfo> streams;

  // The first stream of that type, nullptr when there is none.
  const StreamInfo* video() const;
  const StreamInfo* audio() const;
  int count(const std::string& type) const;
};

Result<MediaInfo> probeMedia(const std::string& path);

// For an MP4/MOV file: whether the top-level 'moov' box (the index) comes before the 'mdat' box (the
// media data), which lets a player start before the whole file has arrived. An error when the file
// cannot be read or lacks either box.
Result<bool> moovBeforeMdat(const std::string& path);

// Decodes every frame of the first video stream; each frame's time (best-effort pts) in seconds, in
// presentation order as the decoder returns them.
Result<std::vector<double>> decodeVideoTimes(const std::string& path);

// Frame `index` (0-based, presentation order) of the first video stream, converted to 8-bit BGR.
Result<cv::Mat> decodeVideoFrame(const std::string& path, int index);

struct DecodedAudio {
  int sampleRate = 0;
  double startSeconds = 0;  // the first decoded frame's time on the file's timeline
  std::vector<float> mono;  // every channel averaged, full scale = 1
};

// Decodes the first audio stream (or the audio stream with that index among the audio streams).
Result<DecodedAudio> decodeAudio(const std::string& path, int audioStreamIndex = 0);

// The frequency between minHz and maxHz (scanned in stepHz steps, Goertzel) with the most energy in
// samples [begin, end) of `samples`.
double dominantFrequency(const std::vector<float>& samples, int sampleRate, std::size_t begin,
                         std::size_t end, double minHz = 50, double maxHz = 4000, double stepHz = 5);

// Where the sound is louder than `rmsThreshold` (RMS of 10 ms windows): the first and the last such window
// and the time they add up to, in seconds from the first sample. All 0 when nothing is that loud.
struct LoudSpan {
  double firstSeconds = 0;
  double lastSeconds = 0;  // the end of the last loud window
  double totalSeconds = 0;
};
LoudSpan loudSpan(const std::vector<float>& samples, int sampleRate, double rmsThreshold = 0.05);

// Peak signal-to-noise ratio of two 8-bit images of the same size and type, in dB.
double psnr(const cv::Mat& a, const cv::Mat& b);

}  // namespace facefilter::test
