#include "engine/filters/model_asset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <tiny_gltf.h>
#include <glm/glm.hpp>
#include <glm/gtc/matrix_transform.hpp>
#include <glm/gtc/quaternion.hpp>
#include <glm/gtc/type_ptr.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facefilter {
namespace {

Error fail(const std::string& origin, const std::string& what) {
  return makeError("3D model " + origin + ": " + what);
}

uint32_t readU32(const std::string& b, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);  // glTF binaries are little-endian, as is every platform we build for
  return v;
}

// The container's framing, checked before tinygltf sees it, so that a cut or foreign file gets a plain
// message (and tinygltf only ever reads chunks that lie inside the bytes).
Status checkGlbFraming(const std::string& b, const std::string& origin) {
  if (b.size() >= 4 && b.compare(0, 4, "glTF") != 0) {
    const bool json =
        b.find_first_not_of(" \t\r\n") != std::string::npos && b[b.find_first_not_of(" \t\r\n")] == '{';
    return fail(origin, json ? "a text glTF (.gltf JSON); a filter needs the binary form (.glb)"
                             : "not a glTF binary (the file does not start with the 'glTF' magic)");
  }
  if (b.size() < 12) {
    return fail(origin,
                "truncated: " + std::to_string(b.size()) + " bytes, shorter than the 12-byte .glb header");
  }
  const uint32_t version = readU32(b, 4);
  if (version != 2)
    return fail(origin, "glTF version " + std::to_string(version) + "; only glTF 2.0 is read");
  const uint64_t declared = readU32(b, 8);
  if (declared > b.size()) {
    return fail(origin, "truncated: the header says " + std::to_string(declared) + " bytes, the file has " +
                            std::to_string(b.size()));
  }
  if (declared < 20) return fail(origin, "truncated: no JSON chunk after the header");
  const uint64_t jsonLength = readU32(b, 12);
  if (b.compare(16, 4, "JSON") != 0) return fail(origin, "the first chunk is not the JSON chunk");
  if (20 + jsonLength > declared) {
    return fail(origin, "truncated: the JSON chunk (" + std::to_string(jsonLength) +
                            " bytes) runs past the end of the file");
  }
  const uint64_t next = 20 + ((jsonLength + 3) & ~uint64_t{3});
  if (next + 8 <= declared) {
    const uint64_t binLength = readU32(b, static_cast<size_t>(next));
    if (next + 8 + binLength > declared) {
      return fail(origin, "truncated: the binary chunk (" + std::to_string(binLength) +
                              " bytes) runs past the end of the file");
    }
  }
  return Ok{};
}

// tinygltf (2.7) hands an image's bufferView to the image callback without checking that the view lies inside
// its buffer; a file whose view reaches past it would have the decoder read past the buffer's end. So the
// views of images are checked here first, from the JSON chunk (a buffer's data is exactly its byteLength).
Status checkImageViews(const std::string& b, const std::string& origin) {
  using Json = nlohmann::json;
  const uint64_t jsonLength = readU32(b, 12);
  const Json root =
      Json::parse(b.begin() + 20, b.begin() + 20 + static_cast<std::ptrdiff_t>(jsonLength), nullptr,
                  /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) return Ok{};  // tinygltf reports the JSON's own errors
  const auto images = root.find("images");
  if (images == root.end() || !images->is_array()) return Ok{};
  const auto views = root.find("bufferViews");
  const auto buffers = root.find("buffers");
  for (size_t i = 0; i < images->size(); ++i) {
    const Json& image = (*images)[i];
    if (!image.is_object() || !image.contains("bufferView")) continue;
    const std::string what = "texture image " + std::to_string(i);
    const Json& v = image["bufferView"];
    if (!v.is_number_unsigned() || views == root.end() || !views->is_array() ||
        v.get<uint64_t>() >= views->size()) {
      return fail(origin, what + ": its bufferView does not exist");
    }
    const Json& view = (*views)[v.get<size_t>()];
    if (!view.is_object() || !view.contains("buffer") || !view["buffer"].is_number_unsigned() ||
        buffers == root.end() || !buffers->is_array() || view["buffer"].get<uint64_t>() >= buffers->size()) {
      return fail(origin, what + ": its bufferView has no valid buffer");
    }
    const Json& buf = (*buffers)[view["buffer"].get<size_t>()];
    const Json offset = view.value("byteOffset", Json(0u));
    const Json length = view.value("byteLength", Json());
    const Json bufferLength = buf.is_object() ? buf.value("byteLength", Json()) : Json();
    if (!offset.is_number_unsigned() || !length.is_number_unsigned() || !bufferLength.is_number_unsigned()) {
      return fail(origin, what + ": its bufferView or buffer has no valid byteOffset/byteLength");
    }
    const uint64_t o = offset.get<uint64_t>(), n = length.get<uint64_t>(),
                   total = bufferLength.get<uint64_t>();
    if (o > total || n > total - o) {
      return fail(origin, what + ": its bufferView (" + std::to_string(o) + " + " + std::to_string(n) +
                              " bytes) reaches past its buffer (" + std::to_string(total) + " bytes)");
    }
  }
  return Ok{};
}

