#pragma once
// 3D models the model tests build themselves (no binary assets): boxes at known canonical positions,
// glasses with coloured temples, and raw .glb framing for files that are malformed on purpose.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/core.hpp>

#include "engine/filters/model_asset.hpp"

namespace facefilter::test {

// A box between canonical corners `lo` and `hi` (canonical axes: y down, z towards the camera), written in
// glTF's frame (y up): the placement scale 1, offset 0, rotation 0 puts it back at lo..hi. Flat normals,
// counter-clockwise from outside.
inline ModelPrimitive canonicalBox(cv::Point3f lo, cv::Point3f hi, cv::Vec4f colour,
                                   const std::string& name) {
  ModelPrimitive p;
  p.name = name;
  p.baseColor = colour;
  // Six faces: normal (glTF frame) and the four corners counter-clockwise seen from outside.
  const float x0 = lo.x, x1 = hi.x, y0 = -hi.y, y1 = -lo.y, z0 = lo.z, z1 = hi.z;  // glTF y = -canonical y
  struct Face {
    float n[3];
    float c[4][3];
  };
  const Face faces[6] = {
      {{0, 0, 1}, {{x0, y0, z1}, {x1, y0, z1}, {x1, y1, z1}, {x0, y1, z1}}},
      {{0, 0, -1}, {{x1, y0, z0}, {x0, y0, z0}, {x0, y1, z0}, {x1, y1, z0}}},
      {{1, 0, 0}, {{x1, y0, z1}, {x1, y0, z0}, {x1, y1, z0}, {x1, y1, z1}}},
      {{-1, 0, 0}, {{x0, y0, z0}, {x0, y0, z1}, {x0, y1, z1}, {x0, y1, z0}}},
      {{0, 1, 0}, {{x0, y1, z1}, {x1, y1, z1}, {x1, y1, z0}, {x0, y1, z0}}},
      {{0, -1, 0}, {{x0, y0, z0}, {x1, y0, z0}, {x1, y0, z1}, {x0, y0, z1}}},
  };
  for (const Face& f : faces) {
    const auto base = static_cast<uint32_t>(p.vertices.size());
    for (const auto& c : f.c) {
      ModelVertex v;
      std::memcpy(v.position, c, sizeof v.position);
      std::memcpy(v.normal, f.n, sizeof v.normal);
      p.vertices.push_back(v);
    }
    p.indices.insert(p.indices.end(), {base, base + 1, base + 2, base, base + 2, base + 3});
  }
  return p;
}

inline ModelPrimitive canonicalCube(cv::Point3f centre, float half, cv::Vec4f colour,
                                    const std::string& name) {
  const cv::Point3f d(half, half, half);
  return canonicalBox(centre - d, centre + d, colour, name);
}

inline void writeFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .glb from a JSON text and a binary chunk, framed correctly (what is inside may be wrong on purpose).
inline std::string glbFromJson(std::string json, std::string bin) {
  while (json.size() % 4 != 0) json.push_back(' ');
  while (bin.size() % 4 != 0) bin.push_back('\0');
  auto u32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
  std::string out = "glTF";
  u32(out, 2);
  u32(out, static_cast<uint32_t>(12 + 8 + json.size() + (bin.empty() ? 0 : 8 + bin.size())));
  u32(out, static_cast<uint32_t>(json.size()));
  out += "JSON";
  out += json;
  if (!bin.empty()) {
    u32(out, static_cast<uint32_t>(bin.size()));
    out.append("BIN\0", 4);
    out += bin;
  }
  return out;
}

// One triangle (3 float positions, then 3 uint32 indices) with a JSON template: `primitiveExtra` goes into
// the primitive (e.g. "\"mode\": 1"), `extra` at the top level (e.g. images), `materialJson` is the material.
// `extraView` is appended to the buffer views (index 3).
inline std::string triangleGlb(uint32_t i0, uint32_t i1, uint32_t i2, const std::string& primitiveExtra = "",
                               const std::string& materialJson = "{}", const std::string& extra = "",
                               const std::string& extraView = "") {
  const float pos[9] = {0, 0, 0, 1, 0, 0, 0, 1, 0};
  const uint32_t idx[3] = {i0, i1, i2};
  std::string bin(reinterpret_cast<const char*>(pos), sizeof pos);
  bin.append(reinterpret_cast<const char*>(idx), sizeof idx);
  const float uv[6] = {0, 0, 1, 0, 0, 1};
  bin.append(reinterpret_cast<const char*>(uv), sizeof uv);
  std::string json =
      R"({"asset":{"version":"2.0"},"scene":0,"scenes":[{"nodes":[0]}],"nodes":[{"mesh":0}],)"
      R"("meshes":[{"primitives":[{"attributes":{"POSITION":0,"TEXCOORD_0":2},"indices":1,"material":0)";
  if (!primitiveExtra.empty()) json += "," + primitiveExtra;
  json +=
      R"(}]}],"materials":[)" + materialJson + "]," +
      R"("accessors":[{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]},)"
      R"({"bufferView":1,"componentType":5125,"count":3,"type":"SCALAR"},)"
      R"({"bufferView":2,"componentType":5126,"count":3,"type":"VEC2"}],)"
      R"("bufferViews":[{"buffer":0,"byteOffset":0,"byteLength":36},{"buffer":0,"byteOffset":36,"byteLength":12},)"
      R"({"buffer":0,"byteOffset":48,"byteLength":24})" +
      (extraView.empty() ? "" : "," + extraView) +
      "],"
      R"("buffers":[{"byteLength":72}])";
  if (!extra.empty()) json += "," + extra;
  json += "}";
  return glbFromJson(json, bin);
}

}  // namespace facefilter::test
