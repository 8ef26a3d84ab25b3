// 3D model filters without GL: the filter description's model keys, the .glb loader (round trip, node
// transforms, computed normals, textures with alpha) and its errors, the catalog's handling of broken
// models, and the head occluder's fit to the canonical face.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "engine/filters/canonical_face.hpp"
#include "engine/filters/filter_catalog.hpp"
#include "engine/filters/filter_description.hpp"
#include "engine/filters/head_occluder.hpp"
#include "engine/filters/model_asset.hpp"
#include "model_test_assets.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

Result<FilterDescription> parse(const std::string& json) {
  return parseFilterDescription(json, "dir/glasses3d/filter.json", "glasses3d");
}

ModelAsset twoCubes() {
  ModelAsset a;
  a.primitives.push_back(test::canonicalCube({-1, 0, 0}, 0.1f, {1, 0, 0, 1}, "left"));
  a.primitives.push_back(test::canonicalCube({1, 0.5f, 0.2f}, 0.1f, {0, 1, 0, 1}, "right"));
  return a;
}

}  // namespace

TEST(ModelDescription, ParsesPlacementAndFlags) {
  auto d = parse(R"({"type": "model", "model": "glasses.glb", "scale": 1.5, "offset": [0, 0.1, 0.3],
                     "rotation": [10, -5, 2], "occluded": false, "lit": false, "opacity": 0.8})");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->kind, FilterKind::kModel);
  EXPECT_EQ(d->modelFile, "glasses.glb");
  EXPECT_FLOAT_EQ(d->placement.scale, 1.5f);
  EXPECT_FLOAT_EQ(d->placement.offset.z, 0.3f);
  EXPECT_FLOAT_EQ(d->placement.rotationDeg.x, 10.0f);
  EXPECT_FALSE(d->occluded);
  EXPECT_FALSE(d->lit);
  EXPECT_FLOAT_EQ(d->opacity, 0.8f);
  auto defaults = parse(R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0]})");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_TRUE(defaults->occluded);
  EXPECT_TRUE(defaults->lit);
}

TEST(ModelDescription, MissingOrWrongKeysNameFileAndKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"type": "model", "scale": 1, "offset": [0, 0, 0]})", "'model'"},
      {R"({"type": "model", "model": "m.glb", "offset": [0, 0, 0]})", "'scale'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1})", "'offset'"},
      {R"({"type": "model", "model": "m.glb", "scale": 0, "offset": [0, 0, 0]})", "'scale'"},
      {R"({"type": "model", "model": "m.glb", "scale": "1", "offset": [0, 0, 0]})", "'scale'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0]})", "'offset'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "rotation": [0, 0, 1e9]})",
       "'rotation'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "occluded": 1})",
       "'occluded'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "lit": "yes"})", "'lit'"},
      {R"({"type": "model", "model": "../m.glb", "scale": 1, "offset": [0, 0, 0]})", "'model'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "art": "a.png"})", "'art'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "blend": "additive"})",
       "'blend'"},
      {R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0], "scael": 2})", "'scael'"},
      {R"({"type": "sprite", "art": "a.png", "occluded": true,
           "anchors": [{"art": [0, 0], "keypoints": [36]}, {"art": [1, 0], "keypoints": [45]}]})",
       "'occluded'"},
  };
  for (const auto& [json, key] : cases) {
    auto d = parse(json);
    ASSERT_FALSE(d) << json;
    EXPECT_TRUE(contains(d.error().message, "dir/glasses3d/filter.json")) << d.error().message;
    EXPECT_TRUE(contains(d.error().message, key)) << key << " in: " << d.error().message;
  }
}