// Reads the first 24 bytes of a PNG for its size, so that a huge declared image is refused before it is
// inflated. Other formats are checked after decoding.
bool pngTooLarge(const unsigned char* bytes, int size) {
  static const unsigned char kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size < 24 || std::memcmp(bytes, kSig, 8) != 0) return false;
  auto be32 = [&](int at) {
    return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) | (uint32_t{bytes[at + 2]} << 8) |
           uint32_t{bytes[at + 3]};
  };
  return be32(16) > static_cast<uint32_t>(kMaxModelTextureSide) ||
         be32(20) > static_cast<uint32_t>(kMaxModelTextureSide);
}

// tinygltf's image callback: OpenCV decodes (PNG, JPEG, ...) into 8-bit RGBA, alpha kept.
bool decodeImage(tinygltf::Image* image, const int index, std::string* err, std::string* /*warn*/, int, int,
                 const unsigned char* bytes, int size, void* /*user*/) {
  const std::string which = "texture image " + std::to_string(index) +
                            (image->name.empty() ? std::string() : " '" + image->name + "'");
  if (size <= 0 || bytes == nullptr) {
    if (err) *err += which + " is empty";
    return false;
  }
  // glTF's image formats are PNG and JPEG; OpenCV would try many more decoders on anything else.
  static const unsigned char kPng[4] = {0x89, 'P', 'N', 'G'}, kJpeg[3] = {0xff, 0xd8, 0xff};
  if (!(size >= 4 && std::memcmp(bytes, kPng, 4) == 0) && !(size >= 3 && std::memcmp(bytes, kJpeg, 3) == 0)) {
    if (err) *err += which + " cannot be decoded: not a PNG or JPEG image (glTF's image formats)";
    return false;
  }
  if (pngTooLarge(bytes, size)) {
    if (err) *err += which + " is larger than " + std::to_string(kMaxModelTextureSide) + " px a side";
    return false;
  }
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(cv::Mat(1, size, CV_8U, const_cast<unsigned char*>(bytes)), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    if (err) *err += which + " cannot be decoded: " + e.err;
    return false;
  }
  if (decoded.empty()) {
    if (err) *err += which + " cannot be decoded (corrupt, or not PNG/JPEG)";
    return false;
  }
  if (decoded.cols > kMaxModelTextureSide || decoded.rows > kMaxModelTextureSide) {
    if (err) *err += which + " is larger than " + std::to_string(kMaxModelTextureSide) + " px a side";
    return false;
  }
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257.0);
  if (decoded.depth() != CV_8U) {
    if (err) *err += which + ": only 8- or 16-bit images are supported";
    return false;
  }
  cv::Mat rgba;
  switch (decoded.channels()) {
    case 1:
      cv::cvtColor(decoded, rgba, cv::COLOR_GRAY2RGBA);
      break;
    case 3:
      cv::cvtColor(decoded, rgba, cv::COLOR_BGR2RGBA);
      break;
    case 4:
      cv::cvtColor(decoded, rgba, cv::COLOR_BGRA2RGBA);
      break;
    default:
      if (err) *err += which + ": unsupported channel count " + std::to_string(decoded.channels());
      return false;
  }
  image->width = rgba.cols;
  image->height = rgba.rows;
  image->component = 4;
  image->bits = 8;
  image->pixel_type = TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE;
  image->image.assign(rgba.data, rgba.data + rgba.total() * rgba.elemSize());
  return true;
}

