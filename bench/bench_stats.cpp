#include "bench/bench_stats.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include <ATen/Parallel.h>
#include <dlib/revision.h>
#include <torch/version.h>
#include <opencv2/core/version.hpp>

#include "engine/core/sample_window.hpp"
#include "engine/io/json_output.hpp"

namespace facefilter::bench {

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

namespace {}  // namespace

Dist summarise(std::vector<double> v) {
  Dist d;
  d.count = v.size();
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  d.median = SampleWindow::quantileSorted(v, 0.5);
  d.p95 = SampleWindow::quantileSorted(v, 0.95);
  d.p99 = SampleWindow::quantileSorted(v, 0.99);
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  return d;
}

void Report::set(const std::string& key, std::optional<double> value, int decimals) {
  for (auto& k : keys_) {
    if (k.name == key) {
      k.number = value;
      k.text.reset();
      k.decimals = decimals;
      return;
    }
  }
  keys_.push_back({key, value, std::nullopt, decimals});
}

void Report::setString(const std::string& key, const std::string& value) {
  for (auto& k : keys_) {
    if (k.name == key) {
      k.text = value;
      k.number.reset();
      return;
    }
  }
  keys_.push_back({key, std::nullopt, value, 0});
}

std::optional<double> Report::get(const std::string& key) const {
  for (const auto& k : keys_) {
    if (k.name == key) return k.number;
  }
  return std::nullopt;
}

std::string Report::markdown(const std::string& machine, const std::string& command) const {
  std::string s = "## facefilter-bench\n\n`" + command + "`\n\n" + machine + "\n";
  s += "| stage | what | median ms | p95 ms | p99 ms | throughput | n | note |\n";
  s += "|---|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& r : rows_) {
    const double perS = r.ms.mean > 0 ? 1000.0 / r.ms.mean : 0;
    s += "| " + r.section + " | " + r.what + " | " + fmt(r.ms.median, 2) + " | " + fmt(r.ms.p95, 2) + " | " +
         fmt(r.ms.p99, 2) + " | " + fmt(perS, perS < 100 ? 1 : 0) + " " + r.unit + "s/s | " +
         std::to_string(r.ms.count) + " | " + r.note + " |\n";
  }
  if (!texts_.empty()) {
    s += "\n| section | figure | value |\n|---|---|---|\n";
    for (const auto& t : texts_) s += "| " + t.section + " | " + t.what + " | " + t.value + " |\n";
  }
  for (const auto& why : skipped_) s += "\n- skipped: " + why;
  if (!skipped_.empty()) s += "\n";
  return s;
}

std::string Report::json(const std::string& command) const {
  OrderedJson j = {{"command", command}};
  for (const auto& k : keys_) {
    if (k.text) {
      j[k.name] = *k.text;
    } else if (k.number) {
      j[k.name] = fixedDecimals(*k.number, k.decimals);  // null where not finite
    } else {
      j[k.name] = nullptr;
    }
  }
  OrderedJson rows = OrderedJson::array();
  for (const auto& r : rows_) {
    rows.push_back({{"stage", r.section},
                    {"what", r.what},
                    {"unit", r.unit},
                    {"median_ms", fixedDecimals(r.ms.median, 4)},
                    {"p95_ms", fixedDecimals(r.ms.p95, 4)},
                    {"p99_ms", fixedDecimals(r.ms.p99, 4)},
                    {"mean_ms", fixedDecimals(r.ms.mean, 4)},
                    {"count", r.ms.count},
                    {"per_second", fixedDecimals(r.ms.mean > 0 ? 1000.0 / r.ms.mean : 0.0, 2)},
                    {"note", r.note}});
  }
  j["rows"] = std::move(rows);
  j["skipped"] = skipped_;
  return jsonLine(j);
}

MachineInfo machineInfo() {
  MachineInfo m;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) m.cpu = line.substr(colon + 2);
      break;
    }
  }
  m.cores = std::thread::hardware_concurrency();
  m.torch = TORCH_VERSION;
  m.opencv = CV_VERSION;
  m.dlib = std::to_string(DLIB_MAJOR_VERSION) + "." + std::to_string(DLIB_MINOR_VERSION) + "." +
           std::to_string(DLIB_PATCH_VERSION);
  m.inferenceThreads = at::get_num_threads();
  return m;
}

std::string MachineInfo::markdown() const {
  return "Machine: " + cpu + ", " + std::to_string(cores) + " logical cores; LibTorch " + torch + " (CPU, " +
         std::to_string(inferenceThreads) + " intra-op threads), OpenCV " + opencv + ", dlib " + dlib +
         ". No GPU on this machine: CUDA figures are not measured here.\n";
}

}  // namespace facefilter::bench
