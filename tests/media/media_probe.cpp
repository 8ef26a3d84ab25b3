#include "media_probe.hpp"

#include "media/av_util.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <numbers>
#include <optional>

#include <opencv2/core.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace facefilter::test {

namespace {

Error avError(const std::string& what, const std::string& path, int code) {
  return makeError(av::failure(what, path, code));
}

using InputPtr = av::InputFormatPtr;
using CodecPtr = av::CodecContextPtr;
using FramePtr = av::FramePtr;
using PacketPtr = av::PacketPtr;

Result<InputPtr> openInput(const std::string& path) {
  AVFormatContext* raw = nullptr;
  if (int rc = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); rc < 0) {
    return avError("avformat_open_input", path, rc);
  }
  InputPtr input(raw);
  if (int rc = avformat_find_stream_info(input.get(), nullptr); rc < 0) {
    return avError("avformat_find_stream_info", path, rc);
  }
  return input;
}

double seconds(int64_t ts, AVRational tb) {
  return ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
}

// The index of the `nth` stream of that media type, -1 when there is none.
int findStream(const AVFormatContext* fmt, AVMediaType type, int nth) {
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    if (fmt->streams[i]->codecpar->codec_type == type && nth-- == 0) return static_cast<int>(i);
  }
  return -1;
}

struct Decoder {
  InputPtr input;
  CodecPtr codec;
  int stream = -1;
};

Result<Decoder> openDecoder(const std::string& path, AVMediaType type, int nth) {
  auto input = openInput(path);
  if (!input) return input.error();
  Decoder d;
  d.input = std::move(input).value();
  d.stream = findStream(d.input.get(), type, nth);
  if (d.stream < 0) return makeError(path + " has no " + av_get_media_type_string(type) + " stream");
  const AVCodecParameters* par = d.input->streams[d.stream]->codecpar;
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (codec == nullptr) return makeError(path + ": no decoder for " + avcodec_get_name(par->codec_id));
  d.codec.reset(avcodec_alloc_context3(codec));
  if (!d.codec) return makeError(path + ": avcodec_alloc_context3 failed");
  if (int rc = avcodec_parameters_to_context(d.codec.get(), par); rc < 0) {
    return avError("avcodec_parameters_to_context", path, rc);
  }
  d.codec->pkt_timebase = d.input->streams[d.stream]->time_base;
  if (int rc = avcodec_open2(d.codec.get(), codec, nullptr); rc < 0)
    return avError("avcodec_open2", path, rc);
  return d;
}

// Feeds every packet of the decoder's stream and then the flush; `onFrame` sees each decoded frame and
// returns false to stop early.
template <class OnFrame>
Status decodeAll(Decoder& d, const std::string& path, OnFrame onFrame) {
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  if (!packet || !frame) return makeError(path + ": out of memory");
  bool flushing = false;
  while (true) {
    if (!flushing) {
      int rc = av_read_frame(d.input.get(), packet.get());
      if (rc == AVERROR_EOF) {
        flushing = true;
        rc = avcodec_send_packet(d.codec.get(), nullptr);
        if (rc < 0) return avError("avcodec_send_packet (flush)", path, rc);
      } else if (rc < 0) {
        return avError("av_read_frame", path, rc);
      } else {
        const bool ours = packet->stream_index == d.stream;
        if (ours) rc = avcodec_send_packet(d.codec.get(), packet.get());
        av_packet_unref(packet.get());
        if (ours && rc < 0) return avError("avcodec_send_packet", path, rc);
        if (!ours) continue;
      }
    }
    while (true) {
      const int rc = avcodec_receive_frame(d.codec.get(), frame.get());
      if (rc == AVERROR(EAGAIN)) break;
      if (rc == AVERROR_EOF) return Ok{};
      if (rc < 0) return avError("avcodec_receive_frame", path, rc);
      const bool more = onFrame(*frame);
      av_frame_unref(frame.get());
      if (!more) return Ok{};
    }
  }
}

uint32_t bigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

const StreamInfo* MediaInfo::video() const {
  for (const auto& s : streams) {
    if (s.type == "video") return &s;
  }
  return nullptr;
}

const StreamInfo* MediaInfo::audio() const {
  for (const auto& s : streams) {
    if (s.type == "audio") return &s;
  }
  return nullptr;
}

int MediaInfo::count(const std::string& type) const {
  return static_cast<int>(
      std::count_if(streams.begin(), streams.end(), [&](const StreamInfo& s) { return s.type == type; }));
}

