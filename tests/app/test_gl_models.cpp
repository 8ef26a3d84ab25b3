// GL tests of 3D model filters: models built here (coloured boxes at known canonical positions, glasses
// with coloured temples) are written as .glb, loaded through the filter library and rendered by the scene
// on faces whose pose and light are set by hand; pixels are read back. Screenshots go to
// $TMPDIR/facefilter-gl-model-*.png.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <opencv2/calib3d.hpp>

#include "engine/filters/canonical_face.hpp"
#include "engine/filters/head_pose.hpp"
#include "gl_fixture.hpp"
#include "model_test_assets.hpp"

using namespace facefilter;

namespace {

using test::GlTest;

constexpr int kW = 640, kH = 480;

cv::Matx33d rotationYawPitchRoll(double yawDeg, double pitchDeg, double rollDeg) {
  const double k = CV_PI / 180.0;
  const double y = yawDeg * k, p = pitchDeg * k, r = rollDeg * k;
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(p), -std::sin(p), 0, std::sin(p), std::cos(p));
  const cv::Matx33d ry(std::cos(y), 0, std::sin(y), 0, 1, 0, -std::sin(y), 0, std::cos(y));
  const cv::Matx33d rz(std::cos(r), -std::sin(r), 0, std::sin(r), std::cos(r), 0, 0, 0, 1);
  return rz * ry * rx;  // HeadPose's convention
}

HeadPose poseAt(double yawDeg, double pitchDeg, double rollDeg, cv::Vec3d t = {0, 0, 10}) {
  return makeHeadPose(cameraForFrame({kW, kH}), rotationYawPitchRoll(yawDeg, pitchDeg, rollDeg), t);
}

cv::Point2f project(const HeadPose& pose, cv::Point3f canonical) {
  std::vector<cv::Point2f> px;
  std::vector<float> z;
  projectWithPose(pose, {canonical}, px, z);
  return px[0];
}

float depthOf(const HeadPose& pose, cv::Point3f canonical) {
  std::vector<cv::Point2f> px;
  std::vector<float> z;
  projectWithPose(pose, {canonical}, px, z);
  return z[0];
}

// A face as the engine would report it: keypoints where the pose puts the canonical face, pose and light set.
FrameResult resultWithPose(const std::optional<HeadPose>& pose, FaceLight light = {true, 0.5f, 0, 0}) {
  FrameResult r;
  r.frameId = 1;
  r.frameWidth = kW;
  r.frameHeight = kH;
  FaceResult face;
  face.trackId = 7;
  face.confidence = 1.0f;
  std::vector<cv::Point3f> model;
  for (const auto& c : kCanonicalFace68) model.emplace_back(c.x, c.y, c.z);
  std::vector<cv::Point2f> px;
  std::vector<float> z;
  projectWithPose(pose ? *pose : poseAt(0, 0, 0), model, px, z);
  for (size_t i = 0; i < px.size(); ++i) face.keypoints[i] = px[i];
  face.rawKeypoints = face.keypoints;
  face.box = cv::boundingRect(px);
  face.pose = pose;
  face.light = light;
  r.faces.push_back(face);
  return r;
}

void writeModelFilter(const std::filesystem::path& dir, const ModelAsset& asset, const std::string& keys) {
  std::filesystem::create_directories(dir);
  test::writeFile(dir / "m.glb", writeGlb(asset));
  std::ofstream(dir / "filter.json") << R"({"type": "model", "model": "m.glb", )" << keys << "}";
}

// Pixels close to a pure colour (BGR) and their centroid.
struct Blob {
  int count = 0;
  cv::Point2f centroid;
};
Blob blobOf(const cv::Mat& bgr, cv::Vec3b colour, int tolerance = 40) {
  Blob b;
  double sx = 0, sy = 0;
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b c = bgr.at<cv::Vec3b>(y, x);
      if (std::abs(c[0] - colour[0]) <= tolerance && std::abs(c[1] - colour[1]) <= tolerance &&
          std::abs(c[2] - colour[2]) <= tolerance) {
        ++b.count;
        sx += x;
        sy += y;
      }
    }
  }
  if (b.count > 0)
    b.centroid = cv::Point2f(static_cast<float>(sx / b.count), static_cast<float>(sy / b.count));
  return b;
}

