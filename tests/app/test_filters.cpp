// Filter descriptions, loading (including user-supplied art), anchor geometry, head pose, mask mesh.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>

#include "engine/filters/filter_catalog.hpp"
#include "engine/filters/filter_geometry.hpp"
#include "test_support.hpp"

using namespace facefilter;

namespace {

const char* kValid = R"({
  "name": "glasses", "type": "sprite", "art": "a.png", "blend": "multiply", "opacity": 0.5,
  "perspective": false,
  "anchors": [ {"art": [10, 20], "keypoints": [36, 39]}, {"art": [90, 20], "keypoints": [42, 45]} ]
})";

cv::Point2f P(const SpriteVertex& v) {
  return {v.x, v.y};
}

void writeText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

void writePng(const std::filesystem::path& p, int w = 100, int h = 40) {
  cv::Mat m(h, w, CV_8UC4, cv::Scalar(10, 20, 30, 255));
  cv::imwrite(p.string(), m);
}

}  // namespace

TEST(FilterDescription, ParsesAllFields) {
  auto d = parseFilterDescription(kValid, "test.json", "folder");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->name, "glasses");
  EXPECT_EQ(d->kind, FilterKind::kSprite);
  EXPECT_EQ(d->artFile, "a.png");
  EXPECT_EQ(d->blend, BlendMode::kMultiply);
  EXPECT_FLOAT_EQ(d->opacity, 0.5f);
  EXPECT_FALSE(d->perspective);
  ASSERT_EQ(d->anchors.size(), 2u);
  EXPECT_EQ(d->anchors[1].keypoints, (std::vector<int>{42, 45}));
  EXPECT_FLOAT_EQ(d->anchors[1].art.x, 90.0f);
}

TEST(FilterDescription, RejectsUnknownKeyNamingIt) {
  auto d = parseFilterDescription(R"({"art": "a.png", "anchorz": [], "anchors": []})", "x/filter.json", "x");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("anchorz"), std::string::npos) << d.error().message;
  EXPECT_NE(d.error().message.find("x/filter.json"), std::string::npos);
}

TEST(FilterDescription, RejectsOutOfRangeIndex) {
  auto d = parseFilterDescription(
      R"({"art": "a.png", "anchors": [{"art": [0, 0], "keypoints": [3]}, {"art": [1, 0], "keypoints": [68]}]})",
      "f", "f");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("68"), std::string::npos) << d.error().message;
  EXPECT_NE(d.error().message.find("out of range"), std::string::npos);
}

TEST(FilterDescription, RejectsBadValues) {
  EXPECT_FALSE(parseFilterDescription("not json", "f", "f"));
  EXPECT_FALSE(parseFilterDescription(R"({"anchors": []})", "f", "f"));  // no art
  EXPECT_FALSE(parseFilterDescription(R"({"art": "../x.png", "anchors": []})", "f", "f"));
  EXPECT_FALSE(parseFilterDescription(
      R"({"art": "a.png", "opacity": 2, "anchors": [{"art": [0,0], "keypoints": [1]}, {"art": [1,0], "keypoints": [2]}]})",
      "f", "f"));
  EXPECT_FALSE(parseFilterDescription(
      R"({"art": "a.png", "blend": "burn", "anchors": [{"art": [0,0], "keypoints": [1]}, {"art": [1,0], "keypoints": [2]}]})",
      "f", "f"));
  EXPECT_FALSE(
      parseFilterDescription(R"({"art": "a.png", "anchors": [{"art": [0,0], "keypoints": [1]}]})", "f", "f"));
  EXPECT_FALSE(parseFilterDescription(R"({"art": "a.png", "type": "mask", "mesh": [[0, 0]]})", "f", "f"));
}

TEST(FilterDescription, ShadeBlendIsForMasksOnly) {
  std::string mesh = "[";
  for (int i = 0; i < 68; ++i) mesh += std::string(i ? "," : "") + "[" + std::to_string(i) + ", 1]";
  mesh += "]";
  auto m = parseFilterDescription(
      R"({"type": "mask", "art": "a.png", "blend": "shade", "mesh": )" + mesh + "}", "m/filter.json", "m");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->blend, BlendMode::kShade);
  EXPECT_STREQ(toString(m->blend), "shade");
  std::string sprite = kValid;
  sprite.replace(sprite.find("multiply"), 8, "shade");
  auto s = parseFilterDescription(sprite, "s/filter.json", "s");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("s/filter.json"), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("'blend' \"shade\" is for masks"), std::string::npos) << s.error().message;
  auto bad = parseFilterDescription(
      R"({"type": "mask", "art": "a.png", "blend": "shaded", "mesh": )" + mesh + "}", "b/filter.json", "b");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("normal, additive, multiply, screen or shade"), std::string::npos)
      << bad.error().message;
}

