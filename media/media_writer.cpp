#include "media/media_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "media/av_util.hpp"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace facefilter {

namespace fs = std::filesystem;

namespace {

struct OutputFree {
  void operator()(AVFormatContext* f) const {
    if (f->pb != nullptr && !(f->oformat->flags & AVFMT_NOFILE)) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};
struct SwsFree {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct FifoFree {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
using OutputPtr = std::unique_ptr<AVFormatContext, OutputFree>;
using SwrPtr = std::unique_ptr<SwrContext, SwrFree>;
using FifoPtr = std::unique_ptr<AVAudioFifo, FifoFree>;

// Audio codecs copied as they are: those that play wherever the container's video does (browsers, phones,
// chat apps). AC-3, E-AC-3 and ALAC are valid in MP4 but most browsers play no sound from them, and Opus in
// MP4 is not played by every player, so those are re-encoded to AAC.
bool copiesInto(VideoContainer container, AVCodecID codec) {
  if (container == VideoContainer::kWebmVp9) return codec == AV_CODEC_ID_OPUS || codec == AV_CODEC_ID_VORBIS;
  return codec == AV_CODEC_ID_AAC || codec == AV_CODEC_ID_MP3;
}

int presetIndex(const std::string& preset) {
  const std::vector<std::string>& presets = encoderPresets();
  const auto at = std::find(presets.begin(), presets.end(), preset);
  return at == presets.end() ? -1 : static_cast<int>(at - presets.begin());
}

std::string sizeText(cv::Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

}  // namespace

struct MediaWriter::State {
  std::string path;  // for messages
  OutputPtr out;
  bool finished = false;  // also while open() has not written the header yet
  std::string error;      // the first failure; every later write returns it
  std::optional<Status> finishResult;
  av::PacketPtr packet;  // reused for the audio encoder's output and copied packets

  // Video.
  av::CodecContextPtr video;
  AVStream* videoStream = nullptr;
  std::unique_ptr<SwsContext, SwsFree> sws;
  AVPixelFormat swsSource = AV_PIX_FMT_NONE;
  av::FramePtr videoFrame;
  int64_t lastPts = AV_NOPTS_VALUE;  // in the video codec's time base
  int64_t lastInterval = 0;
  // The time to the next frame, by pts, for frames whose packets are not written yet: a packet's duration
  // is only known once the frame after it was sent, and the last one's sets the file's length.
  std::map<int64_t, int64_t> durations;
  std::vector<av::PacketPtr> heldPackets;  // encoder order, waiting for their durations

  // Audio.
  AVStream* audioStream = nullptr;
  bool copyAudio = false;
  AVRational audioInBase{1, 1};
  int64_t lastCopiedDts = AV_NOPTS_VALUE;  // the stream's time base
  int64_t lastOffsetUs = 0;                // the packets' last offset, for what the decoder holds back
  av::CodecContextPtr decoder;             // re-encoding an input file's packets
  av::CodecContextPtr audio;               // the audio encoder
  SwrPtr swr;
  AVChannelLayout swrInLayout{};
  AVSampleFormat swrInFormat = AV_SAMPLE_FMT_NONE;
  int swrInRate = 0;
  FifoPtr fifo;
  bool audioStarted = false;
  int64_t fifoPts = 0;  // the first fifo sample's pts, in samples of the encoder's rate
  uint8_t** convertBuffer = nullptr;
  int convertCapacity = 0;
  av::FramePtr audioFrame;
  av::FramePtr decodedFrame;

  ~State() {
    av_channel_layout_uninit(&swrInLayout);
    if (convertBuffer != nullptr) av_freep(&convertBuffer[0]);
    av_freep(&convertBuffer);
  }

  Error fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return makeError(error);
  }
  Error fail(const std::string& what, int code) { return fail(av::failure(what, path, code)); }

  Status write(AVPacket* pkt) {
    // Takes the packet's reference whether or not it succeeds.
    const int rc = av_interleaved_write_frame(out.get(), pkt);
    if (rc < 0) return fail("writing a packet (av_interleaved_write_frame)", rc);
    return Ok{};
  }