struct Marker {
  cv::Point3f centre;  // canonical
  cv::Vec4f rgba;
  cv::Vec3b bgr;
  const char* name;
};
const Marker kMarkers[] = {
    {{-1.0f, -0.3f, 0.3f}, {1, 0, 0, 1}, {0, 0, 255}, "red"},
    {{1.0f, -0.3f, 0.3f}, {0, 1, 0, 1}, {0, 255, 0}, "green"},
    {{0.0f, 1.0f, 0.6f}, {0, 0, 1, 1}, {255, 0, 0}, "blue"},
    {{0.0f, -1.4f, 0.2f}, {1, 1, 0, 1}, {0, 255, 255}, "yellow"},
};
constexpr float kMarkerHalf = 0.1f;

ModelAsset markerModel() {
  ModelAsset a;
  for (const Marker& m : kMarkers)
    a.primitives.push_back(test::canonicalCube(m.centre, kMarkerHalf, m.rgba, m.name));
  return a;
}

cv::Mat black() {
  return cv::Mat(kH, kW, CV_8UC3, cv::Scalar(0, 0, 0));
}

}  // namespace

TEST_F(GlTest, ModelMatricesAgreeWithProjectWithPose) {
  const HeadPose pose = poseAt(25, -10, 15, {0.3, -0.2, 9});
  ModelPlacement place;
  place.scale = 1.3f;
  place.offset = {0.1f, -0.4f, 0.2f};
  place.rotationDeg = {5, 30, -10};
  const ModelMatrices m = modelMatrices(pose, place, {kW, kH});
  const cv::Vec3f gltf(0.4f, 0.7f, -0.2f);  // a point in the .glb's frame (y up)
  // Where the placement puts it on the canonical head, by the rule in filter_description.hpp.
  const double k = CV_PI / 180;
  const cv::Matx33d rx(1, 0, 0, 0, std::cos(5 * k), -std::sin(5 * k), 0, std::sin(5 * k), std::cos(5 * k));
  const cv::Matx33d ry(std::cos(30 * k), 0, std::sin(30 * k), 0, 1, 0, -std::sin(30 * k), 0,
                       std::cos(30 * k));
  const cv::Matx33d rz(std::cos(-10 * k), -std::sin(-10 * k), 0, std::sin(-10 * k), std::cos(-10 * k), 0, 0,
                       0, 1);
  const cv::Vec3d canonical =
      rz * ry * rx * (1.3 * cv::Vec3d(gltf[0], -gltf[1], gltf[2])) + cv::Vec3d(0.1, -0.4, 0.2);
  const cv::Point2f expected =
      project(pose, cv::Point3f(static_cast<float>(canonical[0]), static_cast<float>(canonical[1]),
                                static_cast<float>(canonical[2])));
  const cv::Vec4d clip = m.projection * m.modelToCamera * cv::Vec4d(gltf[0], gltf[1], gltf[2], 1);
  // NDC -> OpenCV pixels (centres at whole numbers, rows down).
  const double u = (clip[0] / clip[3] + 1) / 2 * kW - 0.5, v = (1 - clip[1] / clip[3]) / 2 * kH - 0.5;
  EXPECT_NEAR(u, expected.x, 1e-3);
  EXPECT_NEAR(v, expected.y, 1e-3);
  EXPECT_GT(clip[2] / clip[3], -1.0);
  EXPECT_LT(clip[2] / clip[3], 1.0);
}

