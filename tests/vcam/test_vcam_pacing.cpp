// The virtual camera's timing: FramePacer on made-up clocks (exact), then the sender thread against a fake
// sink on the real clock (rates within a tolerance): a steady rate, repeats when the producer stalls, drops
// counted when it is faster, and push() never waiting on a slow device.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/core/clock.hpp"
#include "vcam/frame_pacer.hpp"
#include "vcam/virtual_camera.hpp"

using namespace facefilter;

namespace {

constexpr int64_t kMs = 1'000'000;

// The sender's loop (virtual_camera.cpp) on a made-up clock: pictures pushed at `pushes` (ns), the sender
// woken at each push and at the pacer's wake times, each write taking `writeNs`.
struct Simulated {
  int sent = 0, repeated = 0, dropped = 0;
  std::vector<int64_t> writeTimes;
  uint64_t skipped = 0;
};

Simulated simulate(int fps, const std::vector<int64_t>& pushes, int64_t endNs, int64_t writeNs = 0,
                   std::optional<std::pair<int64_t, int64_t>> heldUp = std::nullopt) {
  Simulated s;
  FramePacer pacer(0, fps);
  int waiting = 0;  // VirtualCamera's queue of two
  bool havePicture = false;
  size_t next = 0;
  int64_t now = 0;
  while (now < endNs) {
    // Pushes up to now join the queue (a full queue loses its older picture).
    while (next < pushes.size() && pushes[next] <= now) {
      if (waiting == 2) {
        ++s.dropped;
        --waiting;
      }
      ++waiting;
      ++next;
    }
    const auto action = pacer.decide(now, waiting > 0);
    if (action == FramePacer::Action::kWait) {
      int64_t wake = pacer.wakeNs(now);
      if (next < pushes.size()) wake = std::min(wake, pushes[next]);
      now = std::max(wake, now + 1);
      if (heldUp && now >= heldUp->first && now < heldUp->second) now = heldUp->second;
      continue;
    }
    if (action == FramePacer::Action::kSendNew) {
      --waiting;
      havePicture = true;
    }
    pacer.wrote(action);
    if (!havePicture) continue;
    s.writeTimes.push_back(now);
    (action == FramePacer::Action::kSendNew ? s.sent : s.repeated)++;
    now += writeNs;
  }
  s.skipped = pacer.skippedSlots();
  return s;
}

// A producer at `fps` with a deterministic jitter of up to +-jitterMs (a triangle wave).
std::vector<int64_t> producer(double fps, int64_t startNs, int64_t endNs, int jitterMs = 0) {
  std::vector<int64_t> t;
  for (int k = 0;; ++k) {
    const int64_t ideal = startNs + static_cast<int64_t>(k * 1e9 / fps);
    if (ideal >= endNs) break;
    const int phase = k % 8;
    const int64_t jitter = jitterMs * kMs * (phase < 4 ? phase - 2 : 6 - phase) / 2;
    t.push_back(ideal + jitter);
  }
  std::sort(t.begin(), t.end());
  return t;
}

class FakeSink final : public FrameSink {
 public:
  explicit FakeSink(VcamFrameFormat f, int64_t writeNs = 0) : format_(f), writeNs_(writeNs) {}
  VcamFrameFormat format() const override { return format_; }
  std::string description() const override { return "fake sink"; }
  Status write(const uint8_t*, size_t bytes) override {
    if (bytes != frameBytes(format_)) return makeError("fake sink: wrong frame size");
    {
      std::lock_guard lock(mutex_);
      times_.push_back(SteadyClock::instance().nowNs());
    }
    if (writeNs_ > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(writeNs_));
    return Ok{};
  }
  std::vector<int64_t> times() const {
    std::lock_guard lock(mutex_);
    return times_;
  }

 private:
  VcamFrameFormat format_;
  int64_t writeNs_;
  mutable std::mutex mutex_;
  std::vector<int64_t> times_;
};

cv::Mat picture() {
  return cv::Mat(48, 64, CV_8UC4, cv::Scalar(0, 128, 255, 255));
}

}  // namespace