// External files: only regular files inside the model's folder (user_data: the folder; null: none at all).
// A filter downloaded from someone must not read the rest of the disk through a buffer's URI.
bool insideFolder(const std::string& file, void* user) {
  if (user == nullptr) return false;
  const auto& folder = *static_cast<const std::filesystem::path*>(user);
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(file, ec);
  if (ec) return false;
  const auto base = std::filesystem::weakly_canonical(folder, ec);
  if (ec) return false;
  const auto rel = canonical.lexically_relative(base);
  return !rel.empty() && *rel.begin() != ".." && std::filesystem::is_regular_file(canonical, ec);
}
bool fileExists(const std::string& file, void* user) {
  return insideFolder(file, user);
}
std::string expandPath(const std::string& path, void*) {
  return path;  // no ~ or $VAR expansion: a URI is a name inside the folder
}
bool readWholeFile(std::vector<unsigned char>* out, std::string* err, const std::string& file, void* user) {
  if (!insideFolder(file, user)) {
    if (err) *err += "'" + file + "' is not a file inside the model's folder";
    return false;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxModelFileBytes) {
    if (err) *err += "'" + file + "' cannot be read or is too large";
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  out->resize(static_cast<size_t>(size));
  if (size > 0 && !in.read(reinterpret_cast<char*>(out->data()), static_cast<std::streamsize>(size))) {
    if (err) *err += "cannot read '" + file + "'";
    return false;
  }
  return true;
}
bool writeWholeFile(std::string* err, const std::string&, const std::vector<unsigned char>&, void*) {
  if (err) *err += "writing is not supported";
  return false;
}

size_t componentBytes(int componentType) {
  switch (componentType) {
    case TINYGLTF_COMPONENT_TYPE_BYTE:
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
      return 1;
    case TINYGLTF_COMPONENT_TYPE_SHORT:
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT:
      return 2;
    case TINYGLTF_COMPONENT_TYPE_INT:
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT:
    case TINYGLTF_COMPONENT_TYPE_FLOAT:
      return 4;
    default:
      return 0;
  }
}

size_t typeComponents(int type) {
  switch (type) {
    case TINYGLTF_TYPE_SCALAR:
      return 1;
    case TINYGLTF_TYPE_VEC2:
      return 2;
    case TINYGLTF_TYPE_VEC3:
      return 3;
    case TINYGLTF_TYPE_VEC4:
      return 4;
    default:
      return 0;
  }
}

// One accessor, bounds-checked against its view and buffer: where element i starts.
struct AccessorView {
  const unsigned char* base = nullptr;
  size_t stride = 0;
  size_t count = 0;
  int componentType = 0;
  bool normalized = false;
  const unsigned char* at(size_t i) const { return base + i * stride; }
};

class Reader {
 public:
  Reader(const tinygltf::Model& m, std::string origin) : m_(m), origin_(std::move(origin)) {}

  // `what`: e.g. "mesh 'x' primitive 0 POSITION". `types`: accepted accessor types; `components`: accepted
  // component types.
  Result<AccessorView> view(int index, const std::string& what, int type,
                            std::initializer_list<int> components, size_t maxCount) const {
    if (index < 0 || static_cast<size_t>(index) >= m_.accessors.size()) {
      return fail(origin_, what + ": accessor " + std::to_string(index) + " does not exist");
    }
    const tinygltf::Accessor& a = m_.accessors[static_cast<size_t>(index)];
    if (a.sparse.isSparse) return fail(origin_, what + ": sparse accessors are not supported");
    if (a.type != type)
      return fail(origin_, what + ": accessor " + std::to_string(index) + " has the wrong type");
    if (std::find(components.begin(), components.end(), a.componentType) == components.end()) {
      return fail(origin_, what + ": accessor " + std::to_string(index) +
                               " has an unsupported component type " + std::to_string(a.componentType));
    }
    if (a.count > maxCount) {
      return fail(origin_, what + ": " + std::to_string(a.count) + " elements, more than the limit of " +
                               std::to_string(maxCount));
    }
    if (a.bufferView < 0 || static_cast<size_t>(a.bufferView) >= m_.bufferViews.size()) {
      return fail(origin_, what + ": accessor " + std::to_string(index) + " has no valid bufferView");
    }
    const tinygltf::BufferView& bv = m_.bufferViews[static_cast<size_t>(a.bufferView)];
    if (bv.buffer < 0 || static_cast<size_t>(bv.buffer) >= m_.buffers.size()) {
      return fail(origin_, what + ": bufferView " + std::to_string(a.bufferView) + " has no valid buffer");
    }
    const auto& data = m_.buffers[static_cast<size_t>(bv.buffer)].data;
    const size_t elem = componentBytes(a.componentType) * typeComponents(a.type);
    const size_t stride = bv.byteStride == 0 ? elem : bv.byteStride;
    if (stride < elem || stride > 252) {  // glTF: a stride is at most 252 bytes
      return fail(origin_, what + ": bufferView " + std::to_string(a.bufferView) + " has a bad byteStride");
    }
    // All in 64 bits: count is at most the limits above, strides at most 256, offsets at most the buffer.
    const uint64_t viewEnd = static_cast<uint64_t>(bv.byteOffset) + bv.byteLength;
    const uint64_t start = static_cast<uint64_t>(bv.byteOffset) + a.byteOffset;
    const uint64_t end = a.count == 0 ? start : start + static_cast<uint64_t>(stride) * (a.count - 1) + elem;
    if (bv.byteOffset > data.size() || bv.byteLength > data.size() || viewEnd > data.size() ||
        end > viewEnd || a.byteOffset > bv.byteLength) {
      return fail(origin_, what + ": accessor " + std::to_string(index) + " reaches past its buffer (" +
                               std::to_string(end) + " > " +
                               std::to_string(std::min<uint64_t>(viewEnd, data.size())) + " bytes)");
    }
    AccessorView v;
    v.base = data.data() + start;
    v.stride = stride;
    v.count = a.count;
    v.componentType = a.componentType;
    v.normalized = a.normalized;
    return v;
  }

 private:
  const tinygltf::Model& m_;
  std::string origin_;
};

float readComponent(const unsigned char* p, int componentType, bool normalized) {
  switch (componentType) {
    case TINYGLTF_COMPONENT_TYPE_FLOAT: {
      float f;
      std::memcpy(&f, p, 4);
      return f;
    }
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
      return normalized ? static_cast<float>(*p) / 255.0f : static_cast<float>(*p);
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT: {
      uint16_t s;
      std::memcpy(&s, p, 2);
      return normalized ? static_cast<float>(s) / 65535.0f : static_cast<float>(s);
    }
    default:
      return 0.0f;
  }
}

uint32_t readIndex(const unsigned char* p, int componentType) {
  switch (componentType) {
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE:
      return *p;
    case TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT: {
      uint16_t s;
      std::memcpy(&s, p, 2);
      return s;
    }
    default: {
      uint32_t i;
      std::memcpy(&i, p, 4);
      return i;
    }
  }
}

glm::dmat4 localMatrix(const tinygltf::Node& n) {
  if (n.matrix.size() == 16) return glm::make_mat4(n.matrix.data());  // column-major, as glTF stores it
  glm::dmat4 m(1.0);
  if (n.translation.size() == 3)
    m = glm::translate(m, glm::dvec3(n.translation[0], n.translation[1], n.translation[2]));
  if (n.rotation.size() == 4) {
    // glTF's quaternion is (x, y, z, w); glm's constructor takes w first.
    const glm::dquat q(n.rotation[3], n.rotation[0], n.rotation[1], n.rotation[2]);
    m = m * glm::mat4_cast(glm::normalize(q));
  }
  if (n.scale.size() == 3) m = glm::scale(m, glm::dvec3(n.scale[0], n.scale[1], n.scale[2]));
  return m;
}

bool finite(const glm::dmat4& m) {
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 4; ++r)
      if (!std::isfinite(m[c][r])) return false;
  return true;
}

