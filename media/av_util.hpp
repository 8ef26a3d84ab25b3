#pragma once
// Small pieces every FFmpeg user in media/ needs: error texts, owning pointers for the C structs, and the
// microsecond time base the recording timeline is counted in. Include only from media/ sources.

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/frame.h>
}

namespace facefilter::av {

// av_strerror's text for an FFmpeg error code ("No space left on device", "Invalid argument", ...).
std::string errorText(int code);
// "<what> failed for <path>: <error text>", the form every media/ error message takes.
std::string failure(const std::string& what, const std::string& path, int code);

inline constexpr AVRational kMicroseconds{1, 1000000};

// Sends FFmpeg's own messages to our log (logger "media": its errors as warnings, its warnings at debug
// level, nothing chattier) instead of stderr, where x264 would print its statistics at every file's end.
// Idempotent; any thread.
void routeLogs();

struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct InputFormatClose {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};

using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatClose>;

}  // namespace facefilter::av