TEST(FilterDescription, ReadsJsonBooleansAndEscapes) {
  const std::string anchors =
      R"("anchors": [{"art": [0, 0], "keypoints": [1]}, {"art": [1, 0], "keypoints": [2]}])";
  auto flat = parseFilterDescription(R"({"art": "a.png", "perspective": false, )" + anchors + "}", "f", "f");
  ASSERT_TRUE(flat) << flat.error().message;
  EXPECT_FALSE(flat->perspective);
  // A number is not a boolean, 0 and 1 included.
  auto one = parseFilterDescription(R"({"art": "a.png", "perspective": 1, )" + anchors + "}", "f", "f");
  ASSERT_FALSE(one);
  EXPECT_NE(one.error().message.find("'perspective' must be true or false"), std::string::npos);
  // \u escapes read back, a control character included.
  auto named =
      parseFilterDescription(R"({"name": "caf\u00e9\u0001", "art": "a.png", )" + anchors + "}", "f", "f");
  ASSERT_TRUE(named) << named.error().message;
  EXPECT_EQ(named->name, "caf\xc3\xa9\x01");
  auto array = parseFilterDescription("[1, 2]", "f", "f");
  ASSERT_FALSE(array);
  EXPECT_NE(array.error().message.find("the top level must be an object"), std::string::npos);
}

TEST(FilterCatalog, ReportsMalformedAndLoadsGood) {
  const auto root = test::freshTempDir("catalog");
  std::filesystem::create_directories(root / "good");
  writeText(root / "good" / "filter.json", kValid);
  writePng(root / "good" / "a.png");
  std::filesystem::create_directories(root / "nopng");
  writeText(root / "nopng" / "filter.json", kValid);
  std::filesystem::create_directories(root / "corrupt");
  writeText(root / "corrupt" / "filter.json", kValid);
  writeText(root / "corrupt" / "a.png", "this is not a png");
  std::filesystem::create_directories(root / "badjson");
  writeText(root / "badjson" / "filter.json", "{\"art\": ");

  FilterCatalog catalog({root});
  EXPECT_TRUE(catalog.poll());
  ASSERT_EQ(catalog.entries().size(), 4u);
  ASSERT_NE(catalog.find("good"), nullptr);
  EXPECT_TRUE(catalog.find("good")->filter);
  EXPECT_EQ(catalog.find("good")->filter->art.type(), CV_8UC4);
  EXPECT_NE(catalog.find("nopng")->error.find("not found"), std::string::npos)
      << catalog.find("nopng")->error;
  EXPECT_NE(catalog.find("corrupt")->error.find("cannot decode"), std::string::npos)
      << catalog.find("corrupt")->error;
  EXPECT_FALSE(catalog.find("badjson")->error.empty());
  EXPECT_FALSE(catalog.poll());  // nothing changed

  // Editing reloads (mtime), adding a folder adds a filter, removing removes it.
  const uint64_t before = catalog.find("good")->version;
  writeText(root / "good" / "filter.json",
            std::string(kValid).replace(std::string(kValid).find("0.5"), 3, "0.7"));
  std::filesystem::last_write_time(root / "good" / "filter.json",
                                   std::filesystem::file_time_type::clock::now() + std::chrono::seconds(2));
  std::filesystem::remove_all(root / "badjson");
  EXPECT_TRUE(catalog.poll());
  EXPECT_GT(catalog.find("good")->version, before);
  EXPECT_FLOAT_EQ(catalog.find("good")->filter->description.opacity, 0.7f);
  EXPECT_EQ(catalog.find("badjson"), nullptr);
  std::filesystem::remove_all(root);
}