void computeNormals(ModelPrimitive& p) {
  std::vector<glm::vec3> acc(p.vertices.size(), glm::vec3(0.0f));
  for (size_t t = 0; t + 2 < p.indices.size(); t += 3) {
    const auto& a = p.vertices[p.indices[t]].position;
    const auto& b = p.vertices[p.indices[t + 1]].position;
    const auto& c = p.vertices[p.indices[t + 2]].position;
    const glm::vec3 pa(a[0], a[1], a[2]), pb(b[0], b[1], b[2]), pc(c[0], c[1], c[2]);
    const glm::vec3 n = glm::cross(pb - pa, pc - pa);  // area-weighted
    for (int k = 0; k < 3; ++k) acc[p.indices[t + static_cast<size_t>(k)]] += n;
  }
  for (size_t i = 0; i < p.vertices.size(); ++i) {
    const float len = glm::length(acc[i]);
    const glm::vec3 n = len > 1e-20f ? acc[i] / len : glm::vec3(0, 0, 1);
    std::memcpy(p.vertices[i].normal, glm::value_ptr(n), sizeof(float) * 3);
  }
}

class Flattener {
 public:
  Flattener(const tinygltf::Model& m, std::string origin, ModelAsset& out)
      : m_(m), origin_(std::move(origin)), reader_(m_, origin_), out_(out) {}

  Status node(int index, const glm::dmat4& parent, int depth) {
    if (index < 0 || static_cast<size_t>(index) >= m_.nodes.size()) {
      return fail(origin_, "node " + std::to_string(index) + " does not exist");
    }
    // glTF forbids cycles; a file that has one, or a hierarchy deeper than any real model, is refused.
    if (depth > 64) return fail(origin_, "the node hierarchy is deeper than 64 levels (a cycle?)");
    const tinygltf::Node& n = m_.nodes[static_cast<size_t>(index)];
    const glm::dmat4 world = parent * localMatrix(n);
    if (!finite(world)) return fail(origin_, "node " + std::to_string(index) + " has a non-finite transform");
    if (n.mesh >= 0) {
      if (static_cast<size_t>(n.mesh) >= m_.meshes.size()) {
        return fail(origin_, "node " + std::to_string(index) + " refers to mesh " + std::to_string(n.mesh) +
                                 ", which does not exist");
      }
      if (auto s = mesh(static_cast<size_t>(n.mesh), world); !s) return s;
    }
    for (int child : n.children) {
      if (auto s = node(child, world, depth + 1); !s) return s;
    }
    return Ok{};
  }

 private:
  Status mesh(size_t meshIndex, const glm::dmat4& world) {
    const tinygltf::Mesh& mesh = m_.meshes[meshIndex];
    const std::string meshName =
        mesh.name.empty() ? "mesh " + std::to_string(meshIndex) : "mesh '" + mesh.name + "'";
    for (size_t k = 0; k < mesh.primitives.size(); ++k) {
      if (auto s = primitive(mesh.primitives[k], meshName + " primitive " + std::to_string(k), world); !s)
        return s;
    }
    return Ok{};
  }