TEST(ModelAssetLoader, RoundTripKeepsGeometryColoursAndTextureAlpha) {
  ModelAsset a = twoCubes();
  cv::Mat tex(8, 4, CV_8UC4, cv::Scalar(10, 20, 30, 40));
  tex.at<cv::Vec4b>(0, 0) = cv::Vec4b(255, 0, 0, 128);  // RGBA, top-left
  a.textures.push_back(tex);
  a.primitives[1].texture = 0;
  a.primitives[1].alphaMode = AlphaMode::kBlend;
  a.primitives[1].doubleSided = true;
  const std::string glb = writeGlb(a, {true, 2.0f});  // under a root node scaled by 2
  auto b = parseModelAsset(glb, "mem.glb");
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->primitives.size(), 2u);
  EXPECT_EQ(b->vertexCount(), a.vertexCount());
  EXPECT_EQ(b->triangleCount(), 24u);
  for (size_t k = 0; k < 2; ++k) {
    for (size_t i = 0; i < a.primitives[k].vertices.size(); ++i) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(b->primitives[k].vertices[i].position[c], a.primitives[k].vertices[i].position[c], 1e-5);
        EXPECT_NEAR(b->primitives[k].vertices[i].normal[c], a.primitives[k].vertices[i].normal[c], 1e-5);
      }
    }
  }
  EXPECT_EQ(b->primitives[0].baseColor, cv::Vec4f(1, 0, 0, 1));
  EXPECT_EQ(b->primitives[0].texture, -1);
  EXPECT_EQ(b->primitives[1].texture, 0);
  EXPECT_EQ(b->primitives[1].alphaMode, AlphaMode::kBlend);
  EXPECT_TRUE(b->primitives[1].doubleSided);
  ASSERT_EQ(b->textures.size(), 1u);
  EXPECT_EQ(b->textures[0].size(), cv::Size(4, 8));
  EXPECT_EQ(b->textures[0].at<cv::Vec4b>(0, 0), cv::Vec4b(255, 0, 0, 128));
  EXPECT_EQ(b->textures[0].at<cv::Vec4b>(7, 3), cv::Vec4b(10, 20, 30, 40));
  EXPECT_NEAR(b->boundsMin.x, -1.1f, 1e-5);
  EXPECT_NEAR(b->boundsMax.x, 1.1f, 1e-5);
}

TEST(ModelAssetLoader, ComputesNormalsWhenAbsent) {
  const ModelAsset a = twoCubes();
  auto b = parseModelAsset(writeGlb(a, {false, 1.0f}), "mem.glb");
  ASSERT_TRUE(b) << b.error().message;
  // The boxes' corners are not shared between faces: each computed normal is its face's, pointing out
  // (the triangles are counter-clockwise from outside), as the boxes were built.
  for (size_t k = 0; k < a.primitives.size(); ++k) {
    for (size_t i = 0; i < a.primitives[k].vertices.size(); ++i) {
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(b->primitives[k].vertices[i].normal[c], a.primitives[k].vertices[i].normal[c], 1e-5)
            << k << " " << i;
      }
    }
  }
}

