// Microphone and listAudioSources against a private PulseAudio daemon started by the test (its null
// sink's monitor records the tone the test plays into the sink), and against no server at all.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/core/clock.hpp"
#include "media/microphone.hpp"
#include "media/pulse_server.hpp"
#include "media/tone_analysis.hpp"
#include "test_support.hpp"

namespace facefilter::test {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// Chunks as the microphone's thread hands them over.
class Collector {
 public:
  std::function<void(AudioChunk&&)> sink() {
    return [this](AudioChunk&& c) {
      const int64_t now = SteadyClock::instance().nowNs();
      std::lock_guard lock(mutex_);
      chunks_.push_back(std::move(c));
      arrivals_.push_back(now);
    };
  }
  std::vector<AudioChunk> chunks() const {
    std::lock_guard lock(mutex_);
    return chunks_;
  }
  // When each chunk was handed over, on the steady clock.
  std::vector<int64_t> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<AudioChunk> chunks_;
  std::vector<int64_t> arrivals_;
};

double secondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

class MicrophoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = PulseServer::start();
    if (!started) GTEST_SKIP() << "no private PulseAudio daemon: " << started.error().message;
    server_ = std::move(started.value());
  }

  std::unique_ptr<PulseServer> server_;
};

TEST_F(MicrophoneTest, ListsTheNullSinksMonitor) {
  auto sources = listAudioSources();
  ASSERT_TRUE(sources.ok()) << sources.error().message;
  const auto it = std::find_if(sources->begin(), sources->end(),
                               [](const AudioSourceInfo& s) { return s.name == kTestMonitor; });
  ASSERT_NE(it, sources->end());
  EXPECT_TRUE(it->monitor);
  EXPECT_FALSE(it->description.empty());
}

TEST_F(MicrophoneTest, RecordsTheTonePlayedIntoTheMonitoredSinkOnTheSteadyClock) {
  const double amplitude = 0.5;
  auto tone = playTone(1000, 2.0, amplitude);
  std::this_thread::sleep_for(300ms);  // the recording lies within the tone

  MicrophoneParams params;
  params.device = kTestMonitor;
  params.sampleRate = 48000;
  params.channels = 2;
  params.chunkMs = 20;
  Collector collector;
  const int64_t openNs = SteadyClock::instance().nowNs();
  auto mic = Microphone::open(params, collector.sink());
  ASSERT_TRUE(mic.ok()) << mic.error().message;
  std::this_thread::sleep_for(1000ms);
  const auto stopStart = Steady::now();
  mic.value()->stop();
  // One read blocks for at most a chunk; the margin is for a loaded machine.
  EXPECT_LT(secondsSince(stopStart), 0.5);
  EXPECT_EQ(mic.value()->error(), "");
  const auto played = tone.get();
  ASSERT_TRUE(played.ok()) << played.error().message;

  const std::vector<AudioChunk> chunks = collector.chunks();
  const std::vector<int64_t> arrivals = collector.arrivals();
  ASSERT_GT(chunks.size(), 20u) << "a second of recording gave too little sound";
  const size_t chunkFrames = static_cast<size_t>(params.sampleRate * params.chunkMs / 1000);
  std::vector<float> left;
  for (const AudioChunk& c : chunks) {
    ASSERT_EQ(c.samples.size(), chunkFrames * params.channels);
    for (size_t i = 0; i < chunkFrames; ++i) left.push_back(c.samples[i * params.channels]);
  }
  // The whole recording lies within the tone.
  EXPECT_GT(toneShare(left, 0, left.size(), params.sampleRate, 1000), 0.9);
  EXPECT_LT(toneShare(left, 0, left.size(), params.sampleRate, 700), 0.05);
  const float peak =
      *std::max_element(left.begin(), left.end(), [](float a, float b) { return std::abs(a) < std::abs(b); });
  EXPECT_NEAR(std::abs(peak), amplitude, 0.05);

  // Each chunk follows on from the last: its time advances by the audio's duration (up to the drift
  // correction), however early or late the read returned.
  const int64_t chunkNs = static_cast<int64_t>(chunkFrames) * 1000000000LL / params.sampleRate;
  for (size_t i = 1; i < chunks.size(); ++i) {
    EXPECT_NEAR(static_cast<double>(chunks[i].captureNs - chunks[i - 1].captureNs),
                static_cast<double>(chunkNs), static_cast<double>(chunkNs) / 1000 + 1)
        << "chunk " << i;
  }
  // And the audio's duration is the steady clock's: the capture times keep pace with when chunks arrive,
  // and lie between the opening and when each chunk arrived (a margin for jitter in the reads).
  constexpr double kMarginNs = 50e6;
  EXPECT_NEAR(static_cast<double>(chunks.back().captureNs - chunks.front().captureNs),
              static_cast<double>(arrivals.back() - arrivals.front()), kMarginNs);
  EXPECT_GT(static_cast<double>(chunks.front().captureNs), static_cast<double>(openNs) - kMarginNs);
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_LT(static_cast<double>(chunks[i].captureNs + chunkNs),
              static_cast<double>(arrivals[i]) + kMarginNs)
        << "chunk " << i << " stamped after it arrived";
  }
}

