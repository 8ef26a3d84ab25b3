// engine/core (mailbox, queue, sample window, Result, clock) and engine/io (JSON writer, result lines).

#include <atomic>
#include <chrono>
#include <cmath>
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
#include "engine/io/json_writer.hpp"
#include "engine/io/result_json.hpp"
#include "json_lite.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using namespace std::chrono_literals;
using test::Json;
using test::JsonParser;

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
  EXPECT_DOUBLE_EQ(s.mean, 5.5);     // all time
  EXPECT_DOUBLE_EQ(s.median, 8.5);   // window
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
// JsonWriter

TEST(JsonWriter, PlacesCommasAndNests) {
  JsonWriter w;
  w.beginObject();
  w.key("a").value(1);
  w.key("b").beginArray().value(1).value(2).beginObject().key("c").value("x").endObject().endArray();
  w.key("d").value(true);
  w.key("e").null();
  w.key("f").beginObject().endObject();
  w.key("g").beginArray().endArray();
  w.key("h").raw("[1,2]");
  w.endObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[1,2,{"c":"x"}],"d":true,"e":null,"f":{},"g":[],"h":[1,2]})");
  EXPECT_TRUE(JsonParser::parse(w.str()).has_value());
}

TEST(JsonWriter, TopLevelArrayOfArrays) {
  JsonWriter w;
  w.beginArray().beginArray().value(1).endArray().beginArray().value(2).value(3).endArray().endArray();
  EXPECT_EQ(w.take(), "[[1],[2,3]]");
}

TEST(JsonWriter, EscapesStrings) {
  EXPECT_EQ(JsonWriter::escape("plain"), "plain");
  EXPECT_EQ(JsonWriter::escape("a\"b"), "a\\\"b");
  EXPECT_EQ(JsonWriter::escape("back\\slash"), "back\\\\slash");
  EXPECT_EQ(JsonWriter::escape("line\nfeed\r\ttab"), "line\\nfeed\\r\\ttab");
  EXPECT_EQ(JsonWriter::escape(std::string("\x01\x1f", 2)), "\\u0001\\u001f");
  EXPECT_EQ(JsonWriter::escape(std::string("nul\0x", 5)), "nul\\u0000x");
  EXPECT_EQ(JsonWriter::escape("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93") << "UTF-8 passes through";
  EXPECT_EQ(JsonWriter::escape("\x7f"), "\x7f");
}

TEST(JsonWriter, EscapedStringsRoundTrip) {
  std::string nasty = "quote\" back\\ nl\n cr\r tab\t bell\x07 nul";
  nasty += '\0';
  nasty += " path C:\\dir\\file \xc3\xa9";
  JsonWriter w;
  w.beginObject().key(nasty).value(nasty).endObject();
  std::string error;
  auto parsed = JsonParser::parse(w.str(), &error);
  ASSERT_TRUE(parsed.has_value()) << error << "\n" << w.str();
  ASSERT_TRUE(parsed->has(nasty));
  EXPECT_EQ((*parsed)[nasty].string, nasty);
}

TEST(JsonWriter, FormatsNumbers) {
  const auto one = [](double v, int decimals = 3) {
    JsonWriter w;
    w.value(v, decimals);
    return w.take();
  };
  EXPECT_EQ(one(1.5), "1.5");
  EXPECT_EQ(one(2.0), "2");
  EXPECT_EQ(one(0.0), "0");
  EXPECT_EQ(one(-0.0), "0");
  EXPECT_EQ(one(-0.0001), "0") << "rounded to zero, without a sign";
  EXPECT_EQ(one(3.14159, 2), "3.14");
  EXPECT_EQ(one(-12.3456, 1), "-12.3");
  EXPECT_EQ(one(100.0, 0), "100") << "trailing zeros of an integer are kept";
  EXPECT_EQ(one(1234567.25, 2), "1234567.25");
  EXPECT_EQ(one(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(one(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(one(-std::numeric_limits<double>::infinity()), "null");

  JsonWriter w;
  w.beginArray()
      .value(int64_t{-9007199254740993})
      .value(std::numeric_limits<uint64_t>::max())
      .value(-7)
      .value(false)
      .endArray();
  EXPECT_EQ(w.str(), "[-9007199254740993,18446744073709551615,-7,false]");
}

TEST(JsonWriter, FrameResultLineIsValidJson) {
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
  for (int k = 0; k < kNumKeypoints; ++k) f.keypoints[static_cast<size_t>(k)] = cv::Point2f(static_cast<float>(k) + 0.126f, 2.0f * static_cast<float>(k));
  r.faces.push_back(f);
  r.error = "model \"x\" failed";
  const std::string line = frameResultJsonLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
  std::string error;
  auto j = JsonParser::parse(line, &error);
  ASSERT_TRUE(j.has_value()) << error << "\n" << line;
  EXPECT_EQ((*j)["frame"].number, 12);
  EXPECT_DOUBLE_EQ((*j)["time_ms"].number, 500.13);  // 2 decimals
  EXPECT_TRUE((*j)["detector"].boolean);
  EXPECT_EQ((*j)["error"].string, "model \"x\" failed");
  ASSERT_EQ((*j)["faces"].size(), 1u);
  const Json& face = (*j)["faces"][0];
  EXPECT_EQ(face["id"].number, 3);
  EXPECT_TRUE(face["detected"].boolean);
  EXPECT_DOUBLE_EQ(face["confidence"].number, 0.75);
  ASSERT_EQ(face["box"].size(), 4u);
  EXPECT_DOUBLE_EQ(face["box"][0].number, 10.4);  // 1 decimal
  EXPECT_DOUBLE_EQ(face["box"][3].number, 110);
  ASSERT_EQ(face["keypoints"].size(), 68u);
  EXPECT_DOUBLE_EQ(face["keypoints"][67][0].number, 67.13);
  EXPECT_DOUBLE_EQ(face["keypoints"][67][1].number, 134);
}

TEST(JsonLite, RejectsMalformedJson) {
  // The checker itself must be able to say no, or the CLI tests prove nothing.
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "[1 2]", "01", "1.", "\"a", "{\"a\" 1}",
                          "[1]x", "nul", "\"tab\there\"", "{\"a\":1,\"a\":2}"}) {
    EXPECT_FALSE(JsonParser::parse(bad).has_value()) << bad;
  }
  EXPECT_TRUE(JsonParser::parse(" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\"]} ").has_value());
}

}  // namespace
}  // namespace facefilter