  Status primitive(const tinygltf::Primitive& prim, const std::string& what, const glm::dmat4& world) {
    const int mode = prim.mode < 0 ? TINYGLTF_MODE_TRIANGLES : prim.mode;
    if (mode != TINYGLTF_MODE_TRIANGLES && mode != TINYGLTF_MODE_TRIANGLE_STRIP &&
        mode != TINYGLTF_MODE_TRIANGLE_FAN) {
      static const char* kNames[] = {"points", "lines", "line loop", "line strip"};
      const std::string name =
          mode >= 0 && mode < 4 ? kNames[mode] : "unknown (" + std::to_string(mode) + ")";
      return fail(origin_, what + ": primitive mode " + name + " is not supported (only triangles)");
    }
    const auto posIt = prim.attributes.find("POSITION");
    if (posIt == prim.attributes.end()) return fail(origin_, what + ": no POSITION attribute");
    const size_t vertexRoom = kMaxModelVertices - out_.vertexCount();
    // The count is checked against the limit before the accessor's extent is worked out from it.
    if (posIt->second >= 0 && static_cast<size_t>(posIt->second) < m_.accessors.size()) {
      const size_t count = m_.accessors[static_cast<size_t>(posIt->second)].count;
      if (count > vertexRoom) {
        return fail(origin_, "more than " + std::to_string(kMaxModelVertices) + " vertices (" + what +
                                 " brings " + std::to_string(count) + " to " +
                                 std::to_string(out_.vertexCount()) + "); simplify the mesh");
      }
    }
    auto pos = reader_.view(posIt->second, what + " POSITION", TINYGLTF_TYPE_VEC3,
                            {TINYGLTF_COMPONENT_TYPE_FLOAT}, vertexRoom);
    if (!pos) return pos.error();
    ModelPrimitive p;
    p.name = what;
    p.vertices.resize(pos->count);
    const glm::dmat3 normalMatrix = glm::transpose(glm::inverse(glm::dmat3(world)));
    const bool mirrored = glm::determinant(glm::dmat3(world)) < 0;
    for (size_t i = 0; i < pos->count; ++i) {
      float v[3];
      std::memcpy(v, pos->at(i), sizeof v);
      const glm::dvec4 w = world * glm::dvec4(v[0], v[1], v[2], 1.0);
      for (int c = 0; c < 3; ++c) {
        if (!std::isfinite(w[c]) || std::abs(w[c]) > 1e6) {
          return fail(origin_,
                      what + ": vertex " + std::to_string(i) + " has a non-finite or huge coordinate");
        }
        p.vertices[i].position[c] = static_cast<float>(w[c]);
      }
    }
    bool hasNormals = false;
    if (const auto it = prim.attributes.find("NORMAL"); it != prim.attributes.end()) {
      auto nv = reader_.view(it->second, what + " NORMAL", TINYGLTF_TYPE_VEC3,
                             {TINYGLTF_COMPONENT_TYPE_FLOAT}, pos->count);
      if (!nv) return nv.error();
      if (nv->count != pos->count) return fail(origin_, what + ": NORMAL and POSITION counts differ");
      for (size_t i = 0; i < nv->count; ++i) {
        float n[3];
        std::memcpy(n, nv->at(i), sizeof n);
        glm::dvec3 wn = normalMatrix * glm::dvec3(n[0], n[1], n[2]);
        const double len = glm::length(wn);
        wn = std::isfinite(len) && len > 1e-12 ? wn / len : glm::dvec3(0, 0, 1);
        for (int c = 0; c < 3; ++c) p.vertices[i].normal[c] = static_cast<float>(wn[c]);
      }
      hasNormals = true;
    }
    bool hasUv = false;
    if (const auto it = prim.attributes.find("TEXCOORD_0"); it != prim.attributes.end()) {
      auto uv = reader_.view(it->second, what + " TEXCOORD_0", TINYGLTF_TYPE_VEC2,
                             {TINYGLTF_COMPONENT_TYPE_FLOAT, TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE,
                              TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT},
                             pos->count);
      if (!uv) return uv.error();
      if (uv->count != pos->count) return fail(origin_, what + ": TEXCOORD_0 and POSITION counts differ");
      const size_t cb = componentBytes(uv->componentType);
      for (size_t i = 0; i < uv->count; ++i) {
        for (size_t c = 0; c < 2; ++c) {
          const float f = readComponent(uv->at(i) + c * cb, uv->componentType, uv->normalized);
          p.vertices[i].uv[c] = std::isfinite(f) ? f : 0.0f;
        }
      }
      hasUv = true;
    }

    std::vector<uint32_t> order;
    if (prim.indices >= 0) {
      // Strips and fans have two more indices than triangles; the triangle limit is checked after expanding.
      auto iv = reader_.view(prim.indices, what + " indices", TINYGLTF_TYPE_SCALAR,
                             {TINYGLTF_COMPONENT_TYPE_UNSIGNED_BYTE, TINYGLTF_COMPONENT_TYPE_UNSIGNED_SHORT,
                              TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT},
                             kMaxModelTriangles * 3 + 2);
      if (!iv) return iv.error();
      order.resize(iv->count);
      for (size_t i = 0; i < iv->count; ++i) {
        order[i] = readIndex(iv->at(i), iv->componentType);
        if (order[i] >= pos->count) {
          return fail(origin_, what + ": index " + std::to_string(order[i]) + " (at " + std::to_string(i) +
                                   ") is out of range: the primitive has " + std::to_string(pos->count) +
                                   " vertices");
        }
      }
    } else {
      order.resize(pos->count);
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    }
    if (mode == TINYGLTF_MODE_TRIANGLES) {
      order.resize(order.size() / 3 * 3);
      p.indices = std::move(order);
    } else {
      for (size_t i = 2; i < order.size(); ++i) {
        if (mode == TINYGLTF_MODE_TRIANGLE_FAN) {
          p.indices.insert(p.indices.end(), {order[0], order[i - 1], order[i]});
        } else if (i % 2 == 0) {
          p.indices.insert(p.indices.end(), {order[i - 2], order[i - 1], order[i]});
        } else {
          p.indices.insert(p.indices.end(), {order[i - 1], order[i - 2], order[i]});  // keep the winding
        }
      }
    }
    if (out_.triangleCount() + p.indices.size() / 3 > kMaxModelTriangles) {
      return fail(origin_, "more than " + std::to_string(kMaxModelTriangles) + " triangles (" + what +
                               " brings " + std::to_string(p.indices.size() / 3) + " to " +
                               std::to_string(out_.triangleCount()) + "); simplify the mesh");
    }
    if (mirrored) {
      // A mirroring transform turns the winding around; swap two corners so that fronts stay fronts.
      for (size_t t = 0; t + 2 < p.indices.size(); t += 3) std::swap(p.indices[t + 1], p.indices[t + 2]);
    }
    if (!hasNormals) computeNormals(p);

    if (prim.material >= 0) {
      if (static_cast<size_t>(prim.material) >= m_.materials.size()) {
        return fail(origin_, what + ": material " + std::to_string(prim.material) + " does not exist");
      }
      if (auto s = material(m_.materials[static_cast<size_t>(prim.material)], what, hasUv, p); !s) return s;
    }
    out_.primitives.push_back(std::move(p));
    return Ok{};
  }

