// engine/core (mailbox, queue, sample window, Result, clock) and engine/io (JSON output, result lines).

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "engine/core/bounded_queue.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/latest_mailbox.hpp"
#include "engine/core/latest_value.hpp"
#include "engine/core/result.hpp"
#include "engine/core/sample_window.hpp"
#include "engine/io/json_output.hpp"
#include "engine/io/result_json.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------------------------
// LatestMailbox

TEST(LatestMailbox, KeepsNewestAndCountsDrops) {
  LatestMailbox<int> box;
  EXPECT_TRUE(box.put(1));
  EXPECT_TRUE(box.put(2));
  EXPECT_TRUE(box.put(3));
  EXPECT_EQ(box.dropped(), 2u);
  auto v = box.tryTake();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, 3);
  EXPECT_FALSE(box.tryTake().has_value());

  // A value that is taken before the next put is not a drop.
  EXPECT_TRUE(box.put(4));
  EXPECT_EQ(box.take(1ms).value_or(-1), 4);
  EXPECT_TRUE(box.put(5));
  EXPECT_EQ(box.dropped(), 2u);
  EXPECT_EQ(box.tryTake().value_or(-1), 5);
}

TEST(LatestMailbox, TakeTimesOutWhenEmpty) {
  LatestMailbox<int> box;
  EXPECT_FALSE(box.take(1ms).has_value());
  EXPECT_FALSE(box.closed());
  EXPECT_FALSE(box.drained());
}

TEST(LatestMailbox, CloseRefusesPutsButKeepsTheWaitingValue) {
  LatestMailbox<std::string> box;
  EXPECT_TRUE(box.put("last"));
  box.close();
  EXPECT_TRUE(box.closed());
  EXPECT_FALSE(box.put("late"));
  EXPECT_EQ(box.dropped(), 0u) << "a refused put is not a drop";
  EXPECT_FALSE(box.drained()) << "a value is still waiting";
  EXPECT_EQ(box.take(1ms).value_or(""), "last");
  EXPECT_TRUE(box.drained());
  EXPECT_FALSE(box.take(1ms).has_value());
}

TEST(LatestMailbox, TakeWakesOnPutFromAnotherThread) {
  LatestMailbox<int> box;
  auto taken = std::async(std::launch::async, [&] { return box.take(60s); });
  std::thread producer([&] { box.put(42); });
  ASSERT_EQ(taken.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(taken.get().value_or(-1), 42);
  producer.join();
}

TEST(LatestMailbox, CloseWakesAWaitingTake) {
  LatestMailbox<int> box;
  std::atomic<bool> waiting{false};
  auto taken = std::async(std::launch::async, [&] {
    waiting = true;
    return box.take(600s);
  });
  ASSERT_TRUE(test::waitUntil([&] { return waiting.load(); }));
  const auto t0 = std::chrono::steady_clock::now();
  box.close();
  ASSERT_EQ(taken.wait_for(60s), std::future_status::ready) << "close() must wake take()";
  EXPECT_FALSE(taken.get().has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 60s);
}

TEST(LatestMailbox, MoveOnlyValues) {
  LatestMailbox<std::unique_ptr<int>> box;
  box.put(std::make_unique<int>(1));
  box.put(std::make_unique<int>(2));
  auto v = box.tryTake();
  ASSERT_TRUE(v.has_value());
  ASSERT_NE(*v, nullptr);
  EXPECT_EQ(**v, 2);
  EXPECT_EQ(box.dropped(), 1u);
}

// ---------------------------------------------------------------------------------------------
// LatestValue

TEST(LatestValue, NewestValueReadableManyTimesWithAVersion) {
  LatestValue<std::string> v;
  auto [empty, version0] = v.get();
  EXPECT_EQ(empty, "");
  EXPECT_EQ(version0, 0u) << "nothing set yet";
  v.set("a");
  v.set("b");
  EXPECT_EQ(v.version(), 2u);
  for (int i = 0; i < 3; ++i) {
    auto [value, version] = v.get();
    EXPECT_EQ(value, "b") << "reading does not consume";
    EXPECT_EQ(version, 2u);
  }
}

TEST(LatestValue, VersionsOnlyGrowUnderConcurrentWrites) {
  LatestValue<int> v;
  constexpr int kWrites = 20000;
  std::thread writer([&] {
    for (int i = 1; i <= kWrites; ++i) v.set(i);
  });
  uint64_t lastVersion = 0;
  int lastValue = 0;
  while (lastVersion < static_cast<uint64_t>(kWrites)) {
    auto [value, version] = v.get();
    ASSERT_GE(version, lastVersion);
    ASSERT_GE(value, lastValue);
    ASSERT_EQ(static_cast<uint64_t>(value), version) << "value and version are read together";
    lastVersion = version;
    lastValue = value;
  }
  writer.join();
  EXPECT_EQ(v.get().first, kWrites);
}

// ---------------------------------------------------------------------------------------------
// BoundedQueue

TEST(BoundedQueue, FifoWithoutDrops) {
  BoundedQueue<int> q(3);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_TRUE(q.push(3));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.pop(1ms).value_or(-1), 1);
  EXPECT_EQ(q.pop(1ms).value_or(-1), 2);
  EXPECT_EQ(q.pop(1ms).value_or(-1), 3);
  EXPECT_FALSE(q.pop(1ms).has_value());
  EXPECT_FALSE(q.drained()) << "not closed yet";
}