TEST_F(GlTest, ModelFollowsYawPitchAndRoll) {
  const auto root = test::freshTempDir("gl-model-markers");
  writeModelFilter(root / "markers", markerModel(),
                   R"("scale": 1, "offset": [0, 0, 0], "occluded": false, "lit": false)");
  // The same markers placed: scaled, turned and moved on the head.
  writeModelFilter(
      root / "placed", markerModel(),
      R"("scale": 0.8, "offset": [0.1, 0.2, 0.1], "rotation": [0, 0, 20], "occluded": false, "lit": false)");
  FilterLibrary lib({root});
  lib.poll();
  ASSERT_NE(lib.find("markers"), nullptr);
  ASSERT_NE(lib.find("placed"), nullptr);
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(black()));
  struct PoseCase {
    double yaw, pitch, roll;
  };
  const PoseCase poses[] = {{0, 0, 0},   {30, 0, 0}, {-30, 0, 0}, {0, 20, 0},
                            {0, -20, 0}, {0, 0, 25}, {0, 0, -25}, {25, 15, -10}};
  for (const char* filter : {"markers", "placed"}) {
    const bool placed = std::string(filter) == "placed";
    for (const PoseCase& pc : poses) {
      const HeadPose pose = poseAt(pc.yaw, pc.pitch, pc.roll);
      const FrameResult r = resultWithPose(pose);
      FilterAssignment a;
      a.all = {filter};
      const SceneStats st = scene.render(&r, ViewSettings{}, a, lib);
      EXPECT_EQ(st.modelsDrawn, 1);
      const cv::Mat out = readTarget(scene.target());
      char name[96];
      std::snprintf(name, sizeof name, "model-%s-yaw%+.0f-pitch%+.0f-roll%+.0f", filter, pc.yaw, pc.pitch,
                    pc.roll);
      save(name, out);
      for (const Marker& m : kMarkers) {
        cv::Point3f at = m.centre;
        if (placed) {
          const double c = std::cos(20 * CV_PI / 180), s = std::sin(20 * CV_PI / 180);
          const cv::Point3f sc = at * 0.8f;
          at = cv::Point3f(static_cast<float>(c * sc.x - s * sc.y), static_cast<float>(s * sc.x + c * sc.y),
                           sc.z) +
               cv::Point3f(0.1f, 0.2f, 0.1f);
        }
        const cv::Point2f expected = project(pose, at);
        const Blob b = blobOf(out, m.bgr);
        ASSERT_GT(b.count, 20) << name << " " << m.name << " marker not drawn";
        EXPECT_LT(cv::norm(b.centroid - expected), 2.0)
            << name << " " << m.name << ": drawn at " << b.centroid << ", the pose puts it at " << expected;
      }
    }
  }
  std::filesystem::remove_all(root);
}

