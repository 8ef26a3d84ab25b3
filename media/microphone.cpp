#include "media/microphone.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include <pulse/context.h>
#include <pulse/error.h>
#include <pulse/introspect.h>
#include <pulse/mainloop.h>
#include <pulse/simple.h>
#include <pulse/timeval.h>

#include "engine/core/clock.hpp"

namespace facefilter {
namespace {

// Long enough for a loaded machine's server to answer, short enough that a session without sound does
// not wait noticeably for its panel.
constexpr pa_usec_t kListTimeoutUs = 3 * PA_USEC_PER_SEC;

// A capture time measured further than this from where the previous chunk ends is taken as it is: sound
// was lost (an overrun) or the server's clock jumped. Closer, it is jitter in when the read returned and
// in the latency estimate, and the chunk follows on from the previous one.
constexpr int64_t kResyncNs = 50'000'000;
// How far a following chunk's time may move towards the measurement, per chunk duration: enough to follow
// a sound card's clock drifting from the steady clock (tens of ppm), too little to pass jitter on.
constexpr int64_t kSlewPerMille = 1;

bool isConnectionError(int code) {
  return code == PA_ERR_CONNECTIONREFUSED || code == PA_ERR_INVALIDSERVER ||
         code == PA_ERR_CONNECTIONTERMINATED || code == PA_ERR_TIMEOUT || code == PA_ERR_ACCESS ||
         code == PA_ERR_AUTHKEY || code == PA_ERR_PROTOCOL || code == PA_ERR_VERSION;
}

std::string noServer(const std::string& why) {
  return "no PulseAudio/PipeWire sound server: " + why;
}

std::string deviceLabel(const std::string& device) {
  return device.empty() || device == "default" ? "the default sound source" : "sound source " + device;
}

}  // namespace

struct Microphone::State {
  MicrophoneParams params;
  std::function<void(AudioChunk&&)> onChunk;
  pa_simple* stream = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex errorMutex;
  std::string error;

  void setError(std::string message) {
    std::lock_guard lock(errorMutex);
    error = std::move(message);
  }

  void run() {
    const size_t frames = static_cast<size_t>(params.sampleRate) * static_cast<size_t>(params.chunkMs) / 1000;
    const size_t values = frames * static_cast<size_t>(params.channels);
    const int64_t chunkNs = static_cast<int64_t>(frames) * 1000000000LL / params.sampleRate;
    bool haveLast = false;
    int64_t lastNs = 0;
    while (!stopping.load()) {
      AudioChunk chunk;
      chunk.samples.resize(values);
      int err = 0;
      // Blocks until the whole chunk has been captured: at most one chunk's time, which bounds stop().
      if (pa_simple_read(stream, chunk.samples.data(), values * sizeof(float), &err) < 0) {
        setError("reading " + deviceLabel(params.device) + " failed: " + pa_strerror(err));
        return;
      }
      const int64_t readNs = SteadyClock::instance().nowNs();
      // How long ago the next unread sample was captured: what is still buffered in the server and
      // the stream. The chunk's first sample is one chunk before that.
      const pa_usec_t latencyUs = pa_simple_get_latency(stream, &err);
      if (latencyUs == static_cast<pa_usec_t>(-1)) {
        setError("the latency of " + deviceLabel(params.device) + " is unknown: " + pa_strerror(err));
        return;
      }
      const int64_t measuredNs = readNs - chunkNs - static_cast<int64_t>(latencyUs) * 1000;
      chunk.captureNs = measuredNs;
      if (haveLast) {
        // The samples are contiguous: the chunk starts where the last one ended, up to the drift.
        const int64_t expectedNs = lastNs + chunkNs;
        const int64_t diff = measuredNs - expectedNs;
        const int64_t slew = chunkNs * kSlewPerMille / 1000;
        if (diff <= kResyncNs && diff >= -kResyncNs)
          chunk.captureNs = expectedNs + std::clamp(diff, -slew, slew);
      }
      haveLast = true;
      lastNs = chunk.captureNs;
      onChunk(std::move(chunk));
    }
  }
};

Microphone::Microphone() : state_(std::make_unique<State>()) {}

Microphone::~Microphone() {
  stop();
}

Result<std::unique_ptr<Microphone>> Microphone::open(const MicrophoneParams& params,
                                                     std::function<void(AudioChunk&&)> onChunk) {
  if (params.sampleRate <= 0 || params.channels <= 0 || params.channels > static_cast<int>(PA_CHANNELS_MAX) ||
      params.chunkMs <= 0 || params.sampleRate * params.chunkMs < 1000) {
    return makeError("Microphone: sample rate, channels (1-" + std::to_string(PA_CHANNELS_MAX) +
                     ") and chunk length must be positive, the chunk at least one sample");
  }
  pa_sample_spec spec{};
  spec.format = PA_SAMPLE_FLOAT32LE;
  spec.rate = static_cast<uint32_t>(params.sampleRate);
  spec.channels = static_cast<uint8_t>(params.channels);
  if (pa_sample_spec_valid(&spec) == 0) {
    return makeError("Microphone: PulseAudio does not take " + std::to_string(params.channels) +
                     " channels at " + std::to_string(params.sampleRate) + " Hz");
  }
  // The server delivers in fragments of one chunk, so a read waits for about one chunk and no longer.
  pa_buffer_attr attr{};
  attr.maxlength = static_cast<uint32_t>(-1);
  attr.tlength = static_cast<uint32_t>(-1);
  attr.prebuf = static_cast<uint32_t>(-1);
  attr.minreq = static_cast<uint32_t>(-1);
  attr.fragsize =
      static_cast<uint32_t>(pa_usec_to_bytes(static_cast<pa_usec_t>(params.chunkMs) * 1000, &spec));

  const bool byDefault = params.device.empty() || params.device == "default";
  int err = 0;
  pa_simple* stream =
      pa_simple_new(nullptr, "facefilter", PA_STREAM_RECORD, byDefault ? nullptr : params.device.c_str(),
                    "recording", &spec, nullptr, &attr, &err);
  if (stream == nullptr) {
    if (isConnectionError(err)) return makeError(noServer(pa_strerror(err)));
    if (err == PA_ERR_NOENTITY && !byDefault) {
      auto sources = listAudioSources();
      if (!sources) {
        return makeError("no sound source named " + params.device +
                         " (listing the sources failed: " + sources.error().message + ")");
      }
      std::string names;
      for (const AudioSourceInfo& s : sources.value()) names += (names.empty() ? "" : ", ") + s.name;
      return makeError("no sound source named " + params.device +
                       "; available: " + (names.empty() ? "none" : names));
    }
    return makeError("recording from " + deviceLabel(params.device) + " failed: " + pa_strerror(err));
  }

  std::unique_ptr<Microphone> mic(new Microphone());
  State& st = *mic->state_;
  st.params = params;
  st.onChunk = std::move(onChunk);
  st.stream = stream;
  st.thread = std::thread([&st] { st.run(); });
  return mic;
}

void Microphone::stop() {
  State& st = *state_;
  st.stopping = true;
  if (st.thread.joinable()) st.thread.join();
  // Freed only after the thread is gone: pa_simple is not safe to free while a read is in progress.
  if (st.stream != nullptr) {
    pa_simple_free(st.stream);
    st.stream = nullptr;
  }
}

std::string Microphone::error() const {
  std::lock_guard lock(state_->errorMutex);
  return state_->error;
}

const MicrophoneParams& Microphone::params() const {
  return state_->params;
}

namespace {

// One listing: filled by the callbacks of the main loop that runs it.
struct Listing {
  std::vector<AudioSourceInfo> sources;
  bool done = false;
  std::string error;  // set once; ends the loop