TEST(BoundedQueue, PushBlocksWhileFullUntilAPop) {
  BoundedQueue<int> q(2);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_TRUE(q.push(3));
    pushed = true;
  });
  // The producer cannot complete while the queue is full (this can only pass wrongly, never fail wrongly).
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(pushed.load()) << "push() returned while the queue was full";
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop(1s).value_or(-1), 1);
  EXPECT_TRUE(test::waitUntil([&] { return pushed.load(); })) << "push() did not resume after a pop";
  producer.join();
  EXPECT_EQ(q.pop(1s).value_or(-1), 2);
  EXPECT_EQ(q.pop(1s).value_or(-1), 3);
}

TEST(BoundedQueue, CloseReleasesABlockedProducerAndKeepsQueuedItems) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(7));
  std::atomic<int> result{-1};
  std::thread producer([&] { result = q.push(8) ? 1 : 0; });
  std::this_thread::sleep_for(20ms);
  q.close();
  producer.join();  // would hang if close() did not wake it
  EXPECT_EQ(result.load(), 0) << "a push refused by close() returns false";
  EXPECT_FALSE(q.push(9));
  EXPECT_FALSE(q.drained());
  EXPECT_EQ(q.pop(1ms).value_or(-1), 7);
  EXPECT_TRUE(q.drained());
  EXPECT_FALSE(q.pop(1ms).has_value());
}

TEST(BoundedQueue, CloseWakesAWaitingPop) {
  BoundedQueue<int> q(4);
  auto popped = std::async(std::launch::async, [&] { return q.pop(600s); });
  std::this_thread::sleep_for(10ms);
  q.close();
  ASSERT_EQ(popped.wait_for(60s), std::future_status::ready);
  EXPECT_FALSE(popped.get().has_value());
}

TEST(BoundedQueue, ZeroCapacityMeansOne) {
  BoundedQueue<int> q(0);
  EXPECT_TRUE(q.push(1));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(2);
    pushed = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(pushed.load());
  EXPECT_EQ(q.pop(1s).value_or(-1), 1);
  producer.join();
  EXPECT_EQ(q.pop(1s).value_or(-1), 2);
}

TEST(BoundedQueue, ProducerConsumerDeliverEverythingInOrder) {
  constexpr int kItems = 5000;
  BoundedQueue<int> q(4);
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) ASSERT_TRUE(q.push(i));
    q.close();
  });
  int expected = 0;
  while (auto v = q.pop(60s)) {
    ASSERT_EQ(*v, expected);
    ++expected;
  }
  producer.join();
  EXPECT_EQ(expected, kItems);
  EXPECT_TRUE(q.drained());
}

// ---------------------------------------------------------------------------------------------
// SampleWindow

TEST(SampleWindow, EmptySummaryIsZero) {
  SampleWindow w(8);
  const SampleSummary s = w.summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.mean, 0);
  EXPECT_EQ(s.median, 0);
  EXPECT_EQ(s.max, 0);
  EXPECT_TRUE(w.values().empty());
}

TEST(SampleWindow, QuantilesInterpolateLinearly) {
  SampleWindow w(100);
  for (int v = 10; v >= 1; --v) w.add(v);  // order must not matter
  const SampleSummary s = w.summary();
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_DOUBLE_EQ(s.p95, 9.55);  // position 0.95 * 9 = 8.55 between 9 and 10
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.last, 1);
}

