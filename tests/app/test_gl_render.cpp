// GL tests: a real (hidden) window under Xvfb + Mesa llvmpipe; render, read pixels back, compare.
// Screenshots go to $TMPDIR/facefilter-gl-*.png for a person to look at.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include <opencv2/calib3d.hpp>

#include "app/record/frame_readback.hpp"
#include "gl_fixture.hpp"

using namespace facefilter;

namespace {

using test::GlTest;

double luminance(const cv::Vec3b& c) {
  return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2];
}

}  // namespace

TEST_F(GlTest, ContextIsCoreProfile) {
  GLint major = 0, minor = 0, mask = 0;
  glGetIntegerv(GL_MAJOR_VERSION, &major);
  glGetIntegerv(GL_MINOR_VERSION, &minor);
  glGetIntegerv(GL_CONTEXT_PROFILE_MASK, &mask);
  EXPECT_GE(major * 10 + minor, 33);
  EXPECT_TRUE(mask & GL_CONTEXT_CORE_PROFILE_BIT);
}

TEST_F(GlTest, ShaderErrorNamesFileAndLine) {
  const std::string vs = "#version 330 core\nvoid main() { gl_Position = vec4(0.0); }\n";
  const std::string fs = "#version 330 core\nout vec4 c;\nvoid main() {\n  c = vec4(undefinedThing);\n}\n";
  auto p = gl::ShaderProgram::fromSources(vs, "shaders/ok.vert", fs, "shaders/broken.frag");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("shaders/broken.frag:4:"), std::string::npos) << p.error().message;
  EXPECT_EQ(gl::annotateShaderLog("0:12(5): error: foo\n", "a.frag"), "a.frag:12: error: foo\n");
  EXPECT_EQ(gl::annotateShaderLog("0(7) : error C1008: bar\n", "a.frag"), "a.frag:7: error C1008: bar\n");
}

TEST_F(GlTest, VideoFrameRoundTripsThroughTextureAndTarget) {
  SceneRenderer scene = makeScene();
  cv::Mat img(120, 160, CV_8UC3);
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y * 2 % 256, 200);
  cv::rectangle(img, {10, 10, 30, 20}, {0, 0, 255}, -1);  // a red block near the top-left
  FilterLibrary lib({});
  for (uint64_t id = 1; id <= 3; ++id) {  // several uploads cycle through both PBOs
    scene.setFrame(makeFrame(img.clone(), id));
    scene.render(nullptr, ViewSettings{}, FilterAssignment{}, lib);
  }
  const cv::Mat out = readTarget(scene.target());
  save("roundtrip", out);
  ASSERT_EQ(out.size(), img.size());
  EXPECT_LE(cv::norm(out, img, cv::NORM_INF), 1.0);  // exact apart from rounding; top row stays on top
}

TEST_F(GlTest, LetterboxKeepsAspect) {
  const Viewport v = letterbox(720, 528, 1600, 800);
  EXPECT_EQ(v.height, 800);
  EXPECT_NEAR(static_cast<double>(v.width) / v.height, 720.0 / 528.0, 0.01);
  EXPECT_EQ(v.x, (1600 - v.width) / 2);
  // Present into the window's framebuffer: bars left and right are the clear colour, the middle is video.
  SceneRenderer scene = makeScene();
  scene.setFrame(makeFrame(cv::Mat(528, 720, CV_8UC3, cv::Scalar(0, 255, 0))));
  FilterLibrary lib({});
  scene.render(nullptr, ViewSettings{}, FilterAssignment{}, lib);
  const FramebufferSize fb = window_->framebufferSize();
  scene.present(fb.width, fb.height);
  cv::Mat px(fb.height, fb.width, CV_8UC4);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, fb.width, fb.height, GL_BGRA, GL_UNSIGNED_BYTE, px.data);
  const Viewport w = letterbox(720, 528, fb.width, fb.height);
  const cv::Vec4b centre = px.at<cv::Vec4b>(fb.height / 2, fb.width / 2);
  EXPECT_GT(centre[1], 240);
  if (w.y > 2) {
    const cv::Vec4b bar = px.at<cv::Vec4b>(1, fb.width / 2);
    EXPECT_LT(bar[1], 60);
  }
}

TEST_F(GlTest, BuiltInFiltersLandOnTheFace) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  ASSERT_NE(lib.find("sunglasses"), nullptr);
  const int w = 640, h = 480;
  const Landmarks l = test::canonicalLandmarks(80, {320, 220});
  scene.setFrame(makeFrame(cv::Mat(h, w, CV_8UC3, cv::Scalar(128, 128, 128))));
  const FrameResult r = resultWithFace(l, w, h);
  FilterAssignment a;
  a.all = {"sunglasses", "moustache", "hat"};
  ViewSettings v;
  const SceneStats st = scene.render(&r, v, a, lib);
  EXPECT_EQ(st.spritesDrawn, 3);
  const cv::Mat out = readTarget(scene.target());
  save("filters", out);
  const cv::Point2f leftEye = (l[36] + l[39]) * 0.5f, rightEye = (l[42] + l[45]) * 0.5f;
  EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point(leftEye))), 70) << "left lens";
  EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point(rightEye))), 70) << "right lens";
  const cv::Point2f lip = (l[33] + l[51]) * 0.5f;
  EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point(lip))), 80) << "moustache";
  const cv::Vec3b crown = out.at<cv::Vec3b>(cv::Point(320, static_cast<int>(220 - 80 * 1.6)));
  EXPECT_GT(crown[2], crown[1] + 40) << "red hat crown above the brows";
  EXPECT_EQ(out.at<cv::Vec3b>(5, 5), cv::Vec3b(128, 128, 128)) << "background untouched";
}