TEST_F(GlTest, OccluderHidesTheFarTempleAt40DegreesYaw) {
  const auto root = test::freshTempDir("gl-model-glasses");
  // Glasses reduced to what the test needs: two temples along the sides of the head, from the hinges at the
  // lenses' outer edges, in front of the face, back to the ears; the left one red, the right one green.
  ModelAsset glasses;
  glasses.primitives.push_back(
      test::canonicalBox({-1.35f, -0.06f, -1.9f}, {-1.25f, 0.06f, 0.1f}, {1, 0, 0, 1}, "left"));
  glasses.primitives.push_back(
      test::canonicalBox({1.25f, -0.06f, -1.9f}, {1.35f, 0.06f, 0.1f}, {0, 1, 0, 1}, "right"));
  writeModelFilter(root / "occluded", glasses,
                   R"("scale": 1, "offset": [0, 0, 0], "occluded": true, "lit": false)");
  writeModelFilter(root / "free", glasses,
                   R"("scale": 1, "offset": [0, 0, 0], "occluded": false, "lit": false)");
  FilterLibrary lib({root});
  lib.poll();
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(black()));
  for (double yaw : {40.0, -40.0}) {
    // Seen a little from above, as a webcam on a screen sees a face: the temples do not line up with the eye
    // line's row.
    const HeadPose pose = poseAt(yaw, -10, 0);
    const FrameResult r = resultWithPose(pose);
    // Which temple is the far one at this yaw: the deeper of the two temples' middles.
    const bool leftFar = depthOf(pose, {-1.45f, 0, -0.8f}) > depthOf(pose, {1.45f, 0, -0.8f});
    const cv::Vec3b red(0, 0, 255), green(0, 255, 0);
    const cv::Vec3b farColour = leftFar ? red : green, nearColour = leftFar ? green : red;
    // The far temple's back end, behind the ear: the head is between it and the camera.
    const cv::Point farEnd(project(pose, {leftFar ? -1.3f : 1.3f, 0, -1.6f}));
    Blob far[2], near[2];
    bool farEndShown[2] = {false, false};
    int k = 0;
    for (const char* filter : {"free", "occluded"}) {
      FilterAssignment a;
      a.all = {filter};
      const SceneStats st = scene.render(&r, ViewSettings{}, a, lib);
      ASSERT_EQ(st.modelsDrawn, 1);
      const cv::Mat out = readTarget(scene.target());
      save(std::string("model-glasses-") + filter + (yaw > 0 ? "-yaw+40" : "-yaw-40"), out);
      far[k] = blobOf(out, farColour);
      near[k] = blobOf(out, nearColour);
      cv::Mat around = out(cv::Rect(farEnd - cv::Point(2, 2), cv::Size(5, 5)));
      farEndShown[k] = blobOf(around, farColour).count > 0;
      ++k;
    }
    // Without the occluder both temples show whole; with it the far one is hidden from where it passes
    // the side of the head to its end (only the stretch by the lens's edge, in front of the face, stays),
    // and the near one is drawn as before.
    EXPECT_GT(far[0].count, 300) << "yaw " << yaw << ": the far temple must show without occlusion";
    EXPECT_GT(near[0].count, 300) << "yaw " << yaw;
    EXPECT_TRUE(farEndShown[0]) << "yaw " << yaw;
    EXPECT_FALSE(farEndShown[1]) << "yaw " << yaw << ": the far temple's end must be behind the head";
    EXPECT_LT(far[1].count, far[0].count / 2)
        << "yaw " << yaw << ": far temple with occlusion " << far[1].count << " px, without " << far[0].count;
    EXPECT_GE(near[1].count, near[0].count * 9 / 10) << "yaw " << yaw << ": near temple with occlusion "
                                                     << near[1].count << " px, without " << near[0].count;
    std::printf("yaw %+.0f: far temple %d px without occlusion, %d with; near %d, %d\n", yaw, far[0].count,
                far[1].count, near[0].count, near[1].count);
  }
  std::filesystem::remove_all(root);
}

TEST_F(GlTest, DarkerFaceGivesDarkerModel) {
  const auto root = test::freshTempDir("gl-model-light");
  ModelAsset block;
  block.primitives.push_back(test::canonicalCube({0, 0.5f, 0.8f}, 0.35f, {0.6f, 0.6f, 0.6f, 1}, "block"));
  writeModelFilter(root / "block", block,
                   R"("scale": 1, "offset": [0, 0, 0], "occluded": true, "lit": true)");
  FilterLibrary lib({root});
  lib.poll();
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(black()));
  FilterAssignment a;
  a.all = {"block"};
  const HeadPose pose = poseAt(0, 0, 0);
  auto meanOf = [&](float level, const char* name) {
    const FrameResult r = resultWithPose(pose, FaceLight{true, level, 0, 0});
    scene.render(&r, ViewSettings{}, a, lib);
    const cv::Mat out = readTarget(scene.target());
    save(std::string("model-light-") + name, out);
    cv::Mat gray;
    cv::cvtColor(out, gray, cv::COLOR_BGR2GRAY);
    const cv::Rect box(cv::Point(project(pose, {-0.3f, 0.2f, 1.15f})),
                       cv::Point(project(pose, {0.3f, 0.8f, 1.15f})));
    return cv::mean(gray(box))[0];
  };
  const double normal = meanOf(0.5f, "normal"), dark = meanOf(0.2f, "dark"), bright = meanOf(0.75f, "bright");
  // The model's shade scales with the face's level (0.2 / 0.5 = 0.4, 0.75 / 0.5 = 1.5).
  EXPECT_GT(normal, 100);
  EXPECT_NEAR(dark / normal, 0.4, 0.05) << "dark " << dark << " normal " << normal;
  EXPECT_NEAR(bright / normal, 1.5, 0.08) << "bright " << bright << " normal " << normal;
  // No estimate (an invalid light): the model's own colour, as at the typical level.
  const FrameResult unknown = resultWithPose(pose, FaceLight{});
  scene.render(&unknown, ViewSettings{}, a, lib);
  cv::Mat gray;
  cv::cvtColor(readTarget(scene.target()), gray, cv::COLOR_BGR2GRAY);
  const cv::Rect box(cv::Point(project(pose, {-0.3f, 0.2f, 1.15f})),
                     cv::Point(project(pose, {0.3f, 0.8f, 1.15f})));
  EXPECT_NEAR(cv::mean(gray(box))[0], normal, 3.0);
  std::filesystem::remove_all(root);
}