Result<MediaInfo> probeMedia(const std::string& path) {
  auto input = openInput(path);
  if (!input) return input.error();
  const AVFormatContext* fmt = input.value().get();
  MediaInfo info;
  info.format = fmt->iformat->name;
  info.durationSeconds = seconds(fmt->duration, AVRational{1, AV_TIME_BASE});
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    const AVCodecParameters* par = st->codecpar;
    StreamInfo s;
    const char* type = av_get_media_type_string(par->codec_type);
    s.type = type != nullptr ? type : "unknown";
    s.codec = avcodec_get_name(par->codec_id);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
      const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
      s.pixelFormat = pix != nullptr ? pix : "";
      s.width = par->width;
      s.height = par->height;
      if (st->avg_frame_rate.den != 0) s.frameRate = av_q2d(st->avg_frame_rate);
    }
    if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.sampleRate = par->sample_rate;
      s.channels = par->ch_layout.nb_channels;
    }
    s.startSeconds = seconds(st->start_time, st->time_base);
    s.durationSeconds = seconds(st->duration, st->time_base);
    info.streams.push_back(std::move(s));
  }
  return info;
}

Result<bool> moovBeforeMdat(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot open " + path);
  in.seekg(0, std::ios::end);
  const auto fileSize = static_cast<uint64_t>(in.tellg());
  uint64_t offset = 0;
  std::optional<uint64_t> moov;
  std::optional<uint64_t> mdat;
  while (offset + 8 <= fileSize && !(moov && mdat)) {
    std::array<unsigned char, 16> head{};
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(head.data()), 8);
    if (!in) break;
    uint64_t size = bigEndian32(head.data());
    const std::string type(reinterpret_cast<const char*>(head.data()) + 4, 4);
    if (size == 1) {  // a 64-bit size follows the type
      in.read(reinterpret_cast<char*>(head.data()) + 8, 8);
      if (!in) break;
      size = (uint64_t{bigEndian32(head.data() + 8)} << 32) | bigEndian32(head.data() + 12);
    } else if (size == 0) {  // the box runs to the end of the file
      size = fileSize - offset;
    }
    if (size < 8)
      return makeError(path + ": a box of size " + std::to_string(size) + " at " + std::to_string(offset));
    if (type == "moov" && !moov) moov = offset;
    if (type == "mdat" && !mdat) mdat = offset;
    offset += size;
  }
  if (!moov || !mdat) {
    return makeError(path + ": " + (moov ? "no 'mdat' box" : "no 'moov' box") + " at the top level");
  }
  return *moov < *mdat;
}

Result<std::vector<double>> decodeVideoTimes(const std::string& path) {
  auto d = openDecoder(path, AVMEDIA_TYPE_VIDEO, 0);
  if (!d) return d.error();
  const AVRational tb = d.value().input->streams[d.value().stream]->time_base;
  std::vector<double> times;
  auto status = decodeAll(d.value(), path, [&](const AVFrame& f) {
    times.push_back(seconds(f.best_effort_timestamp, tb));
    return true;
  });
  if (!status) return status.error();
  return times;
}

Result<cv::Mat> decodeVideoFrame(const std::string& path, int index) {
  auto d = openDecoder(path, AVMEDIA_TYPE_VIDEO, 0);
  if (!d) return d.error();
  cv::Mat bgr;
  std::string failure;
  int seen = 0;
  auto status = decodeAll(d.value(), path, [&](const AVFrame& f) {
    if (seen++ < index) return true;
    // Interpolated chroma, as players show it.
    SwsContext* sws = sws_getContext(
        f.width, f.height, static_cast<AVPixelFormat>(f.format), f.width, f.height, AV_PIX_FMT_BGR24,
        SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr);
    if (sws == nullptr) {
      failure = path + ": sws_getContext failed";
      return false;
    }
    bgr.create(f.height, f.width, CV_8UC3);
    uint8_t* dst[4] = {bgr.data, nullptr, nullptr, nullptr};
    const int dstStride[4] = {static_cast<int>(bgr.step[0]), 0, 0, 0};
    const int rows = sws_scale(sws, f.data, f.linesize, 0, f.height, dst, dstStride);
    sws_freeContext(sws);
    if (rows != f.height) failure = path + ": sws_scale converted " + std::to_string(rows) + " rows";
    return false;
  });
  if (!status) return status.error();
  if (!failure.empty()) return makeError(failure);
  if (bgr.empty())
    return makeError(path + " has " + std::to_string(seen) + " frames, no frame " + std::to_string(index));
  return bgr;
}