TEST(SampleWindow, QuantileSortedEdgeCases) {
  EXPECT_EQ(SampleWindow::quantileSorted({}, 0.5), 0);
  EXPECT_DOUBLE_EQ(SampleWindow::quantileSorted({7}, 0.95), 7);
  EXPECT_DOUBLE_EQ(SampleWindow::quantileSorted({1, 3}, 0.5), 2);
  EXPECT_DOUBLE_EQ(SampleWindow::quantileSorted({1, 2, 3, 4, 5}, 0.0), 1);
  EXPECT_DOUBLE_EQ(SampleWindow::quantileSorted({1, 2, 3, 4, 5}, 1.0), 5);
  EXPECT_DOUBLE_EQ(SampleWindow::quantileSorted({0, 10, 20, 30, 40}, 0.3), 12);
}

TEST(SampleWindow, WindowRollsButTotalsCoverAllTime) {
  SampleWindow w(4);
  for (int v = 1; v <= 10; ++v) w.add(v);
  EXPECT_EQ(w.values(), (std::vector<double>{7, 8, 9, 10}));  // oldest first
  const SampleSummary s = w.summary();
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);    // all time
  EXPECT_DOUBLE_EQ(s.median, 8.5);  // window
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.last, 10);
  w.add(100);
  EXPECT_EQ(w.values(), (std::vector<double>{8, 9, 10, 100}));
  EXPECT_DOUBLE_EQ(w.summary().max, 100);
}

TEST(SampleWindow, ZeroCapacityKeepsOne) {
  SampleWindow w(0);
  w.add(3);
  w.add(4);
  EXPECT_EQ(w.values(), (std::vector<double>{4}));
  EXPECT_DOUBLE_EQ(w.summary().median, 4);
  EXPECT_DOUBLE_EQ(w.summary().mean, 3.5);
}

// ---------------------------------------------------------------------------------------------
// Result

Result<int> half(int v) {
  if (v % 2 != 0) return makeError("half: " + std::to_string(v) + " is odd");
  return v / 2;
}

TEST(Result, ValueOrError) {
  auto ok = half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(ok.value(), 4);

  auto bad = half(7);
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().message, "half: 7 is odd");
}

TEST(Result, MoveOnlyValuesAndArrow) {
  Result<std::unique_ptr<std::string>> r(std::make_unique<std::string>("abc"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value()->size(), 3u);
  std::unique_ptr<std::string> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, "abc");

  Result<std::string> s(std::string("hello"));
  EXPECT_EQ(s->size(), 5u);
}

TEST(Result, Status) {
  Status good = Ok{};
  EXPECT_TRUE(good.ok());
  Status bad = makeError("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "nope");
}

// ---------------------------------------------------------------------------------------------
// Clock

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.nowNs(), 1000);
  EXPECT_EQ(clock.nowNs(), 1000);
  clock.advanceNs(500);
  EXPECT_EQ(clock.nowNs(), 1500);
  clock.setNs(42);
  EXPECT_EQ(clock.nowNs(), 42);
  EXPECT_DOUBLE_EQ(nsToMs(2'500'000), 2.5);
}