TEST_F(GlTest, SideLightBrightensTheSideFacingIt) {
  const auto root = test::freshTempDir("gl-model-sidelight");
  ModelAsset block;
  block.primitives.push_back(test::canonicalCube({0, 0, 0}, 0.35f, {0.6f, 0.6f, 0.6f, 1}, "block"));
  // Turned 45 degrees about the vertical: one side faces the image's right, the other its left.
  writeModelFilter(
      root / "block", block,
      R"("scale": 1, "offset": [0, 0.5, 0.8], "rotation": [0, 45, 0], "occluded": false, "lit": true)");
  FilterLibrary lib({root});
  lib.poll();
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(black()));
  FilterAssignment a;
  a.all = {"block"};
  const HeadPose pose = poseAt(0, 0, 0);
  auto sides = [&](float leftRight) {
    const FrameResult r = resultWithPose(pose, FaceLight{true, 0.5f, leftRight, 0});
    scene.render(&r, ViewSettings{}, a, lib);
    cv::Mat gray, out = readTarget(scene.target());
    save("model-sidelight-" + std::to_string(static_cast<int>(leftRight * 10)), out);
    cv::cvtColor(out, gray, cv::COLOR_BGR2GRAY);
    const cv::Point2f c = project(pose, {0, 0.5f, 0.8f});
    const double left = gray.at<uchar>(cv::Point(c + cv::Point2f(-12, 0)));
    const double right = gray.at<uchar>(cv::Point(c + cv::Point2f(12, 0)));
    return std::make_pair(left, right);
  };
  const auto [l0, r0] = sides(0.0f);
  const auto [l1, r1] = sides(0.4f);
  const auto [l2, r2] = sides(-0.4f);
  EXPECT_NEAR(l0, r0, 4) << "balanced light: both sides alike";
  EXPECT_GT(r1, l1 + 20) << "light from the right";
  EXPECT_GT(l2, r2 + 20) << "light from the left";
  std::filesystem::remove_all(root);
}

