#include "media/tone_clip.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace facefilter::test {
namespace {

// Kept apart from media/av_util so that the inputs do not share code with what they test.
std::string avText(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return buf;
}

struct CodecFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using CodecPtr = std::unique_ptr<AVCodecContext, CodecFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;

// The output file: closed and freed on every path, the trailer written only by finish().
struct Output {
  AVFormatContext* fmt = nullptr;
  ~Output() {
    if (fmt == nullptr) return;
    if ((fmt->oformat->flags & AVFMT_NOFILE) == 0) avio_closep(&fmt->pb);
    avformat_free_context(fmt);
  }
};

struct Track {
  CodecPtr codec;
  AVStream* stream = nullptr;
  double toneHz = 0;
  int64_t next = 0;  // the next frame's pts in the codec's time base
  int64_t end = 0;   // one past the last pts
};

class Writer {
 public:
  explicit Writer(const ToneClipSpec& spec) : spec_(spec), file_(spec.path.string()) {}

  Status run() {
    if (spec_.audioStreams < 0 || spec_.audioStreams > 2) return fail("audioStreams must be 0, 1 or 2");
    if (spec_.frames < 1 || spec_.fps <= 0) return fail("frames and fps must be positive");
    int rc = avformat_alloc_output_context2(&out_.fmt, nullptr, nullptr, file_.c_str());
    if (rc < 0 || out_.fmt == nullptr) return fail("avformat_alloc_output_context2", rc);
    if (auto s = addVideo(); !s) return s;
    for (int i = 0; i < spec_.audioStreams; ++i) {
      if (auto s = addAudio(i == 0 ? spec_.toneHz : spec_.secondToneHz); !s) return s;
    }
    if ((out_.fmt->oformat->flags & AVFMT_NOFILE) == 0) {
      rc = avio_open(&out_.fmt->pb, file_.c_str(), AVIO_FLAG_WRITE);
      if (rc < 0) return fail("avio_open", rc);
    }
    rc = avformat_write_header(out_.fmt, nullptr);
    if (rc < 0) return fail("avformat_write_header", rc);
    if (auto s = writeInTimeOrder(); !s) return s;
    for (Track* t : tracks()) {
      if (auto s = encode(*t, nullptr); !s) return s;
    }
    rc = av_write_trailer(out_.fmt);
    if (rc < 0) return fail("av_write_trailer", rc);
    if ((out_.fmt->oformat->flags & AVFMT_NOFILE) == 0) {
      rc = avio_closep(&out_.fmt->pb);
      if (rc < 0) return fail("avio_closep", rc);
    }
    return Ok{};
  }

 private:
  Error fail(const std::string& what, int code) const {
    return makeError("writeToneClip: " + what + " failed for " + file_ + ": " + avText(code));
  }
  Error fail(const std::string& what) const {
    return makeError("writeToneClip: " + what + " (" + file_ + ")");
  }

  std::vector<Track*> tracks() {
    std::vector<Track*> all{&video_};
    for (Track& a : audio_) all.push_back(&a);
    return all;
  }

  Result<CodecPtr> openEncoder(const std::string& name, const AVCodec** found) {
    *found = avcodec_find_encoder_by_name(name.c_str());
    if (*found == nullptr) return fail("no FFmpeg encoder named " + name);
    CodecPtr ctx(avcodec_alloc_context3(*found));
    if (!ctx) return fail("avcodec_alloc_context3", AVERROR(ENOMEM));
    if ((out_.fmt->oformat->flags & AVFMT_GLOBALHEADER) != 0) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    return ctx;
  }

  Status addStream(Track& t, const std::string& name) {
    t.stream = avformat_new_stream(out_.fmt, nullptr);
    if (t.stream == nullptr) return fail("avformat_new_stream (" + name + ")", AVERROR(ENOMEM));
    const int rc = avcodec_parameters_from_context(t.stream->codecpar, t.codec.get());
    if (rc < 0) return fail("avcodec_parameters_from_context (" + name + ")", rc);
    t.stream->time_base = t.codec->time_base;
    return Ok{};
  }

