// GL tests of the "shade" mask blend (a hidden window under Xvfb + Mesa llvmpipe, pixels read back): the
// face's own shading shows through the paint, where "normal" covers it, and the paint's edge is feathered.
// Screenshots go to $TMPDIR/facefilter-gl-shade-*.png for a person to look at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "app/render/shade_mask_renderer.hpp"
#include "gl_fixture.hpp"

using namespace facefilter;

namespace {

using test::GlTest;

constexpr int kW = 640, kH = 480;
constexpr float kEyePx = 90;
const cv::Point2f kCentre(320, 200);

double luminance(const cv::Vec3b& c) {
  return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2];
}

// Mean luminance of a 7x7 patch: one pixel of the art's anti-aliasing does not decide a comparison.
double patchLuminance(const cv::Mat& bgr, cv::Point2f at) {
  const cv::Rect r(cv::Point(at) - cv::Point(3, 3), cv::Size(7, 7));
  const cv::Scalar m = cv::mean(bgr(r & cv::Rect(0, 0, bgr.cols, bgr.rows)));
  return 0.114 * m[0] + 0.587 * m[1] + 0.299 * m[2];
}

// A face lit from the image's right: the frame's left half (the face's left cheek included) is dark grey,
// the right half light grey.
cv::Mat sideLitFrame() {
  cv::Mat f(kH, kW, CV_8UC3, cv::Scalar(180, 180, 180));
  f(cv::Rect(0, 0, kW / 2, kH)).setTo(cv::Scalar(60, 60, 60));
  return f;
}

// Cheeks at the same place of the (left-right symmetric) paint: between jaw point 3 and the nose, and its
// mirror between 13 and the nose.
cv::Point2f leftCheek(const Landmarks& l) {
  return l[3] * 0.6f + l[31] * 0.4f;
}
cv::Point2f rightCheek(const Landmarks& l) {
  return l[13] * 0.6f + l[35] * 0.4f;
}

struct EdgeProfile {
  int partial = 0;  // pixels whose estimated alpha is clearly between 0 and 1
};

// Walks from the left cheek out across the jaw (the mesh's border) on the dark half, where the background
// is one grey: each pixel's alpha is estimated from its red channel between the background's and the
// paint's (measured at the cheek, past the feather).
EdgeProfile edgeProfile(const cv::Mat& out, const Landmarks& l) {
  const cv::Point2f from = leftCheek(l);
  const cv::Point2f to = from + (l[3] - from) * 1.4f;
  const double background = 60;
  const double paint = cv::mean(out(cv::Rect(cv::Point(from) - cv::Point(3, 3), cv::Size(7, 7))))[2];
  EdgeProfile p;
  const int steps = static_cast<int>(std::ceil(cv::norm(to - from)));
  for (int i = 0; i <= steps; ++i) {
    const cv::Point2f q = from + (to - from) * (static_cast<float>(i) / static_cast<float>(steps));
    const double alpha = (out.at<cv::Vec3b>(cv::Point(q))[2] - background) / (paint - background);
    if (alpha > 0.1 && alpha < 0.9) ++p.partial;
  }
  return p;
}

}  // namespace