TEST_F(GlTest, BrokenModelsAreSkippedOthersKeepWorking) {
  const auto root = test::freshTempDir("gl-model-broken");
  ModelAsset one;
  one.primitives.push_back(test::canonicalCube({0, 0.5f, 0.6f}, 0.2f, {0, 0, 1, 1}, "cube"));
  writeModelFilter(root / "good", one, R"("scale": 1, "offset": [0, 0, 0], "lit": false)");
  const std::string glb = writeGlb(one);
  auto broken = [&](const std::string& name, const std::string& bytes, const std::string& keys) {
    std::filesystem::create_directories(root / name);
    test::writeFile(root / name / "m.glb", bytes);
    std::ofstream(root / name / "filter.json") << R"({"type": "model", "model": "m.glb")" << keys << "}";
  };
  const std::string keys = R"(, "scale": 1, "offset": [0, 0, 0])";
  broken("truncated", glb.substr(0, glb.size() / 3), keys);
  broken("notgltf", "just text", keys);
  broken("notexture",
         test::triangleGlb(0, 1, 2, "", R"({"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}})",
                           R"("textures":[{"source":0}],"images":[{"uri":"gone.png"}])"),
         keys);
  broken("nokeys", glb, "");
  std::filesystem::create_directories(root / "sprite");
  cv::imwrite((root / "sprite" / "a.png").string(), cv::Mat(8, 20, CV_8UC4, cv::Scalar(255, 255, 255, 255)));
  std::ofstream(root / "sprite" / "filter.json")
      << R"({"art": "a.png", "anchors": [{"art": [0, 4], "keypoints": [36]}, {"art": [20, 4], "keypoints": [45]}]})";
  FilterLibrary lib({root});
  lib.poll();
  for (const std::string name : {"truncated", "notgltf", "notexture", "nokeys"}) {
    EXPECT_EQ(lib.find(name), nullptr) << name;
    bool reported = false;
    for (const FilterEntry& e : lib.entries()) {
      if (e.name == name) {
        reported =
            !e.error.empty() && e.error.find((root / name / "filter.json").string()) != std::string::npos;
        std::printf("%s: %s\n", name.c_str(), e.error.c_str());
      }
    }
    EXPECT_TRUE(reported) << name;
  }
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(black()));
  const FrameResult r = resultWithPose(poseAt(10, 5, 0));
  FilterAssignment a;
  a.all = {"truncated", "good", "notgltf", "sprite", "notexture", "nokeys"};
  const SceneStats st = scene.render(&r, ViewSettings{}, a, lib);
  EXPECT_EQ(st.modelsDrawn, 1);
  EXPECT_EQ(st.spritesDrawn, 1);
  const cv::Mat out = readTarget(scene.target());
  save("model-broken-skipped", out);
  EXPECT_GT(blobOf(out, {255, 0, 0}).count, 100) << "the good model is drawn";
  // A face without a pose (the solve failed) gets no model, and nothing breaks.
  const FrameResult noPose = resultWithPose(std::nullopt);
  EXPECT_EQ(scene.render(&noPose, ViewSettings{}, a, lib).modelsDrawn, 0);
  std::filesystem::remove_all(root);
}

TEST_F(GlTest, OccluderDebugViewShowsTheInvisibleHead) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({});
  scene.setFrame(makeFrame(black()));
  const HeadPose pose = poseAt(20, 0, 0);
  const FrameResult r = resultWithPose(pose);
  ViewSettings v;
  scene.render(&r, v, FilterAssignment{}, lib);
  const cv::Point centre(project(pose, {0, 0.3f, -0.2f}));
  EXPECT_EQ(readTarget(scene.target()).at<cv::Vec3b>(centre), cv::Vec3b(0, 0, 0)) << "invisible by default";
  v.debug.occluder = true;
  scene.render(&r, v, FilterAssignment{}, lib);
  const cv::Mat out = readTarget(scene.target());
  save("model-occluder-debug", out);
  const cv::Vec3b c = out.at<cv::Vec3b>(centre);
  EXPECT_GT(c[0], 50) << "translucent cyan over the head";
  EXPECT_GT(c[1], 50);
  EXPECT_EQ(out.at<cv::Vec3b>(2, 2), cv::Vec3b(0, 0, 0)) << "nothing outside the head";
}

