// libFuzzer target: parseFilterDescription (assets/filters/<name>/filter.json, user-supplied filters).
// Any input must give a description or an Error; a crash, hang or sanitizer report is a bug.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/filters/filter_description.hpp"
#include "engine/keypoints/landmarks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto d = facefilter::parseFilterDescription(text, "fuzz/filter.json", "fuzz");
  if (d.ok()) {
    // What the parser promises to its users: indices in range, masks with one point per keypoint.
    for (const auto& a : d.value().anchors) {
      for (int k : a.keypoints) {
        if (k < 0 || k >= facefilter::kNumKeypoints) __builtin_trap();
      }
    }
    if (d.value().kind == facefilter::FilterKind::kMask &&
        static_cast<int>(d.value().mesh.size()) != facefilter::kNumKeypoints) {
      __builtin_trap();
    }
    if (!(d.value().opacity >= 0.0f && d.value().opacity <= 1.0f)) __builtin_trap();
    // 3D models: a file inside the folder and a usable placement.
    if (d.value().kind == facefilter::FilterKind::kModel) {
      const auto& m = d.value();
      if (m.modelFile.empty() || m.modelFile.find("..") != std::string::npos || m.modelFile.front() == '/') {
        __builtin_trap();
      }
      if (!(m.placement.scale > 0.0f && m.placement.scale <= 1000.0f)) __builtin_trap();
      for (float v : {m.placement.offset.x, m.placement.offset.y, m.placement.offset.z,
                      m.placement.rotationDeg.x, m.placement.rotationDeg.y, m.placement.rotationDeg.z}) {
        if (!(v >= -360.0f && v <= 360.0f)) __builtin_trap();
      }
    }
  } else if (d.error().message.empty()) {
    __builtin_trap();
  }
  return 0;
}