TEST(ModelAssetLoader, MalformedFilesAreErrorsNamingFileAndProblem) {
  const std::string good = writeGlb(twoCubes());
  struct Case {
    std::string bytes, expected;
  };
  std::string badVersion = good;
  badVersion[4] = 3;
  std::string badJson = test::glbFromJson("{\"asset\": {\"version\": \"2.0\"", "");
  const std::vector<Case> cases = {
      {"", "truncated"},
      {good.substr(0, 8), "truncated"},
      {good.substr(0, good.size() / 2), "truncated"},
      {"PK\x03\x04 this is a zip file, not a model", "not a glTF binary"},
      {"{\"asset\": {\"version\": \"2.0\"}}", "binary form"},
      {badVersion, "version 3"},
      {badJson, "not valid glTF"},
      {test::triangleGlb(0, 1, 7), "index 7"},
      {test::triangleGlb(0, 1, 2, "\"mode\": 1"), "primitive mode lines"},
      {test::triangleGlb(0, 1, 2, "", R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}})",
                         R"("textures":[{"source":0}],"images":[{"uri":"missing.png"}])"),
       "missing.png"},
      {test::triangleGlb(0, 1, 2, "", R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":3}}})"),
       "texture 3 does not exist"},
      {test::triangleGlb(0, 1, 2, "", R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}})",
                         R"("textures":[{"source":0}],"images":[{"bufferView":0,"mimeType":"image/png"}])"),
       "cannot be decoded"},
      {test::triangleGlb(0, 1, 2, "", "{}", R"("extensionsRequired":["KHR_draco_mesh_compression"])"),
       "KHR_draco_mesh_compression"},
      // A texture's view past its buffer's end (found by fuzz_model_asset: tinygltf does not check it).
      {test::triangleGlb(0, 1, 2, "", R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}})",
                         R"("textures":[{"source":0}],"images":[{"bufferView":3,"mimeType":"image/png"}])",
                         R"({"buffer":0,"byteOffset":48,"byteLength":5000})"),
       "reaches past its buffer"},
  };
  for (const Case& c : cases) {
    auto r = parseModelAsset(c.bytes, "filters/x/model.glb");
    ASSERT_FALSE(r) << "expected an error with '" << c.expected << "'";
    EXPECT_TRUE(contains(r.error().message, "filters/x/model.glb")) << r.error().message;
    EXPECT_TRUE(contains(r.error().message, c.expected)) << c.expected << " in: " << r.error().message;
  }
}

TEST(ModelAssetLoader, TooManyVerticesIsRefused) {
  ModelAsset a;
  ModelPrimitive p;
  p.name = "huge";
  p.vertices.resize(kMaxModelVertices + 1);
  for (size_t i = 0; i < p.vertices.size(); ++i) p.vertices[i].position[0] = static_cast<float>(i % 1000);
  p.indices = {0, 1, 2};
  a.primitives.push_back(p);
  auto r = parseModelAsset(writeGlb(a), "big.glb");
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "big.glb")) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "more than " + std::to_string(kMaxModelVertices) + " vertices"))
      << r.error().message;
  // At the limit it loads.
  a.primitives[0].vertices.resize(kMaxModelVertices);
  EXPECT_TRUE(parseModelAsset(writeGlb(a), "big.glb"));
}

TEST(ModelAssetLoader, ExternalFilesOnlyFromTheModelsFolder) {
  const auto dir = test::freshTempDir("model-external");
  std::filesystem::create_directories(dir / "filter");
  cv::Mat bgra(2, 2, CV_8UC4, cv::Scalar(0, 0, 255, 255));
  cv::imwrite((dir / "filter" / "tex.png").string(), bgra);
  cv::imwrite((dir / "outside.png").string(), bgra);
  const std::string material = R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}})";
  test::writeFile(
      dir / "filter" / "in.glb",
      test::triangleGlb(0, 1, 2, "", material, R"("textures":[{"source":0}],"images":[{"uri":"tex.png"}])"));
  test::writeFile(dir / "filter" / "out.glb",
                  test::triangleGlb(0, 1, 2, "", material,
                                    R"("textures":[{"source":0}],"images":[{"uri":"../outside.png"}])"));
  auto in = loadModelAsset(dir / "filter" / "in.glb");
  ASSERT_TRUE(in) << in.error().message;
  ASSERT_EQ(in->textures.size(), 1u);
  EXPECT_EQ(in->textures[0].at<cv::Vec4b>(0, 0), cv::Vec4b(255, 0, 0, 255));  // BGR red -> RGBA red
  auto out = loadModelAsset(dir / "filter" / "out.glb");
  ASSERT_FALSE(out);
  EXPECT_TRUE(contains(out.error().message, "out.glb")) << out.error().message;
  std::filesystem::remove_all(dir);
}