  void fail(std::string message) {
    if (error.empty()) error = std::move(message);
  }
};

void onSource(pa_context* context, const pa_source_info* info, int eol, void* userdata) {
  auto& listing = *static_cast<Listing*>(userdata);
  if (eol < 0) {
    listing.fail(std::string("listing the sound sources failed: ") + pa_strerror(pa_context_errno(context)));
    return;
  }
  if (eol > 0) {
    listing.done = true;
    return;
  }
  listing.sources.push_back(AudioSourceInfo{info->name != nullptr ? info->name : "",
                                            info->description != nullptr ? info->description : "",
                                            info->monitor_of_sink != PA_INVALID_INDEX});
}

void onState(pa_context* context, void* userdata) {
  auto& listing = *static_cast<Listing*>(userdata);
  switch (pa_context_get_state(context)) {
    case PA_CONTEXT_READY: {
      pa_operation* op = pa_context_get_source_info_list(context, onSource, userdata);
      if (op == nullptr) {
        listing.fail(std::string("listing the sound sources failed: ") +
                     pa_strerror(pa_context_errno(context)));
        return;
      }
      pa_operation_unref(op);  // the callback still runs; the loop waits for it
      return;
    }
    case PA_CONTEXT_FAILED:
    case PA_CONTEXT_TERMINATED:
      listing.fail(noServer(pa_strerror(pa_context_errno(context))));
      return;
    default:
      return;
  }
}

void onTimeout(pa_mainloop_api* /*api*/, pa_time_event* /*event*/, const struct timeval* /*tv*/,
               void* userdata) {
  static_cast<Listing*>(userdata)->fail(
      noServer("no answer within " + std::to_string(kListTimeoutUs / 1000) + " ms"));
}

struct MainloopFree {
  void operator()(pa_mainloop* m) const { pa_mainloop_free(m); }
};
struct ContextFree {
  void operator()(pa_context* c) const {
    pa_context_disconnect(c);
    pa_context_unref(c);
  }
};

}  // namespace

Result<std::vector<AudioSourceInfo>> listAudioSources() {
  std::unique_ptr<pa_mainloop, MainloopFree> loop(pa_mainloop_new());
  if (!loop) return makeError("listAudioSources: pa_mainloop_new failed");
  pa_mainloop_api* api = pa_mainloop_get_api(loop.get());
  // Outlives the context: disconnecting it runs the state callback, which writes here.
  Listing listing;
  // Declared after the loop so that it is disconnected before the loop is freed.
  std::unique_ptr<pa_context, ContextFree> context(pa_context_new(api, "facefilter"));
  if (!context) return makeError("listAudioSources: pa_context_new failed");
  pa_context_set_state_callback(context.get(), onState, &listing);
  // No autospawn: listing the sources must not start a sound server as a side effect.
  if (pa_context_connect(context.get(), nullptr, PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0) {
    return makeError(noServer(pa_strerror(pa_context_errno(context.get()))));
  }
  timeval deadline{};
  pa_timeval_add(pa_gettimeofday(&deadline), kListTimeoutUs);
  pa_time_event* timer = api->time_new(api, &deadline, onTimeout, &listing);
  if (timer == nullptr) return makeError("listAudioSources: creating the time-out failed");

  while (!listing.done && listing.error.empty()) {
    if (pa_mainloop_iterate(loop.get(), 1, nullptr) < 0) {
      listing.fail("listAudioSources: the PulseAudio main loop failed");
    }
  }
  api->time_free(timer);
  if (!listing.error.empty()) return makeError(listing.error);
  return std::move(listing.sources);
}

}  // namespace facefilter