Result<DecodedAudio> decodeAudio(const std::string& path, int audioStreamIndex) {
  auto d = openDecoder(path, AVMEDIA_TYPE_AUDIO, audioStreamIndex);
  if (!d) return d.error();
  const AVRational tb = d.value().input->streams[d.value().stream]->time_base;
  DecodedAudio out;
  out.sampleRate = d.value().codec->sample_rate;
  bool first = true;
  std::string failure;
  auto status = decodeAll(d.value(), path, [&](const AVFrame& f) {
    if (first) {
      out.startSeconds = seconds(f.best_effort_timestamp, tb);
      first = false;
    }
    const int channels = f.ch_layout.nb_channels;
    const auto format = static_cast<AVSampleFormat>(f.format);
    const bool planar = av_sample_fmt_is_planar(format) != 0;
    auto sample = [&](int ch, int i) -> double {
      const int plane = planar ? ch : 0;
      const int at = planar ? i : i * channels + ch;
      const uint8_t* base = f.extended_data[plane];
      switch (av_get_packed_sample_fmt(format)) {
        case AV_SAMPLE_FMT_FLT:
          return reinterpret_cast<const float*>(base)[at];
        case AV_SAMPLE_FMT_DBL:
          return reinterpret_cast<const double*>(base)[at];
        case AV_SAMPLE_FMT_S16:
          return reinterpret_cast<const int16_t*>(base)[at] / 32768.0;
        case AV_SAMPLE_FMT_S32:
          return reinterpret_cast<const int32_t*>(base)[at] / 2147483648.0;
        case AV_SAMPLE_FMT_U8:
          return (base[at] - 128) / 128.0;
        default:
          return 0;
      }
    };
    switch (av_get_packed_sample_fmt(format)) {
      case AV_SAMPLE_FMT_FLT:
      case AV_SAMPLE_FMT_DBL:
      case AV_SAMPLE_FMT_S16:
      case AV_SAMPLE_FMT_S32:
      case AV_SAMPLE_FMT_U8:
        break;
      default:
        failure = path + ": sample format " + av_get_sample_fmt_name(format) + " not handled by the probe";
        return false;
    }
    for (int i = 0; i < f.nb_samples; ++i) {
      double sum = 0;
      for (int ch = 0; ch < channels; ++ch) sum += sample(ch, i);
      out.mono.push_back(static_cast<float>(sum / std::max(channels, 1)));
    }
    return true;
  });
  if (!status) return status.error();
  if (!failure.empty()) return makeError(failure);
  return out;
}

double dominantFrequency(const std::vector<float>& samples, int sampleRate, std::size_t begin,
                         std::size_t end, double minHz, double maxHz, double stepHz) {
  end = std::min(end, samples.size());
  if (begin >= end || sampleRate <= 0) return 0;
  double best = 0;
  double bestPower = -1;
  for (double hz = minHz; hz <= maxHz; hz += stepHz) {
    // Goertzel: the power of one DFT bin at `hz` without a whole FFT.
    const double coeff = 2 * std::cos(2 * std::numbers::pi * hz / sampleRate);
    double s1 = 0;
    double s2 = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const double s0 = samples[i] + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if (power > bestPower) {
      bestPower = power;
      best = hz;
    }
  }
  return best;
}

LoudSpan loudSpan(const std::vector<float>& samples, int sampleRate, double rmsThreshold) {
  LoudSpan span;
  if (sampleRate <= 0) return span;
  const std::size_t window = static_cast<std::size_t>(std::max(1, sampleRate / 100));
  bool any = false;
  for (std::size_t at = 0; at + window <= samples.size(); at += window) {
    double energy = 0;
    for (std::size_t i = at; i < at + window; ++i) energy += double{samples[i]} * samples[i];
    if (std::sqrt(energy / static_cast<double>(window)) <= rmsThreshold) continue;
    const double start = static_cast<double>(at) / sampleRate;
    const double stop = static_cast<double>(at + window) / sampleRate;
    if (!any) span.firstSeconds = start;
    any = true;
    span.lastSeconds = stop;
    span.totalSeconds += stop - start;
  }
  return span;
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
  return cv::PSNR(a, b);
}

}  // namespace facefilter::test