  // Video packets go out in the encoder's order once their duration is known; `flushing`: the last frame
  // was sent, so the frame without a successor lasts as long as the interval before it.
  Status writeHeldVideo(bool flushing) {
    size_t done = 0;
    Status status = Ok{};
    for (; done < heldPackets.size(); ++done) {
      AVPacket* pkt = heldPackets[done].get();
      auto it = durations.find(pkt->pts);
      if (it == durations.end() && !flushing) break;
      pkt->duration = it != durations.end() ? it->second : lastInterval;
      if (it != durations.end()) durations.erase(it);
      av_packet_rescale_ts(pkt, video->time_base, videoStream->time_base);
      pkt->stream_index = videoStream->index;
      if (status.ok() && error.empty()) {
        status = write(pkt);
      } else {
        av_packet_unref(pkt);
      }
    }
    heldPackets.erase(heldPackets.begin(), heldPackets.begin() + static_cast<std::ptrdiff_t>(done));
    return status;
  }

  // Sends a frame (nullptr: the flush) and writes what the encoder gives back.
  Status encodeVideo(const AVFrame* frame) {
    if (int rc = avcodec_send_frame(video.get(), frame); rc < 0) {
      return fail("encoding video (avcodec_send_frame)", rc);
    }
    while (true) {
      av::PacketPtr pkt(av_packet_alloc());
      if (!pkt) return fail("allocating a packet", AVERROR(ENOMEM));
      const int rc = avcodec_receive_packet(video.get(), pkt.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) return fail("encoding video (avcodec_receive_packet)", rc);
      heldPackets.push_back(std::move(pkt));
    }
    return writeHeldVideo(frame == nullptr);
  }

  Status encodeAudio(const AVFrame* frame) {
    if (int rc = avcodec_send_frame(audio.get(), frame); rc < 0) {
      return fail("encoding audio (avcodec_send_frame)", rc);
    }
    while (true) {
      const int rc = avcodec_receive_packet(audio.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) return fail("encoding audio (avcodec_receive_packet)", rc);
      av_packet_rescale_ts(packet.get(), audio->time_base, audioStream->time_base);
      packet->stream_index = audioStream->index;
      if (auto s = write(packet.get()); !s) return s;
    }
    return Ok{};
  }

  // Encodes whole encoder frames from the fifo; `flushing`: the rest too, as a shorter or padded frame.
  Status drainFifo(bool flushing) {
    const int frameSize = audio->frame_size > 0 ? audio->frame_size : 1024;
    const bool anySize = (audio->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
    const bool smallLast = anySize || (audio->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
    while (true) {
      const int available = av_audio_fifo_size(fifo.get());
      if (available == 0 || (available < frameSize && !flushing)) return Ok{};
      const int take = std::min(available, frameSize);
      av_frame_unref(audioFrame.get());
      audioFrame->nb_samples = take < frameSize && !smallLast ? frameSize : take;
      audioFrame->format = audio->sample_fmt;
      audioFrame->sample_rate = audio->sample_rate;
      if (int rc = av_channel_layout_copy(&audioFrame->ch_layout, &audio->ch_layout); rc < 0) {
        return fail("copying the channel layout", rc);
      }
      if (int rc = av_frame_get_buffer(audioFrame.get(), 0); rc < 0) {
        return fail("allocating an audio frame", rc);
      }
      if (audioFrame->nb_samples > take) {
        av_samples_set_silence(audioFrame->extended_data, take, audioFrame->nb_samples - take,
                               audio->ch_layout.nb_channels, audio->sample_fmt);
      }
      const int read =
          av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(audioFrame->extended_data), take);
      if (read != take) return fail("reading the audio fifo", read < 0 ? read : AVERROR_BUG);
      audioFrame->pts = fifoPts;
      fifoPts += take;
      if (auto s = encodeAudio(audioFrame.get()); !s) return s;
    }
  }

  Status ensureResampler(const AVChannelLayout& given, AVSampleFormat format, int rate) {
    // A stream that gives only its channel count (WAV without a channel mask) gets the usual layout for it,
    // so that a downmix knows which channel is which.
    AVChannelLayout layout{};
    if (given.order == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_default(&layout, given.nb_channels);
    } else if (int rc = av_channel_layout_copy(&layout, &given); rc < 0) {
      return fail("copying the channel layout", rc);
    }
    Status s = ensureResamplerFor(layout, format, rate);
    av_channel_layout_uninit(&layout);
    return s;
  }

  Status ensureResamplerFor(const AVChannelLayout& layout, AVSampleFormat format, int rate) {
    if (swr && swrInFormat == format && swrInRate == rate &&
        av_channel_layout_compare(&swrInLayout, &layout) == 0) {
      return Ok{};
    }
    // A format change midway (rare: a decoder reconfiguring) starts a new resampler; what the old one held
    // back is a few samples, not worth keeping.
    SwrContext* raw = nullptr;
    // FFmpeg 5.1 declares the input layout non-const; it only reads it.
    if (int rc = swr_alloc_set_opts2(&raw, &audio->ch_layout, audio->sample_fmt, audio->sample_rate,
                                     const_cast<AVChannelLayout*>(&layout), format, rate, 0, nullptr);
        rc < 0) {
      return fail("setting up the audio resampler (swr_alloc_set_opts2)", rc);
    }
    swr.reset(raw);
    if (int rc = swr_init(swr.get()); rc < 0) return fail("setting up the audio resampler (swr_init)", rc);
    av_channel_layout_uninit(&swrInLayout);
    if (int rc = av_channel_layout_copy(&swrInLayout, &layout); rc < 0) {
      return fail("copying the channel layout", rc);
    }
    swrInFormat = format;
    swrInRate = rate;
    return Ok{};
  }

  // Resamples `frames` input frames (nullptr: drains the resampler) into the fifo.
  Status convert(const uint8_t* const* data, int frames) {
    const int outFrames = swr_get_out_samples(swr.get(), frames);
    if (outFrames < 0) return fail("resampling audio (swr_get_out_samples)", outFrames);
    if (outFrames > convertCapacity) {
      if (convertBuffer != nullptr) av_freep(&convertBuffer[0]);
      av_freep(&convertBuffer);
      convertCapacity = 0;
      int rc = av_samples_alloc_array_and_samples(&convertBuffer, nullptr, audio->ch_layout.nb_channels,
                                                  outFrames, audio->sample_fmt, 0);
      if (rc < 0) return fail("allocating audio buffers", rc);
      convertCapacity = outFrames;
    }
    const int got =
        swr_convert(swr.get(), convertBuffer, convertCapacity, const_cast<const uint8_t**>(data), frames);
    if (got < 0) return fail("resampling audio (swr_convert)", got);
    if (got > 0) {
      const int wrote = av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(convertBuffer), got);
      if (wrote != got) return fail("writing the audio fifo", wrote < 0 ? wrote : AVERROR(ENOMEM));
    }
    return Ok{};
  }