  Status addVideo() {
    const AVCodec* codec = nullptr;
    auto ctx = openEncoder(spec_.videoCodec, &codec);
    if (!ctx) return ctx.error();
    video_.codec = std::move(ctx.value());
    AVCodecContext* c = video_.codec.get();
    c->width = spec_.size.width;
    c->height = spec_.size.height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->framerate = av_d2q(spec_.fps, 100000);
    c->time_base = av_inv_q(c->framerate);
    c->gop_size = 12;
    c->max_b_frames = 0;  // pts = frame index on every packet, so frame-exact checks stay simple
    c->bit_rate = 400000;
    int rc = avcodec_open2(c, codec, nullptr);
    if (rc < 0) return fail("avcodec_open2 (" + spec_.videoCodec + ")", rc);
    video_.end = spec_.frames;
    return addStream(video_, spec_.videoCodec);
  }

  Status addAudio(double toneHz) {
    const AVCodec* codec = nullptr;
    auto ctx = openEncoder(spec_.audioCodec, &codec);
    if (!ctx) return ctx.error();
    Track& t = audio_.emplace_back();
    t.codec = std::move(ctx.value());
    t.toneHz = toneHz;
    AVCodecContext* c = t.codec.get();
    c->sample_fmt = codec->sample_fmts != nullptr ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
    c->sample_rate = spec_.sampleRate;
    av_channel_layout_default(&c->ch_layout, spec_.channels);
    c->time_base = AVRational{1, spec_.sampleRate};
    c->bit_rate = 128000;
    // FFmpeg 5.1 still marks its native Vorbis and Opus encoders experimental.
    c->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;
    int rc = avcodec_open2(c, codec, nullptr);
    if (rc < 0) return fail("avcodec_open2 (" + spec_.audioCodec + ")", rc);
    t.next = std::llround(spec_.toneStartS * spec_.sampleRate);
    t.end = t.next + std::llround(spec_.toneSeconds * spec_.sampleRate);
    return addStream(t, spec_.audioCodec);
  }

  // Frames go to the muxer in presentation order across streams, as a real recorder writes them.
  Status writeInTimeOrder() {
    for (;;) {
      Track* earliest = nullptr;
      for (Track* t : tracks()) {
        if (t->next >= t->end) continue;
        if (earliest == nullptr ||
            av_compare_ts(t->next, t->codec->time_base, earliest->next, earliest->codec->time_base) < 0) {
          earliest = t;
        }
      }
      if (earliest == nullptr) return Ok{};
      auto frame = earliest == &video_ ? videoFrame() : audioFrame(*earliest);
      if (!frame) return frame.error();
      if (auto s = encode(*earliest, frame.value().get()); !s) return s;
    }
  }

  Result<FramePtr> newFrame() {
    FramePtr f(av_frame_alloc());
    if (!f) return fail("av_frame_alloc", AVERROR(ENOMEM));
    return f;
  }

  Result<FramePtr> videoFrame() {
    auto made = newFrame();
    if (!made) return made;
    AVFrame* f = made.value().get();
    const AVCodecContext* c = video_.codec.get();
    f->format = c->pix_fmt;
    f->width = c->width;
    f->height = c->height;
    int rc = av_frame_get_buffer(f, 0);
    if (rc < 0) return fail("av_frame_get_buffer (video)", rc);
    const int index = static_cast<int>(video_.next);
    const int bar = std::max(2, c->width / 8);
    const int barX = (index * 4) % std::max(1, c->width - bar);
    for (int y = 0; y < c->height; ++y) {
      uint8_t* row = f->data[0] + static_cast<ptrdiff_t>(y) * f->linesize[0];
      std::fill(row, row + c->width, static_cast<uint8_t>(toneClipGrey(index)));
      std::fill(row + barX, row + barX + bar, uint8_t{235});
    }
    for (int plane = 1; plane <= 2; ++plane) {
      for (int y = 0; y < c->height / 2; ++y) {
        uint8_t* row = f->data[plane] + static_cast<ptrdiff_t>(y) * f->linesize[plane];
        std::fill(row, row + c->width / 2, uint8_t{128});
      }
    }
    f->pts = video_.next++;
    return made;
  }