TEST(FilterCatalog, BuiltInFiltersAllLoad) {
  FilterCatalog catalog({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  catalog.poll();
  for (const char* name : {"sunglasses", "moustache", "hat", "tiger_mask", "tiger_mask_shaded"}) {
    const FilterEntry* e = catalog.find(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_TRUE(e->error.empty()) << e->error;
  }
}

TEST(FilterGeometry, SimilarityRecoversScaleRotationTranslation) {
  Similarity truth{2.5f, 0.3f, {40, -7}};
  std::vector<cv::Point2f> from = {{0, 0}, {10, 0}, {3, 8}, {-4, 2}}, to;
  for (auto p : from) to.push_back(truth.apply(p));
  auto s = fitSimilarity(from, to);
  ASSERT_TRUE(s);
  EXPECT_NEAR(s->scale, 2.5f, 1e-4);
  EXPECT_NEAR(s->rotationRad, 0.3f, 1e-4);
  EXPECT_NEAR(s->translation.x, 40.0f, 1e-3);
  EXPECT_FALSE(fitSimilarity({{1, 1}, {1, 1}}, {{0, 0}, {5, 5}}));
}

TEST(FilterGeometry, SpriteFollowsPositionScaleAndRoll) {
  auto d = parseFilterDescription(kValid, "f", "f");
  ASSERT_TRUE(d);
  // Eye midpoints (36+39)/2 and (42+45)/2 of a face rotated by 20 degrees.
  Landmarks l = test::canonicalLandmarks(100, {300, 200});
  const float a = 20.0f * static_cast<float>(CV_PI) / 180.0f;
  for (auto& p : l) {
    const cv::Point2f q = p - cv::Point2f(300, 200);
    p = cv::Point2f(300 + std::cos(a) * q.x - std::sin(a) * q.y, 200 + std::sin(a) * q.x + std::cos(a) * q.y);
  }
  auto quad = spriteQuad(d.value(), {100, 40}, l, nullptr);
  ASSERT_TRUE(quad);
  // The art's top edge is rotated by the face's roll.
  const float angle = std::atan2((*quad)[1].y - (*quad)[0].y, (*quad)[1].x - (*quad)[0].x);
  EXPECT_NEAR(angle, a, 1e-3);
  // Art x 10 -> 90 spans the two eye midpoints: scale = eye distance / 80 art px.
  const cv::Point2f le = (l[36] + l[39]) * 0.5f, re = (l[42] + l[45]) * 0.5f;
  const float width = static_cast<float>(cv::norm(P((*quad)[1]) - P((*quad)[0])));
  EXPECT_NEAR(width, static_cast<float>(cv::norm(re - le)) * 100.0f / 80.0f, 0.5f);
}

TEST(HeadPose, RecoversYawOfARotatedGenericFace) {
  for (double yawDeg : {-25.0, 0.0, 20.0}) {
    // Project the generic face turned by yawDeg, then ask for the pose back.
    const double y = yawDeg * CV_PI / 180.0;
    std::vector<cv::Point3f> model;
    for (const auto& c : kCanonicalFace68) model.emplace_back(c.x, c.y, -c.z);
    const cv::Matx33d K(640, 0, 320, 0, 640, 240, 0, 0, 1);
    const cv::Vec3d rvec(0, y, 0), tvec(0, 0, 8);
    std::vector<cv::Point2f> px;
    cv::projectPoints(model, rvec, tvec, K, cv::noArray(), px);
    Landmarks l{};
    for (size_t i = 0; i < l.size(); ++i) l[i] = px[i];
    auto pose = estimateHeadPose(l, {640, 480});
    ASSERT_TRUE(pose) << yawDeg;
    EXPECT_NEAR(pose->yawDeg, yawDeg, 1.0) << yawDeg;
    EXPECT_NEAR(pose->pitchDeg, 0.0, 1.0);
    EXPECT_LT(pose->reprojectionErrorPx, 0.1);
  }
}

TEST(MaskMesh, ForeheadAboveBrowsAndValidTriangles) {
  const Landmarks l = test::canonicalLandmarks(100, {300, 300});
  const auto f = foreheadPoints(l);
  EXPECT_LT(f[2].y, l[21].y - 50);  // well above the brows
  const auto pts = maskPoints(l);
  ASSERT_EQ(pts.size(), static_cast<size_t>(kNumKeypoints + kForeheadPoints));
  const MaskMesh mesh = triangulateMask(pts);
  EXPECT_GT(mesh.triangles.size(), 100u);
  for (const auto& t : mesh.triangles) {
    for (int k = 0; k < 3; ++k) {
      EXPECT_GE(t[k], 0);
      EXPECT_LT(t[k], static_cast<int>(pts.size()));
    }
  }
}

// User-supplied art (the kind users bring): RGBA PNG from the shared data folder, never copied into the repo.
TEST(UserArt, SampleSunglassesLoadAndLandOnTheEyes) {
  const auto png = std::filesystem::path(defaultDataDir()) / "samples" / "sunglasses.png";
  if (!std::filesystem::exists(png)) GTEST_SKIP() << "no sample art at " << png << " (set FACEFILTER_DATA)";
  const auto root = test::freshTempDir("userart");
  std::filesystem::create_directories(root / "shades");
  std::filesystem::copy_file(png, root / "shades" / "sunglasses.png");
  // Lens centres and bridge measured on the 3064x1123 picture.
  writeText(root / "shades" / "filter.json", R"({"art": "sunglasses.png", "perspective": false, "anchors": [
      {"art": [715, 560], "keypoints": [36, 37, 38, 39, 40, 41]},
      {"art": [2330, 560], "keypoints": [42, 43, 44, 45, 46, 47]}]})");
  auto f = loadFilter(root / "shades");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->art.cols, 3064);
  EXPECT_EQ(f->art.channels(), 4);
  const Landmarks l = test::canonicalLandmarks(120, {320, 240});
  auto quad = spriteQuad(f->description, {f->art.cols, f->art.rows}, l, nullptr);
  ASSERT_TRUE(quad);
  // The art's centre lands between the eyes; its width is about 2.4 eye distances.
  const cv::Point2f centre = (P((*quad)[0]) + P((*quad)[2])) * 0.5f;
  EXPECT_NEAR(centre.x, 320.0f, 3.0f);
  EXPECT_NEAR(centre.y, 240.0f + 120.0f * (561.5f - 560.0f) / 1615.0f, 3.0f);
  EXPECT_NEAR(cv::norm(P((*quad)[1]) - P((*quad)[0])), 120.0 * 3064.0 / 1615.0, 2.0);
  std::filesystem::remove_all(root);
}