TEST(SteadyClock, IsMonotonic) {
  const Clock& c = SteadyClock::instance();
  int64_t last = c.nowNs();
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = c.nowNs();
    ASSERT_GE(now, last);
    last = now;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON output

std::string fixed(double v, int decimals = 3) {
  return jsonLine(fixedDecimals(v, decimals));
}

TEST(JsonOutput, FormatsNumbers) {
  EXPECT_EQ(fixed(1.5), "1.5");
  EXPECT_EQ(fixed(2.0), "2");
  EXPECT_EQ(fixed(0.0), "0");
  EXPECT_EQ(fixed(-0.0), "0");
  EXPECT_EQ(fixed(-0.0001), "0") << "rounded to zero, without a sign";
  EXPECT_EQ(fixed(3.14159, 2), "3.14");
  EXPECT_EQ(fixed(-12.3456, 1), "-12.3");
  EXPECT_EQ(fixed(100.0, 0), "100") << "trailing zeros of an integer are kept";
  EXPECT_EQ(fixed(1234567.25, 2), "1234567.25");
  EXPECT_EQ(fixed(0.0005, 4), "0.0005") << "no exponent";
  EXPECT_EQ(fixed(1.0005, 3), "1") << "the binary value is below the halfway point, as printf rounds it";
  EXPECT_EQ(fixed(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(fixed(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(fixed(-std::numeric_limits<double>::infinity()), "null");
  const OrderedJson integers = {int64_t{-9007199254740993}, std::numeric_limits<uint64_t>::max(), -7, false};
  EXPECT_EQ(jsonLine(integers), "[-9007199254740993,18446744073709551615,-7,false]");
}

// What nlohmann prints is the value in fixed notation with its trailing zeros trimmed, the form the points
// files, the sidecar and the reports have always had: up to 3 places below 1e8, 4 places below 1e4.
TEST(JsonOutput, NumbersPrintAsFixedDecimalsTrimmed) {
  const auto trimmed = [](double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s(buf);
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s == "-0" ? std::string("0") : s;
  };
  uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / static_cast<double>(1ULL << 53);
  };
  for (int decimals = 0; decimals <= 4; ++decimals) {
    for (int i = 0; i < 200000; ++i) {
      const double magnitude = std::pow(10.0, static_cast<int>(next() * (decimals < 4 ? 8 : 4)));
      const double v = (next() - 0.5) * 2 * magnitude;
      ASSERT_EQ(fixed(v, decimals), trimmed(v, decimals)) << v << " to " << decimals << " places";
    }
  }
}

TEST(JsonOutput, StringsEscapeAndRoundTrip) {
  EXPECT_EQ(jsonLine(std::string("a\"b\\c\nd\x01\x1f")), R"("a\"b\\c\nd\u0001\u001f")");
  EXPECT_EQ(jsonLine(std::string("caf\xc3\xa9 \x7f")), "\"caf\xc3\xa9 \x7f\"") << "UTF-8 and DEL as they are";
  std::string nasty = "quote\" back\\ nl\n cr\r tab\t bell\x07 nul";
  nasty += '\0';
  nasty += " path C:\\dir\\file \xc3\xa9";
  const std::string line = jsonLine(OrderedJson{{nasty, nasty}});
  const auto back = nlohmann::json::parse(line);
  ASSERT_TRUE(back.contains(nasty)) << line;
  EXPECT_EQ(back.at(nasty).get<std::string>(), nasty);
}

TEST(JsonOutput, BytesThatAreNotUtf8PrintAsReplacementCharacters) {
  // A file name on Linux may hold any bytes; writing it must not throw.
  EXPECT_EQ(jsonLine(std::string("a\xff.jpg")), "\"a\xef\xbf\xbd.jpg\"");
}

TEST(JsonOutput, FrameResultLineKeepsItsKeyOrderAndRounding) {
  FrameResult r;
  r.frameId = 12;
  r.sourceTimeMs = 500.126;
  r.detectorRan = true;
  FaceResult f;
  f.trackId = 3;
  f.box = cv::Rect2f(10.375f, 20.5f, 100, 110);
  f.score = 1.5f;
  f.confidence = 0.75f;
  f.detectedThisFrame = true;
  for (int k = 0; k < kNumKeypoints; ++k)
    f.keypoints[static_cast<size_t>(k)] =
        cv::Point2f(static_cast<float>(k) + 0.126f, 2.0f * static_cast<float>(k));
  r.faces.push_back(f);
  r.error = "model \"x\" failed";
  const std::string line = frameResultJsonLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(line.rfind(R"({"frame":12,"time_ms":500.13,"detector":true,"faces":[{"id":3,)"
                       R"("box":[10.4,20.5,100,110],"score":1.5,"roll":0,"confidence":0.75,"quality":)",
                       0),
            0u)
      << line;
  // No pose solved and no light estimated: both keys are there, null.
  EXPECT_NE(line.find(R"("detected":true,"pose":null,"light":null,"keypoints":[[0.13,0],[1.13,2],)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(R"([67.13,134]]}],"error":"model \"x\" failed"})"), std::string::npos) << line;
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("frame").get<int>(), 12);
  EXPECT_TRUE(j.at("detector").get<bool>());
  EXPECT_EQ(j.at("error").get<std::string>(), "model \"x\" failed");
  ASSERT_EQ(j.at("faces").size(), 1u);
  EXPECT_EQ(j.at("faces")[0].at("keypoints").size(), 68u);
}

}  // namespace
}  // namespace facefilter