TEST_F(GlTest, MaskAndDebugOverlays) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  const int w = 640, h = 480;
  const Landmarks l = test::canonicalLandmarks(90, {320, 200});
  scene.setFrame(makeFrame(cv::Mat(h, w, CV_8UC3, cv::Scalar(90, 90, 90))));
  FrameResult r = resultWithFace(l, w, h);
  r.detectorRan = true;
  r.detections.push_back(Detection{cv::Rect2f(200, 120, 240, 240), 3.0f});
  FilterAssignment a;
  a.all = {"tiger_mask"};
  ViewSettings v;
  v.debug.points = v.debug.indices = v.debug.boxes = v.debug.rawDetections = v.debug.crop = true;
  const SceneStats st = scene.render(&r, v, a, lib);
  EXPECT_EQ(st.masksDrawn, 1);
  const cv::Mat out = readTarget(scene.target());
  save("mask-debug", out);
  // Orange face paint on the cheek, between jaw point 3 and the nose.
  const cv::Point2f cheek = l[3] * 0.6f + l[31] * 0.4f;
  const cv::Vec3b c = out.at<cv::Vec3b>(cv::Point(cheek));
  EXPECT_GT(c[2], c[0] + 60) << "orange (R >> B) at the cheek";
  // The eye holes let the video through.
  const cv::Point2f eye = (l[36] + l[39]) * 0.5f;
  const cv::Vec3b e = out.at<cv::Vec3b>(cv::Point(eye));
  EXPECT_NEAR(e[0], 90, 25);
  // A green debug point at keypoint 8 (chin).
  const cv::Vec3b chin = out.at<cv::Vec3b>(cv::Point(l[8]));
  EXPECT_GT(chin[1], 150);
}

TEST_F(GlTest, FadesWithTrackConfidence) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  const Landmarks l = test::canonicalLandmarks(80, {320, 220});
  scene.setFrame(makeFrame(cv::Mat(480, 640, CV_8UC3, cv::Scalar(200, 200, 200))));
  FrameResult r = resultWithFace(l, 640, 480);
  FilterAssignment a;
  a.all = {"sunglasses"};
  const cv::Point eye((l[36] + l[39]) * 0.5f);
  r.faces[0].confidence = 1.0f;
  scene.render(&r, ViewSettings{}, a, lib);
  const double full = luminance(readTarget(scene.target()).at<cv::Vec3b>(eye));
  r.faces[0].confidence = 0.45f;
  scene.render(&r, ViewSettings{}, a, lib);
  const double half = luminance(readTarget(scene.target()).at<cv::Vec3b>(eye));
  r.faces[0].confidence = 0.1f;
  scene.render(&r, ViewSettings{}, a, lib);
  const double none = luminance(readTarget(scene.target()).at<cv::Vec3b>(eye));
  EXPECT_LT(full, half - 30);
  EXPECT_LT(half, none - 30);
  EXPECT_NEAR(none, 200, 2);
}

TEST_F(GlTest, PboReadbackMatchesDirectRead) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({});
  FrameReadback rb;
  std::vector<cv::Mat> direct;
  std::vector<ReadbackFrame> got;
  for (int i = 0; i < 4; ++i) {
    scene.setFrame(makeFrame(cv::Mat(60, 80, CV_8UC3, cv::Scalar(i * 40, 0, 255 - i * 40)),
                             static_cast<uint64_t>(i + 1)));
    scene.render(nullptr, ViewSettings{}, FilterAssignment{}, lib);
    direct.push_back(readTarget(scene.target()));
    if (auto f = rb.push(scene.target(), static_cast<uint64_t>(i))) got.push_back(std::move(*f));
  }
  if (auto f = rb.flush()) got.push_back(std::move(*f));
  ASSERT_EQ(got.size(), 4u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].tag, i);
    cv::Mat flipped, bgr;
    cv::flip(got[i].bgra, flipped, 0);
    cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
    EXPECT_EQ(cv::norm(bgr, direct[i], cv::NORM_INF), 0.0) << i;
  }
}

