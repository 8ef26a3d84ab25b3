// libFuzzer target: parseKeypointsCsv (the training/test dataset CSV). Any input gives samples or an
// Error naming "file:line"; samples hold finite numbers only.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/eval/keypoints_dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto samples = facefilter::parseKeypointsCsv(text, "fuzz.csv", "images");
  if (!samples.ok()) {
    if (samples.error().message.rfind("fuzz.csv", 0) != 0) __builtin_trap();
    return 0;
  }
  for (const auto& s : samples.value()) {
    for (const auto& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) __builtin_trap();
    }
  }
  return 0;
}