TEST_F(MicrophoneTest, AMissingSourceIsNamedWithTheAvailableOnes) {
  MicrophoneParams params;
  params.device = "facefilter_no_such_source";
  Collector collector;
  auto mic = Microphone::open(params, collector.sink());
  ASSERT_FALSE(mic.ok());
  const std::string& message = mic.error().message;
  EXPECT_NE(message.find("no sound source named facefilter_no_such_source"), std::string::npos) << message;
  EXPECT_NE(message.find(kTestMonitor), std::string::npos) << message;
}

TEST_F(MicrophoneTest, TheServerGoingAwayEndsReadingWithAnError) {
  MicrophoneParams params;
  params.device = kTestMonitor;
  Collector collector;
  auto mic = Microphone::open(params, collector.sink());
  ASSERT_TRUE(mic.ok()) << mic.error().message;
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(mic.value()->error(), "");
  server_.reset();
  const auto start = Steady::now();
  while (mic.value()->error().empty() && secondsSince(start) < 5) std::this_thread::sleep_for(10ms);
  EXPECT_NE(mic.value()->error(), "");
  EXPECT_NE(mic.value()->error().find(kTestMonitor), std::string::npos) << mic.value()->error();
  const size_t count = collector.chunks().size();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(collector.chunks().size(), count) << "chunks keep coming after the error";
}

TEST(MicrophoneWithoutServer, NoServerIsAClearErrorQuickly) {
  TempDir dir;
  ScopedEnv server("PULSE_SERVER", "unix:" + dir.file("no-server-here"));
  const std::string expected = "no PulseAudio/PipeWire sound server";

  auto start = Steady::now();
  Collector collector;
  auto mic = Microphone::open(MicrophoneParams{}, collector.sink());
  ASSERT_FALSE(mic.ok());
  EXPECT_NE(mic.error().message.find(expected), std::string::npos) << mic.error().message;
  EXPECT_LT(secondsSince(start), 2.0);

  start = Steady::now();
  auto sources = listAudioSources();
  ASSERT_FALSE(sources.ok());
  EXPECT_NE(sources.error().message.find(expected), std::string::npos) << sources.error().message;
  EXPECT_LT(secondsSince(start), 2.0);
}

TEST(MicrophoneWithoutServer, ListingGivesUpOnAServerThatNeverAnswers) {
  // A socket that accepts connections into its backlog and never says a word.
  TempDir dir;
  const std::string path = dir.file("silent");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof addr.sun_path);
  std::copy(path.begin(), path.end(), addr.sun_path);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ScopedEnv server("PULSE_SERVER", "unix:" + path);

  const auto start = Steady::now();
  auto sources = listAudioSources();
  const double took = secondsSince(start);
  ::close(fd);
  ASSERT_FALSE(sources.ok());
  EXPECT_NE(sources.error().message.find("no PulseAudio/PipeWire sound server"), std::string::npos)
      << sources.error().message;
  EXPECT_LT(took, 10.0);
}

}  // namespace
}  // namespace facefilter::test
