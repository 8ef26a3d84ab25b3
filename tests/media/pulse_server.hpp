#pragma once
// A private PulseAudio daemon for one test: its own runtime folder, socket and cookie under a temporary
// folder, no system or user configuration, one null sink ("facefilter_test") whose monitor
// ("facefilter_test.monitor") records whatever is played into it.
// module-null-sink renders blocks of its longest latency (two seconds) while no stream asks for less, and
// takes a new stream's latency only when the block under way ends: a stream opened then waits that long
// for its first sound, and the server's capture-time estimates are off by up to a block. So the helper
// keeps a low-latency reader on the monitor from the start and returns once sound flows: from then on the
// sink works in short blocks, as a sound card does, for every stream the test opens. While it lives, the test
// process's PULSE_SERVER, PULSE_RUNTIME_PATH and PULSE_COOKIE point at it, so every libpulse client of the
// process (the code under test included) talks to it and to nothing else.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <sys/types.h>

#include "../test_support.hpp"  // the engine tests' helpers (TempDir), whoever includes this
#include "engine/core/result.hpp"

namespace facefilter::test {

inline constexpr const char* kTestSink = "facefilter_test";
inline constexpr const char* kTestMonitor = "facefilter_test.monitor";

// Sets an environment variable for the current scope and puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool had_ = false;
  std::string old_;
};

class PulseServer {
 public:
  // Starts the daemon and waits until its sink's monitor delivers sound. An error with the reason (no
  // pulseaudio program, the daemon's own last words) when it cannot: the test skips with it.
  static Result<std::unique_ptr<PulseServer>> start();
  ~PulseServer();  // stops the reader, then SIGTERM and waits for the daemon
  PulseServer(const PulseServer&) = delete;
  PulseServer& operator=(const PulseServer&) = delete;

  // "unix:<socket>", what PULSE_SERVER holds while the server lives.
  const std::string& address() const { return address_; }

 private:
  PulseServer() = default;
  TempDir dir_;
  std::string address_;
  pid_t pid_ = -1;
  // Reads the monitor for as long as the server runs (see start()).
  std::thread keeper_;
  std::atomic<bool> stopKeeper_{false};
  std::atomic<bool> keeperHeard_{false};
  std::unique_ptr<ScopedEnv> server_, runtime_, cookie_;
};

// Plays a sine tone (mono, `amplitude` of full scale) into `sink` of the current PULSE_SERVER through
// pa_simple playback on a thread of its own; the future holds the outcome once the tone has been played
// out. Waits in its destructor, like every std::async future.
std::future<Status> playTone(double hz, double seconds, double amplitude,
                             const std::string& sink = kTestSink);

}  // namespace facefilter::test
