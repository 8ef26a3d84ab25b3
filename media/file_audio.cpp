#include "media/file_audio.hpp"

#include <string>
#include <utility>

#include "media/av_util.hpp"

namespace facefilter {

struct FileAudio::State {
  std::string path;
  av::InputFormatPtr input;
  AVStream* stream = nullptr;
  int audioStreams = 0;
  int64_t offsetUs = 0;
};

FileAudio::FileAudio() : state_(std::make_unique<State>()) {}
FileAudio::~FileAudio() = default;

Result<std::unique_ptr<FileAudio>> FileAudio::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, name.c_str(), nullptr, nullptr);
  // On failure avformat_open_input frees the context itself and leaves `raw` null.
  if (rc < 0) return makeError(av::failure("avformat_open_input", name, rc));
  av::InputFormatPtr input(raw);
  rc = avformat_find_stream_info(input.get(), nullptr);
  if (rc < 0) return makeError(av::failure("avformat_find_stream_info", name, rc));

  // The first of each kind, as OpenCV's FFmpeg backend picks its video stream, so that both readers agree
  // on which stream's start_time is 0.
  AVStream* audio = nullptr;
  AVStream* video = nullptr;
  int audioStreams = 0;
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    AVStream* s = input->streams[i];
    if (s->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      ++audioStreams;
      if (audio == nullptr) audio = s;
    } else if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && video == nullptr) {
      video = s;
    }
  }
  if (audio == nullptr) return std::unique_ptr<FileAudio>();

  // The demuxer then skips the other streams' packets instead of handing them over to be dropped.
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    if (input->streams[i] != audio) input->streams[i]->discard = AVDISCARD_ALL;
  }

  std::unique_ptr<FileAudio> out(new FileAudio());
  State& st = *out->state_;
  st.path = name;
  st.stream = audio;
  st.audioStreams = audioStreams;
  if (video != nullptr && video->start_time != AV_NOPTS_VALUE) {
    st.offsetUs = av_rescale_q(video->start_time, video->time_base, av::kMicroseconds);
  }
  st.input = std::move(input);
  return out;
}

const AVCodecParameters* FileAudio::parameters() const {
  return state_->stream->codecpar;
}

int FileAudio::timeBaseNum() const {
  return state_->stream->time_base.num;
}

int FileAudio::timeBaseDen() const {
  return state_->stream->time_base.den;
}

int FileAudio::audioStreamCount() const {
  return state_->audioStreams;
}

std::string FileAudio::codecName() const {
  return avcodec_get_name(state_->stream->codecpar->codec_id);
}

int64_t FileAudio::offsetUs() const {
  return state_->offsetUs;
}

Result<bool> FileAudio::next(AVPacket* packet) {
  for (;;) {
    const int rc = av_read_frame(state_->input.get(), packet);
    if (rc == AVERROR_EOF) return false;
    if (rc < 0) return makeError(av::failure("av_read_frame", state_->path, rc));
    if (packet->stream_index == state_->stream->index) return true;
    av_packet_unref(packet);
  }
}

int64_t FileAudio::timeUs(const AVPacket& packet) const {
  const int64_t ts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if (ts == AV_NOPTS_VALUE) return AV_NOPTS_VALUE;
  return av_rescale_q(ts, state_->stream->time_base, av::kMicroseconds) - state_->offsetUs;
}

}  // namespace facefilter
