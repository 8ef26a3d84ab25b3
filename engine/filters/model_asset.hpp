#pragma once
// A 3D model filter's mesh: a glTF 2.0 binary (.glb) read with tinygltf into plain CPU data the renderer
// uploads as it is. Headless (no GL), pure, any thread.
//
// What is kept: triangles (modes TRIANGLES, TRIANGLE_STRIP and TRIANGLE_FAN) of every mesh the default scene
// reaches, with each node's transform applied (the hierarchy flattened into the file's own frame); positions,
// normals (computed from the triangles when the file has none), the first texture coordinates; per primitive
// the base-colour factor, base-colour texture (decoded to RGBA, alpha kept), alpha mode and double-sidedness.
// Everything else (metallic/roughness, normal maps, animation, skins, morph targets, cameras) is ignored.
//
// Every failure is an Error naming the file and what is wrong: truncated, not glTF, a required extension,
// a missing or undecodable texture, an unsupported primitive mode, an index or accessor out of range, or
// more than kMaxModelVertices / kMaxModelTriangles / kMaxModelTextureSide. External files (a .glb normally
// embeds everything) are read only from inside the model's own folder.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"

namespace facefilter {

// A filter is drawn on every face on every frame, on Mesa's llvmpipe too: 200k vertices is four times what
// a detailed 50k-triangle model needs (at most 150k unshared corners) and stays a few megabytes on the
// GPU; a bigger mesh is one made for offline rendering and would cost frames on every face.
inline constexpr size_t kMaxModelVertices = 200'000;
inline constexpr size_t kMaxModelTriangles = 200'000;
inline constexpr int kMaxModelTextureSide = 4096;
// A .glb larger than this is refused before it is read (textures at the side limit fit well within it).
inline constexpr std::uintmax_t kMaxModelFileBytes = 256ull << 20;

enum class AlphaMode { kOpaque, kMask, kBlend };
const char* toString(AlphaMode mode);

struct ModelVertex {
  float position[3] = {0, 0, 0};
  float normal[3] = {0, 0, 1};
  float uv[2] = {0, 0};  // glTF's: (0, 0) is the image's top-left
};

struct ModelPrimitive {
  std::string name;  // "mesh 'name' primitive k", for messages
  std::vector<ModelVertex> vertices;
  std::vector<uint32_t> indices;    // triangles, counter-clockwise from the front as in glTF
  cv::Vec4f baseColor{1, 1, 1, 1};  // linear RGBA factor
  int texture = -1;                 // index into ModelAsset::textures, -1: none
  AlphaMode alphaMode = AlphaMode::kOpaque;
  float alphaCutoff = 0.5f;
  bool doubleSided = false;
};

struct ModelAsset {
  std::vector<ModelPrimitive> primitives;
  std::vector<cv::Mat> textures;     // 8-bit RGBA (R first), top row first
  cv::Point3f boundsMin, boundsMax;  // of all vertices, in the file's frame
  size_t vertexCount() const;
  size_t triangleCount() const;
};

// Reads and parses a .glb file. External URIs resolve inside the file's folder only.
Result<ModelAsset> loadModelAsset(const std::filesystem::path& file);

// Parses .glb bytes. `origin` names the file in errors; `folder`: where external URIs may be read from
// (empty: none may be).
Result<ModelAsset> parseModelAsset(const std::string& bytes, const std::string& origin,
                                   const std::filesystem::path& folder = {});

// Writes `asset` as a .glb (glTF 2.0 binary): one mesh and node per primitive, the textures as PNG, normals
// unless `withNormals` is false, and a root node scaled by `rootScale` that parents them (the mesh is
// written divided by it, so that the loaded asset equals `asset`). For tests, benchmarks and seeds.
struct GlbWriteOptions {
  bool withNormals = true;
  float rootScale = 1.0f;
};
std::string writeGlb(const ModelAsset& asset, const GlbWriteOptions& options = {});

}  // namespace facefilter
