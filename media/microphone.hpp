#pragma once
// Live sound from PulseAudio (PipeWire's pulse server serves it too): a source read on a thread of its own
// in chunks of interleaved float samples, each stamped with the steady-clock time (SteadyClock, the clock
// of Frame::captureNs) at which its first sample was captured, so that sound and frames share one clock.
// The samples are contiguous, so a chunk's time follows on from the previous one's (up to the sound card's
// drift from the steady clock) instead of passing on the jitter of each measurement; a measurement far
// from that (sound lost, a server clock jump) is taken as it is.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace facefilter {

struct MicrophoneParams {
  std::string device = "default";  // "default" or a PulseAudio source name (e.g. a sink's ".monitor")
  int sampleRate = 48000;
  int channels = 2;
  int chunkMs = 20;
};

struct AudioChunk {
  std::vector<float> samples;  // frames * channels, interleaved
  int64_t captureNs = 0;       // steady-clock time of the first sample
};

struct AudioSourceInfo {
  std::string name;         // what MicrophoneParams::device takes
  std::string description;  // the server's human-readable name
  bool monitor = false;     // a sink's monitor (what is played), not a microphone
};

class Microphone {
 public:
  // Connects and starts reading; `onChunk` is called on the microphone's thread. No sound server, or no
  // such source: an error that says which (the caller records without sound and shows it).
  static Result<std::unique_ptr<Microphone>> open(const MicrophoneParams& params,
                                                  std::function<void(AudioChunk&&)> onChunk);
  ~Microphone();  // stop()
  Microphone(const Microphone&) = delete;
  Microphone& operator=(const Microphone&) = delete;

  void stop();
  // Why reading stopped early (the server went away), empty while it runs.
  std::string error() const;
  const MicrophoneParams& params() const;

 private:
  struct State;
  Microphone();
  std::unique_ptr<State> state_;
};

// The sources the sound server offers (microphones and monitors); an error when no server answers.
Result<std::vector<AudioSourceInfo>> listAudioSources();

}  // namespace facefilter