TEST_F(GlTest, ShadeMaskKeepsTheFacesShadingWhereNormalCoversIt) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  ASSERT_NE(lib.find("tiger_mask"), nullptr);
  const GpuFilter* shaded = lib.find("tiger_mask_shaded");
  ASSERT_NE(shaded, nullptr);
  ASSERT_EQ(shaded->filter->description.blend, BlendMode::kShade);
  const Landmarks l = test::canonicalLandmarks(kEyePx, kCentre);
  const cv::Mat frame = sideLitFrame();
  scene.setFrame(makeFrame(frame.clone()));
  const FrameResult r = resultWithFace(l, kW, kH);
  const double frameRatio = patchLuminance(frame, leftCheek(l)) / patchLuminance(frame, rightCheek(l));

  auto render = [&](const char* filter) {
    FilterAssignment a;
    a.all = {filter};
    const SceneStats st = scene.render(&r, ViewSettings{}, a, lib);
    EXPECT_EQ(st.masksDrawn, 1) << filter;
    return readTarget(scene.target());
  };
  const cv::Mat normal = render("tiger_mask");
  const cv::Mat shade = render("tiger_mask_shaded");
  save("shade-normal", normal);
  save("shade-shade", shade);

  const double normalRatio = patchLuminance(normal, leftCheek(l)) / patchLuminance(normal, rightCheek(l));
  const double shadeRatio = patchLuminance(shade, leftCheek(l)) / patchLuminance(shade, rightCheek(l));
  // The frame's cheeks are 1 : 3. The normal paint (85 % opaque) evens them out to about 0.83; the shaded
  // one keeps the dark cheek dark (about 0.45: the bright cheek's paint is already near full red, and a
  // highlight brightens it only up to that at the same hue).
  EXPECT_NEAR(frameRatio, 1.0 / 3.0, 0.01);
  EXPECT_GT(normalRatio, 0.75) << "normal covers the shading";
  EXPECT_LT(shadeRatio, 0.6) << "shade keeps the shading (normal " << normalRatio << ")";
  // Still the paint's colour, not the grey frame: orange, red well above blue, on both cheeks.
  for (const cv::Point2f& c : {leftCheek(l), rightCheek(l)}) {
    const cv::Vec3b px = shade.at<cv::Vec3b>(cv::Point(c));
    EXPECT_GT(px[2], px[0] + 40) << "orange at " << c;
  }
  // The eye holes still let the frame through untouched.
  const cv::Point2f eye = (l[42] + l[45]) * 0.5f;
  EXPECT_NEAR(luminance(shade.at<cv::Vec3b>(cv::Point(eye))), 180, 12);
}

TEST_F(GlTest, ShadeMaskEdgeIsFeathered) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  ASSERT_NE(lib.find("tiger_mask_shaded"), nullptr);
  const Landmarks l = test::canonicalLandmarks(kEyePx, kCentre);
  scene.setFrame(makeFrame(sideLitFrame()));
  const FrameResult r = resultWithFace(l, kW, kH);
  auto profile = [&](const char* filter) {
    FilterAssignment a;
    a.all = {filter};
    scene.render(&r, ViewSettings{}, a, lib);
    const cv::Mat out = readTarget(scene.target());
    save(std::string("shade-edge-") + filter, out);
    return edgeProfile(out, l);
  };
  const EdgeProfile normal = profile("tiger_mask");
  const EdgeProfile shade = profile("tiger_mask_shaded");
  // The feather is kShadeFeatherEyeShare of the eye distance at the border, wider along a slanted walk;
  // the normal paint's edge is the art's anti-aliasing only.
  const int featherPx = static_cast<int>(kShadeFeatherEyeShare * kEyePx);
  EXPECT_LE(normal.partial, 3) << "normal: a hard edge";
  EXPECT_GE(shade.partial, featherPx / 3)
      << "shade: a soft edge over about the feather's width (normal " << normal.partial << ")";
}

TEST_F(GlTest, ShadeMaskFollowsTheEnginesLightLevel) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  ASSERT_NE(lib.find("tiger_mask_shaded"), nullptr);
  const Landmarks l = test::canonicalLandmarks(kEyePx, kCentre);
  scene.setFrame(makeFrame(sideLitFrame()));
  FrameResult r = resultWithFace(l, kW, kH);
  FilterAssignment a;
  a.all = {"tiger_mask_shaded"};
  // Without the engine's estimate, the renderer measures the face itself.
  ASSERT_FALSE(r.faces[0].light.valid);
  scene.render(&r, ViewSettings{}, a, lib);
  const double own = patchLuminance(readTarget(scene.target()), leftCheek(l));
  // The engine's (smoothed) level is what the shading is relative to: a brighter mean, a darker paint.
  r.faces[0].light.valid = true;
  r.faces[0].light.level = 2 * static_cast<float>(shadeFaceLevel(FaceLight{}, sideLitFrame(), l));
  scene.render(&r, ViewSettings{}, a, lib);
  const double engine = patchLuminance(readTarget(scene.target()), leftCheek(l));
  EXPECT_LT(engine, own * 0.7) << "own estimate " << own << ", engine's level doubled " << engine;
}