TEST_F(GlTest, OurOwn3dFiltersSitOnATurnedHead) {
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  std::vector<std::string> models;
  for (const FilterEntry& e : lib.entries()) {
    EXPECT_TRUE(e.error.empty()) << e.name << ": " << e.error;
    if (e.filter && e.filter->description.kind == FilterKind::kModel) models.push_back(e.name);
  }
  ASSERT_FALSE(models.empty()) << "assets/filters holds no 3D model filter";
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(cv::Mat(kH, kW, CV_8UC3, cv::Scalar(110, 120, 130))));
  for (double yaw : {0.0, 35.0}) {
    const HeadPose pose = poseAt(yaw, -8, 0, {0, 0.6, 9});
    const FrameResult r = resultWithPose(pose);
    for (const std::string& name : models) {
      FilterAssignment a;
      a.all = {name};
      const SceneStats st = scene.render(&r, ViewSettings{}, a, lib);
      EXPECT_EQ(st.modelsDrawn, 1) << name;
      const cv::Mat out = readTarget(scene.target());
      save("model-ours-" + name + (yaw == 0 ? "-front" : "-yaw35"), out);
      cv::Mat diff;
      cv::absdiff(out, cv::Scalar(110, 120, 130), diff);
      cv::Mat gray;
      cv::cvtColor(diff, gray, cv::COLOR_BGR2GRAY);
      EXPECT_GT(cv::countNonZero(gray > 20), 500) << name << ": the model covers part of the picture";
    }
  }
}

TEST_F(GlTest, TextureAlphaMaskCutsAndBlendShowsThrough) {
  const auto root = test::freshTempDir("gl-model-alpha");
  // A quad facing the camera below the nose (canonical x -0.6..0.6, y 0.9..1.5, z 0.8), textured with four
  // texels: the left two opaque red, the right two transparent (sampled at their pairs' middles, so that
  // neither filtering nor glTF's repeat mixes the halves there).
  auto quad = [](AlphaMode mode) {
    ModelAsset a;
    ModelPrimitive p;
    p.name = "quad";
    const float xs[2] = {-0.6f, 0.6f}, ys[2] = {0.9f, 1.5f};
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 2; ++i) {
        ModelVertex v;
        v.position[0] = xs[i];
        v.position[1] = -ys[j];  // glTF y up
        v.position[2] = 0.8f;
        v.uv[0] = static_cast<float>(i);
        v.uv[1] = static_cast<float>(j);
        p.vertices.push_back(v);
      }
    }
    p.indices = {0, 2, 1, 1, 2, 3};  // counter-clockwise from the front (+z)
    p.texture = 0;
    p.alphaMode = mode;
    a.primitives.push_back(p);
    cv::Mat t(1, 4, CV_8UC4, cv::Scalar(255, 0, 0, 0));
    t.at<cv::Vec4b>(0, 0) = t.at<cv::Vec4b>(0, 1) = cv::Vec4b(255, 0, 0, 255);
    a.textures.push_back(t);
    return a;
  };
  writeModelFilter(root / "mask", quad(AlphaMode::kMask), R"("scale": 1, "offset": [0, 0, 0], "lit": false)");
  writeModelFilter(root / "blend", quad(AlphaMode::kBlend),
                   R"("scale": 1, "offset": [0, 0, 0], "lit": false)");
  FilterLibrary lib({root});
  lib.poll();
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(cv::Mat(kH, kW, CV_8UC3, cv::Scalar(0, 200, 0))));
  const HeadPose pose = poseAt(0, 0, 0);
  const FrameResult r = resultWithPose(pose);
  const cv::Point left(project(pose, {-0.3f, 1.2f, 0.8f})), right(project(pose, {0.3f, 1.2f, 0.8f}));
  for (const char* filter : {"mask", "blend"}) {
    FilterAssignment a;
    a.all = {filter};
    ASSERT_EQ(scene.render(&r, ViewSettings{}, a, lib).modelsDrawn, 1) << filter;
    const cv::Mat out = readTarget(scene.target());
    save(std::string("model-alpha-") + filter, out);
    EXPECT_GT(out.at<cv::Vec3b>(left)[2], 200) << filter << ": the opaque texel is drawn (red)";
    EXPECT_LT(out.at<cv::Vec3b>(left)[1], 60) << filter;
    EXPECT_EQ(out.at<cv::Vec3b>(right), cv::Vec3b(0, 200, 0))
        << filter << ": the transparent texel shows the video";
  }
  std::filesystem::remove_all(root);
}
