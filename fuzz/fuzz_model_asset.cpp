// libFuzzer target: parseModelAsset (the .glb of a 3D model filter, user-supplied filters). Any input must
// give a model or an Error; a crash, hang, sanitizer report or a model that breaks the loader's promises is
// a bug. No folder is given, so no external file is ever read.

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/filters/model_asset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto m = facefilter::parseModelAsset(bytes, "fuzz/model.glb");
  if (!m.ok()) {
    if (m.error().message.empty()) __builtin_trap();
    return 0;
  }
  const facefilter::ModelAsset& a = m.value();
  // What the loader promises the renderer: triangles indexing their own vertices, counts within the limits,
  // textures that exist and are RGBA within the side limit, finite positions.
  if (a.vertexCount() > facefilter::kMaxModelVertices || a.triangleCount() > facefilter::kMaxModelTriangles ||
      a.triangleCount() == 0) {
    __builtin_trap();
  }
  for (const auto& p : a.primitives) {
    if (p.indices.size() % 3 != 0) __builtin_trap();
    for (uint32_t i : p.indices) {
      if (i >= p.vertices.size()) __builtin_trap();
    }
    if (p.texture >= static_cast<int>(a.textures.size())) __builtin_trap();
    for (const auto& v : p.vertices) {
      for (float c : v.position) {
        if (!(c == c) || c > 1e6f || c < -1e6f) __builtin_trap();
      }
    }
  }
  for (const auto& t : a.textures) {
    if (t.type() != CV_8UC4 || t.cols > facefilter::kMaxModelTextureSide ||
        t.rows > facefilter::kMaxModelTextureSide) {
      __builtin_trap();
    }
  }
  return 0;
}