  Result<FramePtr> audioFrame(Track& t) {
    auto made = newFrame();
    if (!made) return made;
    AVFrame* f = made.value().get();
    const AVCodecContext* c = t.codec.get();
    const bool variable = (c->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
    const int64_t want = (c->frame_size > 0 && !variable) ? c->frame_size : 1024;
    f->nb_samples = static_cast<int>(std::min(want, t.end - t.next));
    f->format = c->sample_fmt;
    f->sample_rate = c->sample_rate;
    int rc = av_channel_layout_copy(&f->ch_layout, &c->ch_layout);
    if (rc < 0) return fail("av_channel_layout_copy", rc);
    rc = av_frame_get_buffer(f, 0);
    if (rc < 0) return fail("av_frame_get_buffer (audio)", rc);
    const auto fmt = static_cast<AVSampleFormat>(f->format);
    const bool planar = av_sample_fmt_is_planar(fmt) != 0;
    const int channels = c->ch_layout.nb_channels;
    // The phase counts from the stream's first sample, so the tone is continuous across frames.
    const int64_t first = t.next - std::llround(spec_.toneStartS * spec_.sampleRate);
    for (int i = 0; i < f->nb_samples; ++i) {
      const double v = spec_.amplitude * std::sin(2 * std::numbers::pi * t.toneHz *
                                                  static_cast<double>(first + i) / c->sample_rate);
      for (int ch = 0; ch < channels; ++ch) {
        const int plane = planar ? ch : 0;
        const int slot = planar ? i : i * channels + ch;
        if (auto s = store(fmt, f->data[plane], slot, v); !s) return s.error();
      }
    }
    f->pts = t.next;
    t.next += f->nb_samples;
    return made;
  }

  Status store(AVSampleFormat fmt, uint8_t* data, int slot, double v) const {
    switch (av_get_packed_sample_fmt(fmt)) {
      case AV_SAMPLE_FMT_S16:
        reinterpret_cast<int16_t*>(data)[slot] = static_cast<int16_t>(std::lround(v * 32767));
        return Ok{};
      case AV_SAMPLE_FMT_S32:
        reinterpret_cast<int32_t*>(data)[slot] = static_cast<int32_t>(std::llround(v * 2147483647.0));
        return Ok{};
      case AV_SAMPLE_FMT_FLT:
        reinterpret_cast<float*>(data)[slot] = static_cast<float>(v);
        return Ok{};
      case AV_SAMPLE_FMT_DBL:
        reinterpret_cast<double*>(data)[slot] = v;
        return Ok{};
      default:
        return fail(std::string("the encoder's sample format ") + av_get_sample_fmt_name(fmt) +
                    " is not one the tone writer fills");
    }
  }

  // Sends a frame (nullptr: flush) and writes every packet the encoder returns.
  Status encode(Track& t, AVFrame* frame) {
    int rc = avcodec_send_frame(t.codec.get(), frame);
    if (rc < 0) return fail("avcodec_send_frame", rc);
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) return fail("av_packet_alloc", AVERROR(ENOMEM));
    for (;;) {
      rc = avcodec_receive_packet(t.codec.get(), pkt.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return Ok{};
      if (rc < 0) return fail("avcodec_receive_packet", rc);
      // Without a duration the MP4 muxer's edit list ends at the last frame's start and cuts that frame
      // off for every reader; each video frame lasts one tick of the frame rate.
      if (&t == &video_ && pkt->duration == 0) pkt->duration = 1;
      av_packet_rescale_ts(pkt.get(), t.codec->time_base, t.stream->time_base);
      pkt->stream_index = t.stream->index;
      rc = av_interleaved_write_frame(out_.fmt, pkt.get());
      if (rc < 0) return fail("av_interleaved_write_frame", rc);
    }
  }

  const ToneClipSpec& spec_;
  const std::string file_;
  Output out_;
  Track video_;
  std::vector<Track> audio_;
};

}  // namespace

Status writeToneClip(const ToneClipSpec& spec) {
  return Writer(spec).run();
}

bool hasEncoder(const std::string& name) {
  return avcodec_find_encoder_by_name(name.c_str()) != nullptr;
}

int toneClipGrey(int index) {
  return 16 + (index * 8) % 216;
}

}  // namespace facefilter::test
