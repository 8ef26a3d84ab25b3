#pragma once
// Input clips for the recording tests, written with libavformat/libavcodec directly (not MediaWriter) so
// that a fault in the code under test cannot hide in its own inputs: a video stream of synthetic frames
// and zero, one or two audio streams holding a sine tone of known frequency, length and start offset.
// The clips are readable by cv::VideoCapture (FFmpeg backend) as well as by libavformat.

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter::test {

struct ToneClipSpec {
  std::filesystem::path path;  // the container follows the extension: .mp4, .mov, .mkv, .webm
  cv::Size size{160, 120};     // even sizes: the video is yuv420p
  double fps = 25;
  int frames = 50;
  std::string videoCodec =
      "mpeg4";  // any FFmpeg encoder name that takes yuv420p (mpeg4, libx264, libvpx-vp9)
  // FFmpeg encoder name: aac, pcm_s16le, libopus, libvorbis, mp3 (libmp3lame), flac, ... Unused when
  // audioStreams is 0.
  std::string audioCodec = "aac";
  int audioStreams = 1;  // 0, 1 or 2
  double toneHz = 440;   // the first audio stream's tone
  // The second audio stream's tone, different so that a test can tell which stream was read.
  double secondToneHz = 1000;
  double amplitude = 0.5;  // of full scale
  // Where the audio stream starts, in seconds on the video's timeline (the video starts at 0); the tone
  // fills the audio stream from its first sample on, for toneSeconds.
  double toneStartS = 0;
  double toneSeconds = 2;
  int sampleRate = 48000;
  int channels = 2;
};

// Writes the clip; an error naming the step and the file when an encoder is missing or a write fails.
Status writeToneClip(const ToneClipSpec& spec);

// True when FFmpeg has an encoder of that name (a test skips with the reason when it has not).
bool hasEncoder(const std::string& name);

// The grey level of the flat background of video frame `index` (a white bar moves across it), so that a
// test can tell frames apart after a lossy round trip: the level steps by 8 per frame and wraps within
// the video range of luma (16 and up, below 235).
int toneClipGrey(int index);

}  // namespace facefilter::test