  // Silence through the resampler (so that it lands after what the resampler still holds), a second at a
  // time, encoded as it goes: a long stall of the sound card costs no more memory than a short one.
  Status insertSilence(int64_t inFrames) {
    const int channels = swrInLayout.nb_channels;
    const int chunk = static_cast<int>(std::min<int64_t>(inFrames, swrInRate));
    uint8_t** zeros = nullptr;
    if (int rc = av_samples_alloc_array_and_samples(&zeros, nullptr, channels, chunk, swrInFormat, 0);
        rc < 0) {
      return fail("allocating audio buffers", rc);
    }
    av_samples_set_silence(zeros, 0, chunk, channels, swrInFormat);
    Status s = Ok{};
    for (int64_t left = inFrames; left > 0 && s.ok(); left -= chunk) {
      s = convert(zeros, static_cast<int>(std::min<int64_t>(left, chunk)));
      if (s) s = drainFifo(false);
    }
    av_freep(&zeros[0]);
    av_freep(&zeros);
    return s;
  }

  // Puts `frames` input frames, in the resampler's input format, at `timeUs` on the timeline: the first
  // call fixes where the sound starts; later ones that drift from the running sample count by more than one
  // encoder frame (the capture clock against the sound card's) get silence before them or lose their start.
  Status pushSamples(const uint8_t* const* data, int frames, int64_t timeUs) {
    if (frames <= 0) return Ok{};
    const int inRate = swrInRate;
    const int outRate = audio->sample_rate;
    const int channels = swrInLayout.nb_channels;
    const int64_t inDurationUs = av_rescale(frames, 1000000, inRate);
    int skip = 0;  // input frames trimmed from the start
    if (!audioStarted) {
      if (timeUs + inDurationUs <= 0) return Ok{};
      if (timeUs < 0) {
        skip = static_cast<int>(av_rescale_rnd(-timeUs, inRate, 1000000, AV_ROUND_UP));
        timeUs = 0;
      }
      fifoPts = av_rescale(timeUs, outRate, 1000000);
      audioStarted = true;
    } else {
      const int64_t expected = fifoPts + av_audio_fifo_size(fifo.get()) + swr_get_delay(swr.get(), outRate);
      const int64_t at = av_rescale(timeUs, outRate, 1000000);
      const int64_t tolerance = audio->frame_size > 0 ? audio->frame_size : 1024;
      if (at - expected > tolerance) {
        if (auto s = insertSilence(av_rescale(at - expected, inRate, outRate)); !s) return s;
      } else if (expected - at > tolerance) {
        skip = static_cast<int>(std::min<int64_t>(frames, av_rescale(expected - at, inRate, outRate)));
      }
    }
    if (skip >= frames) return Ok{};
    std::vector<const uint8_t*> planes;
    const bool planar = av_sample_fmt_is_planar(swrInFormat) != 0;
    const int bytes = av_get_bytes_per_sample(swrInFormat);
    for (int p = 0; p < (planar ? channels : 1); ++p) {
      planes.push_back(data[p] + static_cast<ptrdiff_t>(skip) * bytes * (planar ? 1 : channels));
    }
    if (auto s = convert(planes.data(), frames - skip); !s) return s;
    return drainFifo(false);
  }