TEST(FramePacer, SlotsAreExactWithoutDrift) {
  FramePacer p(1000, 30);
  for (int k = 0; k < 30; ++k) p.wrote(FramePacer::Action::kSendNew);
  EXPECT_EQ(p.slotStartNs(), 1000 + 1'000'000'000);  // 30 slots of 1/30 s: one second, to the nanosecond
}

TEST(FramePacer, ASameRateProducerWithJitterLosesNothing) {
  // 30 fps into 30 fps with +-8 ms of jitter, at several phases against the camera's clock.
  for (int64_t phaseMs : {0, 5, 12, 16, 17, 25, 32}) {
    const auto pushes = producer(30, phaseMs * kMs, 100'000 * kMs / 30, 8);
    const Simulated s = simulate(30, pushes, 100'000 * kMs / 30 + 200 * kMs);
    EXPECT_EQ(s.dropped, 0) << "phase " << phaseMs << " ms";
    EXPECT_EQ(s.sent, static_cast<int>(pushes.size())) << "phase " << phaseMs << " ms";
  }
}

TEST(FramePacer, ASameRateProducerInPairsLosesNothing) {
  // The render loop's beat against the camera's clock: pictures at 30 fps on average, but two close together
  // and then a gap of nearly two frame times. The second place in the queue carries the second of each pair
  // into the next slot.
  for (int64_t phaseMs : {0, 9, 17, 30}) {
    std::vector<int64_t> pushes;
    for (int k = 0; k < 300; ++k)
      pushes.push_back(phaseMs * kMs + k * 1'000'000'000LL / 30 - (k % 2 == 1 ? 25 * kMs : 0));
    std::sort(pushes.begin(), pushes.end());
    const Simulated s = simulate(30, pushes, 300 * 1'000'000'000LL / 30 + 200 * kMs);
    EXPECT_EQ(s.dropped, 0) << "phase " << phaseMs << " ms";
    EXPECT_EQ(s.sent, 300) << "phase " << phaseMs << " ms";
  }
}

TEST(FramePacer, OneWriteASlotAtTheSetRate) {
  const auto pushes = producer(30, 3 * kMs, 10'000 * kMs, 8);
  const Simulated s = simulate(30, pushes, 10'000 * kMs);
  // One write per 1/30 s slot: 300 in 10 s (give or take the first slot before the first picture).
  EXPECT_NEAR(s.sent + s.repeated, 300, 1);
  for (size_t i = 1; i < s.writeTimes.size(); ++i) {
    const int64_t gap = s.writeTimes[i] - s.writeTimes[i - 1];
    EXPECT_GE(gap, 1) << i;
    EXPECT_LE(gap, 2 * 1'000'000'000 / 30) << i;  // never a gap of two frames: consumers never freeze
  }
}

TEST(FramePacer, RepeatsTheLastPictureWhenTheProducerStalls) {
  // Pictures for 1 s, then nothing for 2 s.
  const auto pushes = producer(30, 1 * kMs, 1000 * kMs);
  const Simulated s = simulate(30, pushes, 3000 * kMs);
  EXPECT_EQ(s.dropped, 0);
  EXPECT_EQ(s.sent, 30);
  EXPECT_NEAR(s.repeated, 60, 1);
}

TEST(FramePacer, ASlowerProducerIsFilledInWithRepeats) {
  const auto pushes = producer(24, 2 * kMs, 10'000 * kMs, 5);
  const Simulated s = simulate(30, pushes, 10'000 * kMs);
  EXPECT_EQ(s.dropped, 0);
  EXPECT_EQ(s.sent, 240);
  // Every slot is written (a repeat where the picture comes late, and the picture then too, in its slot):
  // at least one write a slot, at most two, never a gap of two slots.
  EXPECT_GE(s.sent + s.repeated, 299);
  EXPECT_LE(s.sent + s.repeated, 600);
  for (size_t i = 1; i < s.writeTimes.size(); ++i)
    EXPECT_LE(s.writeTimes[i] - s.writeTimes[i - 1], 2 * 1'000'000'000 / 30) << i;
}

TEST(FramePacer, AFasterProducerIsDroppedAndCounted) {
  const auto pushes = producer(60, 1 * kMs, 10'000 * kMs);
  const Simulated s = simulate(30, pushes, 10'000 * kMs);
  EXPECT_NEAR(s.sent, 300, 1);
  EXPECT_GE(s.sent + s.dropped, static_cast<int>(pushes.size()) - 2);
  EXPECT_LE(s.sent + s.dropped, static_cast<int>(pushes.size()))
      << "each picture is sent or counted as dropped (two may wait in the queue at the end)";
  EXPECT_EQ(s.repeated, 0);
}

TEST(FramePacer, ASenderHeldUpSkipsSlotsWithoutABurst) {
  const auto pushes = producer(30, 1 * kMs, 3000 * kMs);
  const Simulated s = simulate(30, pushes, 3000 * kMs, 0, std::make_pair(1000 * kMs, 1500 * kMs));
  EXPECT_NEAR(static_cast<double>(s.skipped), 15, 1);
  for (size_t i = 1; i < s.writeTimes.size(); ++i) {
    if (s.writeTimes[i] >= 1500 * kMs && s.writeTimes[i] < 1600 * kMs) {
      EXPECT_GE(s.writeTimes[i] - s.writeTimes[i - 1], 1'000'000'000 / 30 / 2 - 1)
          << "no burst after the hold";
    }
  }
}

// --- The sender thread on the real clock (tolerances for a shared, loaded machine).

TEST(VirtualCamera, WritesAtTheSetRateAndRepeatsWhenThereIsNothingNew) {
  auto sink = std::make_unique<FakeSink>(VcamFrameFormat{VcamPixelFormat::kYuyv, 64, 48});
  FakeSink* fake = sink.get();
  VirtualCamera camera(std::move(sink), 50);
  camera.push(picture());  // one picture, then a stalled producer
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const VirtualCameraStats st = camera.stats();
  const auto times = fake->times();
  ASSERT_GE(times.size(), 2u);
  const double seconds = static_cast<double>(times.back() - times.front()) / 1e9;
  const double rate = static_cast<double>(times.size() - 1) / seconds;
  EXPECT_NEAR(rate, 50.0, 5.0);
  EXPECT_EQ(st.sent, 1u);
  EXPECT_GE(st.repeated, 40u);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_TRUE(st.running);
}

TEST(VirtualCamera, AFasterProducerIsDroppedAndCountedAndNeverWaits) {
  // A slow device (each write takes 30 ms) at 20 fps, fed at 200 fps: push() must not feel the device.
  auto sink = std::make_unique<FakeSink>(VcamFrameFormat{VcamPixelFormat::kYuyv, 64, 48}, 30 * kMs);
  VirtualCamera camera(std::move(sink), 20);
  int64_t worstPushNs = 0;
  const int64_t start = SteadyClock::instance().nowNs();
  int pushed = 0;
  while (SteadyClock::instance().nowNs() - start < 1000 * kMs) {
    const cv::Mat p = picture();
    const int64_t t0 = SteadyClock::instance().nowNs();
    camera.push(p);
    worstPushNs = std::max(worstPushNs, SteadyClock::instance().nowNs() - t0);
    ++pushed;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const VirtualCameraStats st = camera.stats();
  EXPECT_EQ(st.pushed, static_cast<uint64_t>(pushed));
  EXPECT_NEAR(static_cast<double>(st.sent), 20.0, 4.0);
  EXPECT_GE(st.dropped, static_cast<uint64_t>(pushed) - st.sent - 2);  // two may wait in the queue
  EXPECT_LE(st.dropped, static_cast<uint64_t>(pushed) - st.sent);
  // The queue's lock is held only to move a picture: far below a frame time even on a loaded machine.
  EXPECT_LT(worstPushNs, 10 * kMs);
}

TEST(VirtualCamera, ASameRateProducerLosesNothing) {
  auto sink = std::make_unique<FakeSink>(VcamFrameFormat{VcamPixelFormat::kYuyv, 64, 48});
  VirtualCamera camera(std::move(sink), 30);
  const int64_t start = SteadyClock::instance().nowNs();
  for (int k = 0; k < 45; ++k) {
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::nanoseconds(start + static_cast<int64_t>(k) * 1'000'000'000 / 30)));
    camera.push(picture());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const VirtualCameraStats st = camera.stats();
  EXPECT_EQ(st.pushed, 45u);
  EXPECT_EQ(st.sent, 45u);
  EXPECT_EQ(st.dropped, 0u);
}