TEST_F(GlTest, SpritesFollowHeadYaw) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  // The generic face turned 35 degrees, projected by a pinhole camera.
  std::vector<cv::Point3f> model;
  for (const auto& c : kCanonicalFace68) model.emplace_back(c.x, c.y, -c.z);
  const cv::Matx33d K(640, 0, 320, 0, 640, 240, 0, 0, 1);
  std::vector<cv::Point2f> px;
  cv::projectPoints(model, cv::Vec3d(0, 35 * CV_PI / 180, 0), cv::Vec3d(0, -0.3, 7), K, cv::noArray(), px);
  Landmarks l{};
  for (size_t i = 0; i < l.size(); ++i) l[i] = px[i];
  scene.setFrame(makeFrame(cv::Mat(480, 640, CV_8UC3, cv::Scalar(170, 170, 170))));
  const FrameResult r = resultWithFace(l, 640, 480);
  FilterAssignment a;
  a.all = {"sunglasses", "hat", "moustache"};
  ViewSettings v;
  v.debug.points = true;
  v.debug.headPoseAxes = true;
  scene.render(&r, v, a, lib);
  const cv::Mat out = readTarget(scene.target());
  save("yaw35", out);
  // Both lenses still cover their eyes.
  EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point((l[36] + l[39]) * 0.5f))), 90);
  EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point((l[42] + l[45]) * 0.5f))), 90);
}

// A face rolled 60 and 180 degrees (upside down): the sprites and the mask turn with it, and the debug views
// draw the crop turned with the face and its presence score.
TEST_F(GlTest, FiltersAndDebugViewsFollowARolledFace) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  const cv::Point2f centre(320, 240);
  for (double deg : {60.0, 180.0}) {
    SCOPED_TRACE(deg);
    const double a = deg * CV_PI / 180;
    Landmarks l = test::canonicalLandmarks(80, centre);
    for (auto& p : l) {
      const cv::Point2f d = p - centre;
      p = centre + cv::Point2f(static_cast<float>(std::cos(a) * d.x - std::sin(a) * d.y),
                               static_cast<float>(std::sin(a) * d.x + std::cos(a) * d.y));
    }
    scene.setFrame(makeFrame(cv::Mat(480, 640, CV_8UC3, cv::Scalar(128, 128, 128))));
    FrameResult r = resultWithFace(l, 640, 480);
    r.faces[0].roll = static_cast<float>(a);
    r.faces[0].presence = 0.97f;
    FilterAssignment glasses;
    glasses.all = {"sunglasses", "hat"};
    scene.render(&r, ViewSettings{}, glasses, lib);
    cv::Mat out = readTarget(scene.target());
    save(deg > 90 ? "roll180-filters" : "roll60-filters", out);
    EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point((l[36] + l[39]) * 0.5f))), 70) << "left lens";
    EXPECT_LT(luminance(out.at<cv::Vec3b>(cv::Point((l[42] + l[45]) * 0.5f))), 70) << "right lens";
    // The hat's crown lies above the brows in the face's own "up", wherever that points on screen.
    const cv::Point2f up(static_cast<float>(std::sin(a)), static_cast<float>(-std::cos(a)));
    const cv::Vec3b crown = out.at<cv::Vec3b>(cv::Point(centre + up * (80 * 1.6f)));
    EXPECT_GT(crown[2], crown[1] + 40) << "red crown above the brows";
    EXPECT_EQ(out.at<cv::Vec3b>(cv::Point(centre - up * 200.f)), cv::Vec3b(128, 128, 128))
        << "nothing under the chin";

    FilterAssignment mask;
    mask.all = {"tiger_mask"};
    scene.render(&r, ViewSettings{}, mask, lib);
    out = readTarget(scene.target());
    const cv::Vec3b cheek = out.at<cv::Vec3b>(cv::Point(l[3] * 0.6f + l[31] * 0.4f));
    EXPECT_GT(cheek[2], cheek[0] + 60) << "orange face paint on the cheek";

    // The crop view: the window turned with the face (cyan along its turned top edge, not on the upright
    // one).
    CropWindow crop{200, 120, 240, static_cast<float>(a)};
    r.faces[0].crop = crop;
    r.faces[0].box = cv::Rect2f(220, 140, 200, 200);
    r.faces[0].boxAngle = static_cast<float>(a);
    ViewSettings v;
    v.debug.crop = v.debug.boxes = true;
    scene.render(&r, v, FilterAssignment{}, lib);
    out = readTarget(scene.target());
    save(deg > 90 ? "roll180-debug" : "roll60-debug", out);
    const auto k = crop.corners();
    const cv::Point2f edgeMid = (k[0] + k[1]) * 0.5f;
    const cv::Vec3b onEdge = out.at<cv::Vec3b>(cv::Point(edgeMid));
    EXPECT_GT(onEdge[0], 150) << "cyan (B, G high) on the turned crop's top edge";
    EXPECT_GT(onEdge[1], 150);
    if (deg < 90) {
      EXPECT_EQ(out.at<cv::Vec3b>(cv::Point(201, 121)), cv::Vec3b(128, 128, 128))
          << "not the upright square's corner";
    }
  }
}