  Status decodeAndPush(const AVPacket* pkt, int64_t offsetUs) {
    lastOffsetUs = offsetUs;
    // A damaged packet (a cut frame, as FFmpeg's own tools meet in many AVI files) loses its own sound,
    // not the recording's.
    if (int rc = avcodec_send_packet(decoder.get(), pkt); rc < 0 && rc != AVERROR_EOF) {
      if (rc == AVERROR_INVALIDDATA) return Ok{};
      return fail("decoding the input's audio (avcodec_send_packet)", rc);
    }
    while (true) {
      const int rc = avcodec_receive_frame(decoder.get(), decodedFrame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF || rc == AVERROR_INVALIDDATA) return Ok{};
      if (rc < 0) return fail("decoding the input's audio (avcodec_receive_frame)", rc);
      const AVFrame& f = *decodedFrame;
      Status s = ensureResampler(f.ch_layout, static_cast<AVSampleFormat>(f.format), f.sample_rate);
      if (s) {
        const int64_t ts = f.best_effort_timestamp;
        const int64_t timeUs =
            ts == AV_NOPTS_VALUE
                ? av_rescale(fifoPts + av_audio_fifo_size(fifo.get()), 1000000, audio->sample_rate)
                : av_rescale_q(ts, audioInBase, av::kMicroseconds) - offsetUs;
        s = pushSamples(f.extended_data, f.nb_samples, timeUs);
      }
      av_frame_unref(decodedFrame.get());
      if (!s) return s;
    }
  }