TEST(ModelCatalog, BrokenModelsAreSkippedWithTheirReasonAndOthersLoad) {
  const auto root = test::freshTempDir("model-catalog");
  auto folder = [&](const std::string& name, const std::string& json) {
    std::filesystem::create_directories(root / name);
    std::ofstream(root / name / "filter.json") << json;
    return root / name;
  };
  const std::string modelJson = R"({"type": "model", "model": "m.glb", "scale": 1, "offset": [0, 0, 0]})";
  test::writeFile(folder("good", modelJson) / "m.glb", writeGlb(twoCubes()));
  const std::string good = writeGlb(twoCubes());
  test::writeFile(folder("truncated", modelJson) / "m.glb", good.substr(0, good.size() - 100));
  test::writeFile(folder("notgltf", modelJson) / "m.glb", "hello, I am a text file");
  folder("absent", modelJson);
  test::writeFile(folder("nokeys", R"({"type": "model", "model": "m.glb"})") / "m.glb", good);
  cv::imwrite((folder("sprite", R"({"art": "a.png", "anchors": [{"art": [0, 0], "keypoints": [36]},
                                                               {"art": [9, 0], "keypoints": [45]}]})") /
               "a.png")
                  .string(),
              cv::Mat(4, 10, CV_8UC4, cv::Scalar(0, 0, 0, 255)));
  FilterCatalog catalog({root});
  EXPECT_TRUE(catalog.poll());
  auto entry = [&](const std::string& n) {
    const FilterEntry* e = catalog.find(n);
    EXPECT_NE(e, nullptr) << n;
    return e;
  };
  ASSERT_TRUE(entry("good")->filter) << entry("good")->error;
  EXPECT_EQ(entry("good")->filter->model->triangleCount(), 24u);
  EXPECT_TRUE(entry("sprite")->filter) << entry("sprite")->error;
  const std::vector<std::pair<std::string, std::string>> broken = {{"truncated", "truncated"},
                                                                   {"notgltf", "not a glTF binary"},
                                                                   {"absent", "not found"},
                                                                   {"nokeys", "'scale'"}};
  for (const auto& [name, why] : broken) {
    const FilterEntry* e = entry(name);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->filter, nullptr) << name;
    EXPECT_TRUE(contains(e->error, (root / name / "filter.json").string())) << e->error;
    EXPECT_TRUE(contains(e->error, why)) << why << " in: " << e->error;
  }
  // Live reload: fixing the file fixes the entry.
  test::writeFile(root / "truncated" / "m.glb", good);
  std::filesystem::last_write_time(root / "truncated" / "m.glb",
                                   std::filesystem::file_time_type::clock::now() + std::chrono::seconds(5));
  EXPECT_TRUE(catalog.poll());
  EXPECT_TRUE(entry("truncated")->filter) << entry("truncated")->error;
  std::filesystem::remove_all(root);
}

TEST(HeadOccluder, SitsInsideTheHeadBehindTheFace) {
  // The nose and brows stand out of it; the back of the head and the face's centre behind the eyes are in it.
  EXPECT_FALSE(insideHeadOccluder({kCanonicalFace68[30].x, kCanonicalFace68[30].y, kCanonicalFace68[30].z}));
  EXPECT_FALSE(insideHeadOccluder({kCanonicalFace68[27].x, kCanonicalFace68[27].y, kCanonicalFace68[27].z}));
  EXPECT_TRUE(insideHeadOccluder({0, 0, -1.5f}));
  EXPECT_TRUE(insideHeadOccluder({0, -1.0f, -2.6f}));
  // The jaw outline's ends (0, 16) are just outside: temples along the side of the head stay visible.
  for (int i : {0, 16}) {
    const auto& p = kCanonicalFace68[static_cast<size_t>(i)];
    EXPECT_FALSE(insideHeadOccluder({p.x, p.y, p.z})) << i;
    EXPECT_TRUE(insideHeadOccluder({p.x * 0.85f, p.y, p.z})) << i;
  }
  const OccluderMesh m = headOccluderMesh(16, 8);
  EXPECT_EQ(m.points.size(), 17u * 9u);
  EXPECT_EQ(m.indices.size(), 16u * 8u * 6u);
  for (uint32_t i : m.indices) EXPECT_LT(i, m.points.size());
}