  Status material(const tinygltf::Material& mat, const std::string& what, bool hasUv, ModelPrimitive& p) {
    const auto& f = mat.pbrMetallicRoughness.baseColorFactor;
    if (f.size() == 4) {
      for (int c = 0; c < 4; ++c) {
        const double v = f[static_cast<size_t>(c)];
        if (!std::isfinite(v)) return fail(origin_, what + ": non-finite baseColorFactor");
        p.baseColor[c] = static_cast<float>(std::clamp(v, 0.0, 1.0));
      }
    }
    if (mat.alphaMode == "MASK")
      p.alphaMode = AlphaMode::kMask;
    else if (mat.alphaMode == "BLEND")
      p.alphaMode = AlphaMode::kBlend;
    else if (mat.alphaMode == "OPAQUE" || mat.alphaMode.empty())
      p.alphaMode = AlphaMode::kOpaque;
    else
      return fail(origin_, what + ": unknown alphaMode '" + mat.alphaMode + "'");
    p.alphaCutoff = std::isfinite(mat.alphaCutoff) ? static_cast<float>(mat.alphaCutoff) : 0.5f;
    p.doubleSided = mat.doubleSided;
    const tinygltf::TextureInfo& info = mat.pbrMetallicRoughness.baseColorTexture;
    if (info.index < 0) return Ok{};
    if (static_cast<size_t>(info.index) >= m_.textures.size()) {
      return fail(origin_, what + ": base-colour texture " + std::to_string(info.index) + " does not exist");
    }
    if (info.texCoord != 0) return fail(origin_, what + ": only TEXCOORD_0 is supported for the base colour");
    if (!hasUv) return fail(origin_, what + ": has a base-colour texture but no TEXCOORD_0");
    const int source = m_.textures[static_cast<size_t>(info.index)].source;
    if (source < 0 || static_cast<size_t>(source) >= m_.images.size()) {
      return fail(origin_,
                  what + ": texture " + std::to_string(info.index) + " has no image (missing texture)");
    }
    const tinygltf::Image& img = m_.images[static_cast<size_t>(source)];
    if (img.image.empty() || img.component != 4 || img.bits != 8 ||
        img.image.size() != static_cast<size_t>(img.width) * static_cast<size_t>(img.height) * 4) {
      return fail(origin_, what + ": texture image " + std::to_string(source) +
                               (img.uri.empty() ? std::string() : " ('" + img.uri + "')") +
                               " is missing or could not be decoded");
    }
    const auto it = textureOfImage_.find(source);
    if (it != textureOfImage_.end()) {
      p.texture = it->second;
      return Ok{};
    }
    cv::Mat rgba(img.height, img.width, CV_8UC4);
    std::memcpy(rgba.data, img.image.data(), img.image.size());
    p.texture = static_cast<int>(out_.textures.size());
    textureOfImage_[source] = p.texture;
    out_.textures.push_back(rgba);
    return Ok{};
  }

  const tinygltf::Model& m_;
  std::string origin_;
  Reader reader_;
  ModelAsset& out_;
  std::map<int, int> textureOfImage_;
};

}  // namespace

const char* toString(AlphaMode mode) {
  switch (mode) {
    case AlphaMode::kOpaque:
      return "OPAQUE";
    case AlphaMode::kMask:
      return "MASK";
    case AlphaMode::kBlend:
      return "BLEND";
  }
  return "OPAQUE";
}

size_t ModelAsset::vertexCount() const {
  size_t n = 0;
  for (const auto& p : primitives) n += p.vertices.size();
  return n;
}

size_t ModelAsset::triangleCount() const {
  size_t n = 0;
  for (const auto& p : primitives) n += p.indices.size() / 3;
  return n;
}