  Status flushAudio() {
    if (audio == nullptr) return Ok{};
    if (decoder != nullptr) {
      if (auto s = decodeAndPush(nullptr, lastOffsetUs); !s) return s;
    }
    if (swr != nullptr) {
      if (auto s = convert(nullptr, 0); !s) return s;
    }
    if (audioStarted) {
      if (auto s = drainFifo(true); !s) return s;
    }
    return encodeAudio(nullptr);
  }
};

MediaWriter::MediaWriter(MediaWriterParams params)
    : params_(std::move(params)), state_(std::make_unique<State>()) {}

MediaWriter::~MediaWriter() {
  (void)finish();
}

bool MediaWriter::hasAudio() const {
  return state_->audioStream != nullptr;
}

namespace {

// The encoder for an audio stream that is not copied: AAC in MP4, Opus in WebM, at the input's rate when
// the encoder takes it, else 48 kHz; stereo at most.
Result<av::CodecContextPtr> openAudioEncoder(VideoContainer container, int inRate, int inChannels,
                                             int globalHeader, const std::string& path) {
  const char* name = container == VideoContainer::kWebmVp9 ? "libopus" : "aac";
  const AVCodec* codec = avcodec_find_encoder_by_name(name);
  if (codec == nullptr) {
    return makeError(path + ": the audio encoder " + name + " is not in this FFmpeg build (libavcodec)");
  }
  av::CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return makeError(av::failure("avcodec_alloc_context3", path, AVERROR(ENOMEM)));
  int rate = 48000;
  if (codec->supported_samplerates != nullptr) {
    for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
      if (*r == inRate) rate = inRate;
    }
  }
  AVSampleFormat format = codec->sample_fmts != nullptr ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
  if (codec->sample_fmts != nullptr) {
    for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
      if (*f == AV_SAMPLE_FMT_FLTP || *f == AV_SAMPLE_FMT_FLT) {
        format = *f;
        break;
      }
    }
  }
  const int channels = std::clamp(inChannels, 1, 2);
  av_channel_layout_default(&ctx->ch_layout, channels);
  ctx->sample_rate = rate;
  ctx->sample_fmt = format;
  ctx->bit_rate = channels == 2 ? 160000 : 96000;
  ctx->time_base = AVRational{1, rate};
  ctx->flags |= globalHeader;
  if (int rc = avcodec_open2(ctx.get(), codec, nullptr); rc < 0) {
    return makeError(av::failure(std::string("opening the audio encoder ") + name, path, rc));
  }
  return ctx;
}

// VP9 has no x264 presets: the fast ones map to libvpx's realtime mode (cpu-used 8 for ultrafast down to 5
// for faster), the slower ones to its good-quality mode (cpu-used 4 for fast down to 0 for veryslow).
void vp9Speed(const std::string& preset, AVDictionary** opts) {
  const int index = presetIndex(preset);
  av_dict_set(opts, "deadline", index <= 3 ? "realtime" : "good", 0);
  av_dict_set_int(opts, "cpu-used", std::max(0, 8 - index), 0);
}

}  // namespace

Result<std::unique_ptr<MediaWriter>> MediaWriter::open(const MediaWriterParams& params) {
  av::routeLogs();
  const std::string path = params.path.string();
  const bool webm = params.encoder.container == VideoContainer::kWebmVp9;
  const char* codecText = webm ? "VP9" : "H.264";
  if (path.empty()) return makeError("recording: no file name given");
  if (params.size.width <= 0 || params.size.height <= 0) {
    return makeError(path + ": no video size given (got " + sizeText(params.size) + ")");
  }
  if (params.size.width % 2 != 0 || params.size.height % 2 != 0) {
    return makeError(path + ": " + codecText + " in yuv420p needs an even width and height, got " +
                     sizeText(params.size));
  }
  if (params.audioPackets && params.audioPcm) {
    return makeError(path + ": one audio source at most (an input's packets or PCM samples)");
  }
  if (params.audioPackets && params.audioPackets->parameters == nullptr) {
    return makeError(path + ": the input's audio has no codec parameters");
  }
  if (params.audioPcm && (params.audioPcm->sampleRate <= 0 || params.audioPcm->channels <= 0)) {
    return makeError(path + ": PCM audio needs a sample rate and channels, got " +
                     std::to_string(params.audioPcm->sampleRate) + " Hz, " +
                     std::to_string(params.audioPcm->channels) + " channels");
  }
  if (presetIndex(params.encoder.preset) < 0) {
    return makeError(path + ": unknown encoder preset '" + params.encoder.preset +
                     "' (ultrafast ... veryslow)");
  }
  std::error_code ec;
  if (fs::is_directory(params.path, ec)) {
    return makeError(path + " is a folder; a recording needs a file name");
  }
  const fs::path folder = params.path.parent_path().empty() ? fs::path(".") : params.path.parent_path();
  if (!fs::exists(folder, ec)) {
    return makeError(path + ": the folder " + folder.string() + " does not exist (create it first)");
  }
  if (!fs::is_directory(folder, ec)) return makeError(path + ": " + folder.string() + " is not a folder");

  std::unique_ptr<MediaWriter> writer(new MediaWriter(params));
  State& s = *writer->state_;
  s.path = path;
  s.finished = true;  // nothing to finalise until the header is written
  if (params.frameRateHint <= 0 || !std::isfinite(params.frameRateHint)) writer->params_.frameRateHint = 30;
  const double fps = writer->params_.frameRateHint;

  AVFormatContext* rawOut = nullptr;
  if (int rc = avformat_alloc_output_context2(&rawOut, nullptr, webm ? "webm" : "mp4", path.c_str());
      rc < 0) {
    return makeError(av::failure("setting up the container (avformat_alloc_output_context2)", path, rc));
  }
  s.out.reset(rawOut);
  const int globalHeader = (s.out->oformat->flags & AVFMT_GLOBALHEADER) ? AV_CODEC_FLAG_GLOBAL_HEADER : 0;
  s.packet.reset(av_packet_alloc());
  s.videoFrame.reset(av_frame_alloc());
  s.audioFrame.reset(av_frame_alloc());
  s.decodedFrame.reset(av_frame_alloc());
  if (!s.packet || !s.videoFrame || !s.audioFrame || !s.decodedFrame) {
    return makeError(av::failure("allocating frames", path, AVERROR(ENOMEM)));
  }

  // Video encoder.
  const char* encoderName = webm ? "libvpx-vp9" : "libx264";
  const AVCodec* codec = avcodec_find_encoder_by_name(encoderName);
  if (codec == nullptr) {
    return makeError(path + ": the " + codecText + " encoder " + encoderName +
                     " is not in this FFmpeg build (libavcodec); choose the other container or install it");
  }
  s.video.reset(avcodec_alloc_context3(codec));
  if (!s.video) return makeError(av::failure("avcodec_alloc_context3", path, AVERROR(ENOMEM)));
  AVCodecContext& v = *s.video;
  v.width = params.size.width;
  v.height = params.size.height;
  v.pix_fmt = AV_PIX_FMT_YUV420P;
  // A fine clock, so that frames keep the times they were captured at: MP4's usual 90 kHz, and for WebM
  // the millisecond that Matroska stores anyway.
  v.time_base = webm ? AVRational{1, 1000} : AVRational{1, 90000};
  v.framerate = av_d2q(fps, 100000);
  v.sample_aspect_ratio = AVRational{1, 1};
  // swscale converts with BT.601 coefficients in limited range; say so, or players guess BT.709 for HD.
  v.colorspace = AVCOL_SPC_SMPTE170M;
  v.color_range = AVCOL_RANGE_MPEG;
  v.thread_count = 0;  // the encoder's own choice for this machine (x264: 1.5 threads per core)
  v.flags |= globalHeader;
  AVDictionary* opts = nullptr;  // the encoder's private options
  av_dict_set_int(&opts, "crf", params.encoder.crf, 0);
  if (webm) {
    v.bit_rate = 0;  // with crf: constant quality
    vp9Speed(params.encoder.preset, &opts);
    av_dict_set_int(&opts, "row-mt", 1, 0);  // threads within a frame, or one core does the work
  } else {
    av_dict_set(&opts, "preset", params.encoder.preset.c_str(), 0);
  }
  const int openRc = avcodec_open2(&v, codec, &opts);
  av_dict_free(&opts);
  if (openRc < 0) {
    return makeError(
        av::failure(std::string("opening the video encoder ") + encoderName + " at " + sizeText(params.size),
                    path, openRc));
  }
  s.videoStream = avformat_new_stream(s.out.get(), nullptr);
  if (s.videoStream == nullptr) return makeError(av::failure("avformat_new_stream", path, AVERROR(ENOMEM)));
  s.videoStream->time_base = v.time_base;
  s.videoStream->avg_frame_rate = v.framerate;
  s.videoStream->r_frame_rate = v.framerate;
  s.videoStream->sample_aspect_ratio = v.sample_aspect_ratio;
  if (int rc = avcodec_parameters_from_context(s.videoStream->codecpar, &v); rc < 0) {
    return makeError(av::failure("avcodec_parameters_from_context", path, rc));
  }
  s.videoFrame->format = v.pix_fmt;
  s.videoFrame->width = v.width;
  s.videoFrame->height = v.height;
  if (int rc = av_frame_get_buffer(s.videoFrame.get(), 0); rc < 0) {
    return makeError(av::failure("allocating a video frame", path, rc));
  }
  s.lastInterval = std::max<int64_t>(1, av_rescale_q(1, av_inv_q(v.framerate), v.time_base));

  // Audio.
  if (params.audioPackets) {
    const AVCodecParameters* in = params.audioPackets->parameters;
    s.audioInBase = AVRational{params.audioPackets->timeBaseNum, params.audioPackets->timeBaseDen};
    if (s.audioInBase.num <= 0 || s.audioInBase.den <= 0) {
      return makeError(path + ": the input's audio has no time base");
    }
    const std::string inName = avcodec_get_name(in->codec_id);
    s.audioStream = avformat_new_stream(s.out.get(), nullptr);
    if (s.audioStream == nullptr) return makeError(av::failure("avformat_new_stream", path, AVERROR(ENOMEM)));
    if (copiesInto(params.encoder.container, in->codec_id)) {
      s.copyAudio = true;
      if (int rc = avcodec_parameters_copy(s.audioStream->codecpar, in); rc < 0) {
        return makeError(av::failure("avcodec_parameters_copy", path, rc));
      }
      s.audioStream->codecpar->codec_tag = 0;  // the input container's tag means nothing in this one
      s.audioStream->time_base = s.audioInBase;
      writer->audioNote_ = "copied (" + inName + ")";
    } else {
      const AVCodec* dec = avcodec_find_decoder(in->codec_id);
      if (dec == nullptr) return makeError(path + ": no decoder for the input's audio (" + inName + ")");
      s.decoder.reset(avcodec_alloc_context3(dec));
      if (!s.decoder) return makeError(av::failure("avcodec_alloc_context3", path, AVERROR(ENOMEM)));
      if (int rc = avcodec_parameters_to_context(s.decoder.get(), in); rc < 0) {
        return makeError(av::failure("avcodec_parameters_to_context", path, rc));
      }
      s.decoder->pkt_timebase = s.audioInBase;
      if (int rc = avcodec_open2(s.decoder.get(), dec, nullptr); rc < 0) {
        return makeError(av::failure("opening the " + inName + " decoder", path, rc));
      }
      auto enc = openAudioEncoder(params.encoder.container, s.decoder->sample_rate,
                                  s.decoder->ch_layout.nb_channels, globalHeader, path);
      if (!enc) return enc.error();
      s.audio = std::move(enc).value();
      writer->audioNote_ = "re-encoded from " + inName + " to " + s.audio->codec->name;
    }
  } else if (params.audioPcm) {
    auto enc = openAudioEncoder(params.encoder.container, params.audioPcm->sampleRate,
                                params.audioPcm->channels, globalHeader, path);
    if (!enc) return enc.error();
    s.audio = std::move(enc).value();
    s.audioStream = avformat_new_stream(s.out.get(), nullptr);
    if (s.audioStream == nullptr) return makeError(av::failure("avformat_new_stream", path, AVERROR(ENOMEM)));
    AVChannelLayout layout{};
    av_channel_layout_default(&layout, params.audioPcm->channels);
    auto r = s.ensureResampler(layout, AV_SAMPLE_FMT_FLT, params.audioPcm->sampleRate);
    av_channel_layout_uninit(&layout);
    if (!r) return r.error();
    writer->audioNote_ = std::string("encoded to ") + s.audio->codec->name + " from pcm";
  }
  if (s.audio) {
    s.audioStream->time_base = s.audio->time_base;
    if (int rc = avcodec_parameters_from_context(s.audioStream->codecpar, s.audio.get()); rc < 0) {
      return makeError(av::failure("avcodec_parameters_from_context", path, rc));
    }
    s.fifo.reset(av_audio_fifo_alloc(s.audio->sample_fmt, s.audio->ch_layout.nb_channels,
                                     std::max(s.audio->frame_size, 1024) * 4));
    if (!s.fifo) return makeError(av::failure("av_audio_fifo_alloc", path, AVERROR(ENOMEM)));
  }

  // The file itself, last, so that a refused setting leaves nothing behind. "file:" keeps a name with a
  // colon from being read as a protocol (the MP4 muxer reopens the file by this name for +faststart).
  const std::string url = "file:" + path;
  if (int rc = avio_open(&s.out->pb, url.c_str(), AVIO_FLAG_WRITE); rc < 0) {
    return makeError(av::failure("opening the file for writing", path, rc));
  }
  av_freep(&s.out->url);
  s.out->url = av_strdup(url.c_str());
  int headerRc = AVERROR(ENOMEM);
  if (s.out->url != nullptr) {
    AVDictionary* muxOpts = nullptr;
    if (!webm) av_dict_set(&muxOpts, "movflags", "+faststart", 0);
    headerRc = avformat_write_header(s.out.get(), &muxOpts);
    av_dict_free(&muxOpts);
  }
  if (headerRc < 0) {
    avio_closep(&s.out->pb);
    fs::remove(params.path, ec);
    return makeError(av::failure("writing the file header", path, headerRc));
  }
  s.finished = false;
  return writer;
}

Status MediaWriter::writeVideo(const cv::Mat& image, int64_t timeUs) {
  State& s = *state_;
  if (s.finished) return makeError(s.path + ": the recording is already finished");
  if (!s.error.empty()) return makeError(s.error);
  if (image.size() != params_.size || (image.type() != CV_8UC3 && image.type() != CV_8UC4)) {
    return makeError(s.path + ": a frame must be 8-bit BGR or BGRA of " + sizeText(params_.size) + ", got " +
                     sizeText(image.size()) + " with " + std::to_string(image.channels()) + " channels");
  }
  const AVPixelFormat source = image.type() == CV_8UC3 ? AV_PIX_FMT_BGR24 : AV_PIX_FMT_BGRA;
  // ACCURATE_RND keeps swscale off its BGR-to-yuv420p shortcut, whose colour is measurably worse (a lower
  // PSNR on photos) for a small saving per frame.
  if (!s.sws || s.swsSource != source) {
    s.sws.reset(sws_getContext(image.cols, image.rows, source, image.cols, image.rows, AV_PIX_FMT_YUV420P,
                               SWS_BILINEAR | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!s.sws) return s.fail("converting frames (sws_getContext)", AVERROR(EINVAL));
    s.swsSource = source;
  }
  // The encoder may still hold the previous frame's buffer.
  if (int rc = av_frame_make_writable(s.videoFrame.get()); rc < 0) {
    return s.fail("av_frame_make_writable", rc);
  }
  const uint8_t* src[4] = {image.data, nullptr, nullptr, nullptr};
  const int srcStride[4] = {static_cast<int>(image.step[0]), 0, 0, 0};
  const int rows =
      sws_scale(s.sws.get(), src, srcStride, 0, image.rows, s.videoFrame->data, s.videoFrame->linesize);
  if (rows != image.rows) return s.fail("converting a frame (sws_scale)", rows < 0 ? rows : AVERROR_BUG);

  int64_t pts = av_rescale_q(timeUs, av::kMicroseconds, s.video->time_base);
  if (s.lastPts != AV_NOPTS_VALUE) {
    if (pts <= s.lastPts) pts = s.lastPts + 1;
    s.lastInterval = pts - s.lastPts;
    s.durations[s.lastPts] = s.lastInterval;
  }
  s.lastPts = pts;
  s.videoFrame->pts = pts;
  if (auto st = s.encodeVideo(s.videoFrame.get()); !st) return st;
  ++videoFrames_;
  return Ok{};
}

Status MediaWriter::writeAudioPacket(const AVPacket& packet, int64_t offsetUs) {
  State& s = *state_;
  if (s.finished) return makeError(s.path + ": the recording is already finished");
  if (!s.error.empty()) return makeError(s.error);
  if (!params_.audioPackets) return makeError(s.path + ": opened without an input audio stream");
  if (!s.copyAudio) return s.decodeAndPush(&packet, offsetUs);

  if (int rc = av_packet_ref(s.packet.get(), &packet); rc < 0) return s.fail("av_packet_ref", rc);
  AVPacket* pkt = s.packet.get();
  if (pkt->pts == AV_NOPTS_VALUE) pkt->pts = pkt->dts;
  if (pkt->dts == AV_NOPTS_VALUE) pkt->dts = pkt->pts;
  if (pkt->pts == AV_NOPTS_VALUE) {  // nowhere to put it
    av_packet_unref(pkt);
    return Ok{};
  }
  const int64_t offset = av_rescale_q(offsetUs, av::kMicroseconds, s.audioInBase);
  pkt->pts -= offset;
  pkt->dts -= offset;
  // A packet that ends before the recording starts is cut; one that straddles the start keeps its
  // (negative) time, which MP4 turns into an edit that skips the part before 0 (WebM, which cannot, moves
  // the whole file later by that part of a packet instead).
  if (pkt->pts + std::max<int64_t>(pkt->duration, 1) <= 0) {
    av_packet_unref(pkt);
    return Ok{};
  }
  av_packet_rescale_ts(pkt, s.audioInBase, s.audioStream->time_base);
  // Muxers need increasing times; an input with broken ones loses those packets, not the recording.
  if (s.lastCopiedDts != AV_NOPTS_VALUE && pkt->dts <= s.lastCopiedDts) {
    av_packet_unref(pkt);
    return Ok{};
  }
  s.lastCopiedDts = pkt->dts;
  pkt->stream_index = s.audioStream->index;
  pkt->pos = -1;
  return s.write(pkt);
}

Status MediaWriter::writeAudioSamples(const float* interleaved, int frames, int64_t timeUs) {
  State& s = *state_;
  if (s.finished) return makeError(s.path + ": the recording is already finished");
  if (!s.error.empty()) return makeError(s.error);
  if (!params_.audioPcm) return makeError(s.path + ": opened without PCM audio");
  const uint8_t* data[1] = {reinterpret_cast<const uint8_t*>(interleaved)};
  return s.pushSamples(data, frames, timeUs);
}

Status MediaWriter::finish() {
  State& s = *state_;
  if (s.finishResult) return *s.finishResult;
  if (s.finished) return Ok{};  // never opened
  s.finished = true;
  // Each step runs even after a failure, so the file keeps what can still be written; the first error is
  // the one reported (State::fail keeps it).
  (void)s.encodeVideo(nullptr);
  (void)s.flushAudio();
  if (int rc = av_write_trailer(s.out.get()); rc < 0) {
    (void)s.fail("finishing the file (av_write_trailer)", rc);
  }
  if (int rc = avio_closep(&s.out->pb); rc < 0) (void)s.fail("closing the file (avio_closep)", rc);
  s.finishResult = s.error.empty() ? Status(Ok{}) : Status(makeError(s.error));
  return *s.finishResult;
}

}  // namespace facefilter
