#pragma once
// Latency distributions, the markdown table and the --json object of facefilter-bench.
// Not thread-safe: the benchmark's main thread owns them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace facefilter::bench {

// A number with a fixed count of decimals, for table cells.
std::string fmt(double v, int decimals);

struct Dist {
  size_t count = 0;
  double median = 0, p95 = 0, p99 = 0, mean = 0;
};
Dist summarise(std::vector<double> samplesMs);

// One table row: a stage and what it measured.
struct Row {
  std::string section;  // "decode", "detect", ...
  std::string what;     // e.g. "demo clip 720x528, full frame"
  Dist ms;              // per item
  std::string unit;     // what one item is: "frame", "face", "image"
  std::string note;
};

class Report {
 public:
  void add(Row row) { rows_.push_back(std::move(row)); }
  void addText(std::string section, std::string what, std::string value) {
    texts_.push_back({std::move(section), std::move(what), std::move(value)});
  }
  void set(const std::string& key, std::optional<double> value, int decimals = 3);
  void setString(const std::string& key, const std::string& value);
  void skip(const std::string& why) { skipped_.push_back(why); }

  std::string markdown(const std::string& machine, const std::string& command) const;
  std::string json(const std::string& command) const;
  std::optional<double> get(const std::string& key) const;

 private:
  struct Text {
    std::string section, what, value;
  };
  struct Key {
    std::string name;
    std::optional<double> number;
    std::optional<std::string> text;
    int decimals = 3;
  };
  std::vector<Row> rows_;
  std::vector<Text> texts_;
  std::vector<Key> keys_;
  std::vector<std::string> skipped_;
};

// CPU model, cores, LibTorch/OpenCV/dlib versions, inference threads.
struct MachineInfo {
  std::string cpu;
  unsigned cores = 0;
  std::string torch, opencv, dlib;
  int inferenceThreads = 0;
  std::string markdown() const;
};
MachineInfo machineInfo();

}  // namespace facefilter::bench