Result<ModelAsset> parseModelAsset(const std::string& bytes, const std::string& origin,
                                   const std::filesystem::path& folder) {
  if (auto s = checkGlbFraming(bytes, origin); !s) return s.error();
  if (auto s = checkImageViews(bytes, origin); !s) return s.error();
  tinygltf::TinyGLTF loader;
  loader.SetImageLoader(decodeImage, nullptr);
  std::filesystem::path folderCopy = folder;
  tinygltf::FsCallbacks fs{};
  fs.FileExists = fileExists;
  fs.ExpandFilePath = expandPath;
  fs.ReadWholeFile = readWholeFile;
  fs.WriteWholeFile = writeWholeFile;
  fs.user_data = folder.empty() ? nullptr : &folderCopy;
  loader.SetFsCallbacks(fs);
  tinygltf::Model model;
  std::string err, warn;
  bool ok = false;
  try {
    ok =
        loader.LoadBinaryFromMemory(&model, &err, &warn, reinterpret_cast<const unsigned char*>(bytes.data()),
                                    static_cast<unsigned int>(bytes.size()), folder.string());
  } catch (const std::exception& e) {
    // tinygltf's JSON reader throws on some malformed input instead of returning false.
    return fail(origin, std::string("not valid glTF: ") + e.what());
  }
  if (!ok) {
    while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
    return fail(origin, "not valid glTF: " + (err.empty() ? std::string("tinygltf gave no reason") : err));
  }
  if (!model.extensionsRequired.empty()) {
    return fail(origin, "requires the glTF extension " + model.extensionsRequired.front() +
                            ", which is not supported");
  }

  ModelAsset asset;
  Flattener flat(model, origin, asset);
  std::vector<int> roots;
  if (!model.scenes.empty()) {
    const int scene = model.defaultScene >= 0 ? model.defaultScene : 0;
    if (static_cast<size_t>(scene) >= model.scenes.size()) {
      return fail(origin, "the default scene " + std::to_string(scene) + " does not exist");
    }
    roots = model.scenes[static_cast<size_t>(scene)].nodes;
  } else {
    // No scene: every node that is nobody's child is a root (the spec leaves this to the application).
    std::set<int> children;
    for (const auto& n : model.nodes) children.insert(n.children.begin(), n.children.end());
    for (int i = 0; i < static_cast<int>(model.nodes.size()); ++i)
      if (children.count(i) == 0) roots.push_back(i);
  }
  for (int r : roots) {
    if (auto s = flat.node(r, glm::dmat4(1.0), 0); !s) return s.error();
  }
  if (asset.triangleCount() == 0) return fail(origin, "no triangles in the default scene");
  asset.boundsMin = cv::Point3f(std::numeric_limits<float>::max(), std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::max());
  asset.boundsMax = -asset.boundsMin;
  for (const auto& p : asset.primitives) {
    for (const auto& v : p.vertices) {
      asset.boundsMin =
          cv::Point3f(std::min(asset.boundsMin.x, v.position[0]), std::min(asset.boundsMin.y, v.position[1]),
                      std::min(asset.boundsMin.z, v.position[2]));
      asset.boundsMax =
          cv::Point3f(std::max(asset.boundsMax.x, v.position[0]), std::max(asset.boundsMax.y, v.position[1]),
                      std::max(asset.boundsMax.z, v.position[2]));
    }
  }
  return asset;
}

