// libFuzzer target: parseModelMetadata (the facefilter.json a keypoint model file carries; model files may
// come from anyone). Any input must give metadata the loader can trust or an Error naming the file; a crash,
// hang or sanitizer report is a bug.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/keypoints/model_metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto m = facefilter::parseModelMetadata(text, "fuzz.pt");
  if (!m.ok()) {
    if (m.error().message.rfind("model 'fuzz.pt'", 0) != 0) __builtin_trap();
    return 0;
  }
  // What the parser promises to the model loader and the crop code.
  const facefilter::ModelMetadata& v = m.value();
  if (v.inputWidth < 8 || v.inputWidth > 1024 || v.inputHeight != v.inputWidth) __builtin_trap();
  if (v.channels != 1 && v.channels != 3) __builtin_trap();
  if (static_cast<int>(v.mean.size()) != v.channels || static_cast<int>(v.std.size()) != v.channels)
    __builtin_trap();
  for (size_t c = 0; c < v.std.size(); ++c) {
    if (!std::isfinite(v.mean[c]) || !(v.std[c] > 0) || !std::isfinite(v.std[c])) __builtin_trap();
  }
  if (v.points != 68 || !(v.crop.size > 0.1 && v.crop.size < 10)) __builtin_trap();
  if (!(v.boxFromPoints.size > 0.1 && v.boxFromPoints.size < 10)) __builtin_trap();
  if (!(v.presenceThreshold >= 0 && v.presenceThreshold <= 1)) __builtin_trap();
  return 0;
}