Result<ModelAsset> loadModelAsset(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return fail(file.string(), "not found");
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return fail(file.string(), "cannot read its size: " + ec.message());
  if (size > kMaxModelFileBytes) {
    return fail(file.string(), std::to_string(size) + " bytes, larger than the limit of " +
                                   std::to_string(kMaxModelFileBytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in || (size > 0 && !in.read(bytes.data(), static_cast<std::streamsize>(size)))) {
    return fail(file.string(), "cannot be read");
  }
  return parseModelAsset(bytes, file.string(), file.parent_path());
}

// --- Writing ---------------------------------------------------------------------------------------------

namespace {

void appendAligned(std::string& bin, const void* data, size_t size) {
  bin.append(static_cast<const char*>(data), size);
  while (bin.size() % 4 != 0) bin.push_back('\0');
}

}  // namespace

std::string writeGlb(const ModelAsset& asset, const GlbWriteOptions& options) {
  using Json = nlohmann::json;
  std::string bin;
  Json views = Json::array(), accessors = Json::array(), meshes = Json::array(), nodes = Json::array(),
       materials = Json::array(), images = Json::array(), textures = Json::array();
  auto addView = [&](const void* data, size_t size, int target) {
    const size_t offset = bin.size();
    appendAligned(bin, data, size);
    Json v = {{"buffer", 0}, {"byteOffset", offset}, {"byteLength", size}};
    if (target != 0) v["target"] = target;
    views.push_back(v);
    return static_cast<int>(views.size() - 1);
  };
  for (const cv::Mat& t : asset.textures) {
    cv::Mat bgra;
    cv::cvtColor(t, bgra, cv::COLOR_RGBA2BGRA);
    std::vector<unsigned char> png;
    cv::imencode(".png", bgra, png);
    images.push_back({{"bufferView", addView(png.data(), png.size(), 0)}, {"mimeType", "image/png"}});
    textures.push_back({{"source", images.size() - 1}});
  }
  const float inv = options.rootScale != 0 ? 1.0f / options.rootScale : 1.0f;
  Json children = Json::array();
  for (size_t k = 0; k < asset.primitives.size(); ++k) {
    const ModelPrimitive& p = asset.primitives[k];
    std::vector<float> pos, nrm, uv;
    float lo[3] = {std::numeric_limits<float>::max(), std::numeric_limits<float>::max(),
                   std::numeric_limits<float>::max()};
    float hi[3] = {-lo[0], -lo[1], -lo[2]};
    for (const auto& v : p.vertices) {
      for (int c = 0; c < 3; ++c) {
        const float x = v.position[c] * inv;
        pos.push_back(x);
        lo[c] = std::min(lo[c], x);
        hi[c] = std::max(hi[c], x);
        nrm.push_back(v.normal[c]);
      }
      uv.push_back(v.uv[0]);
      uv.push_back(v.uv[1]);
    }
    Json attributes;
    accessors.push_back({{"bufferView", addView(pos.data(), pos.size() * 4, 34962)},
                         {"componentType", TINYGLTF_COMPONENT_TYPE_FLOAT},
                         {"count", p.vertices.size()},
                         {"type", "VEC3"},
                         {"min", {lo[0], lo[1], lo[2]}},
                         {"max", {hi[0], hi[1], hi[2]}}});
    attributes["POSITION"] = accessors.size() - 1;
    if (options.withNormals) {
      accessors.push_back({{"bufferView", addView(nrm.data(), nrm.size() * 4, 34962)},
                           {"componentType", TINYGLTF_COMPONENT_TYPE_FLOAT},
                           {"count", p.vertices.size()},
                           {"type", "VEC3"}});
      attributes["NORMAL"] = accessors.size() - 1;
    }
    accessors.push_back({{"bufferView", addView(uv.data(), uv.size() * 4, 34962)},
                         {"componentType", TINYGLTF_COMPONENT_TYPE_FLOAT},
                         {"count", p.vertices.size()},
                         {"type", "VEC2"}});
    attributes["TEXCOORD_0"] = accessors.size() - 1;
    accessors.push_back({{"bufferView", addView(p.indices.data(), p.indices.size() * 4, 34963)},
                         {"componentType", TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT},
                         {"count", p.indices.size()},
                         {"type", "SCALAR"}});
    const size_t indices = accessors.size() - 1;
    Json pbr = {{"baseColorFactor", {p.baseColor[0], p.baseColor[1], p.baseColor[2], p.baseColor[3]}},
                {"metallicFactor", 0.0},
                {"roughnessFactor", 1.0}};
    if (p.texture >= 0) pbr["baseColorTexture"] = {{"index", p.texture}};
    Json material = {{"pbrMetallicRoughness", pbr}, {"alphaMode", toString(p.alphaMode)}};
    if (p.alphaMode == AlphaMode::kMask) material["alphaCutoff"] = p.alphaCutoff;
    if (p.doubleSided) material["doubleSided"] = true;
    materials.push_back(material);
    meshes.push_back({{"name", p.name},
                      {"primitives",
                       {{{"attributes", attributes},
                         {"indices", indices},
                         {"material", materials.size() - 1},
                         {"mode", TINYGLTF_MODE_TRIANGLES}}}}});
    nodes.push_back({{"mesh", meshes.size() - 1}, {"name", p.name}});
    children.push_back(nodes.size() - 1);
  }
  nodes.push_back({{"name", "root"},
                   {"children", children},
                   {"scale", {options.rootScale, options.rootScale, options.rootScale}}});
  Json gltf = {{"asset", {{"version", "2.0"}, {"generator", "facefilter writeGlb"}}},
               {"scene", 0},
               {"scenes", {{{"nodes", {nodes.size() - 1}}}}},
               {"nodes", nodes},
               {"meshes", meshes},
               {"materials", materials},
               {"accessors", accessors},
               {"bufferViews", views},
               {"buffers", {{{"byteLength", bin.size()}}}}};
  if (!images.empty()) {
    gltf["images"] = images;
    gltf["textures"] = textures;
    gltf["samplers"] = Json::array({Json::object()});
    for (auto& t : gltf["textures"]) t["sampler"] = 0;
  }
  std::string json = gltf.dump();
  while (json.size() % 4 != 0) json.push_back(' ');
  auto u32 = [](std::string& s, uint32_t v) { s.append(reinterpret_cast<const char*>(&v), 4); };
  std::string out = "glTF";
  u32(out, 2);
  u32(out, static_cast<uint32_t>(12 + 8 + json.size() + 8 + bin.size()));
  u32(out, static_cast<uint32_t>(json.size()));
  out += "JSON";
  out += json;
  u32(out, static_cast<uint32_t>(bin.size()));
  out.append("BIN\0", 4);
  out += bin;
  return out;
}

}  // namespace facefilter
