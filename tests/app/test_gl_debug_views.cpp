// GL tests of the two debug views that change the picture: raw vs smoothed keypoints side by side (two
// zoomed panels) and the CNN crop inset (the warped crop the network was fed). Pixels read back.
#include <gtest/gtest.h>

#include "engine/keypoints/face_crop.hpp"
#include "gl_fixture.hpp"

using namespace facefilter;

namespace {

class GlDebugViews : public test::GlTest {};

// kRed (255, 70, 60) and kGreen (60, 230, 90) of the renderer, as BGR with some room for blending.
bool isRed(const cv::Vec3b& c) {
  return c[2] > 200 && c[1] < 120 && c[0] < 110;
}
bool isGreen(const cv::Vec3b& c) {
  return c[1] > 190 && c[2] < 120 && c[0] < 140;
}
bool isBlue(const cv::Vec3b& c) {
  return c[0] > 200 && c[1] < 80 && c[2] < 80;
}

struct Counts {
  int red = 0, green = 0;
};

Counts count(const cv::Mat& bgr, const cv::Rect& area) {
  Counts n;
  for (int y = area.y; y < area.y + area.height; ++y) {
    for (int x = area.x; x < area.x + area.width; ++x) {
      const cv::Vec3b c = bgr.at<cv::Vec3b>(y, x);
      n.red += isRed(c) ? 1 : 0;
      n.green += isGreen(c) ? 1 : 0;
    }
  }
  return n;
}

cv::Rect2f boundsOf(const Landmarks& a, const Landmarks& b) {
  // The exact extremes, as the renderer takes them (cv::boundingRect would round outwards).
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const Landmarks* set : {&a, &b}) {
    for (const auto& p : *set) {
      x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    }
  }
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace

TEST_F(GlDebugViews, RawAndSmoothedSideBySide) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({std::filesystem::path(FACEFILTER_TEST_SOURCE_DIR) / "assets" / "filters"});
  lib.poll();
  const int w = 640, h = 480;
  cv::Mat image(h, w, CV_8UC3, cv::Scalar(128, 128, 128));
  // A blue mark on the forehead: the zoomed video must show it in both panels at the same place.
  const cv::Point2f mark(320, 230 - 0.9f * 60);
  cv::rectangle(image, cv::Rect(static_cast<int>(mark.x) - 6, static_cast<int>(mark.y) - 6, 12, 12),
                {255, 0, 0}, -1);
  scene.setFrame(makeFrame(image));

  const Landmarks smoothed = test::canonicalLandmarks(60, {320, 230});
  Landmarks raw = smoothed;
  for (size_t i = 0; i < raw.size(); ++i) raw[i] += cv::Point2f(7.0f + static_cast<float>(i % 3), -5.0f);
  FrameResult r = resultWithFace(smoothed, w, h);
  r.faces[0].rawKeypoints = raw;
  FilterAssignment a;
  a.all = {"sunglasses"};
  ViewSettings v;
  v.debug.rawVsSmoothed = true;
  const SceneStats st = scene.render(&r, v, a, lib);
  EXPECT_EQ(st.spritesDrawn, 0) << "the side-by-side view replaces the filtered picture";
  const cv::Mat out = readTarget(scene.target());
  save("raw-vs-smoothed", out);

  // Raw-coloured points only on the left, smoothed-coloured only on the right.
  const Counts left = count(out, cv::Rect(0, 0, w / 2, h));
  const Counts right = count(out, cv::Rect(w / 2, 0, w / 2, h));
  EXPECT_GT(left.red, 68 * 4) << "68 raw points (and the label) on the left";
  EXPECT_EQ(left.green, 0);
  EXPECT_GT(right.green, 68 * 4) << "68 smoothed points (and the label) on the right";
  EXPECT_EQ(right.red, 0);

  // Each point where the layout puts it: a zoomed view of the face, the same region in both panels.
  const float aspect = static_cast<float>(w / 2) / static_cast<float>(h);
  const cv::Rect2f region = steadyZoomRegion(std::nullopt, boundsOf(raw, smoothed), aspect, cv::Size(w, h));
  EXPECT_LT(region.width, w * 0.8f) << "zoomed in on the face";
  const SideBySideLayout l = sideBySideLayout(w, h, region);
  EXPECT_GT(l.left.width / region.width, 1.0f) << "each panel magnifies its region";
  for (size_t i : {8u, 30u, 36u, 45u, 48u, 54u}) {
    const cv::Point pr(l.toLeft(raw[i]));
    const cv::Point ps(l.toRight(smoothed[i]));
    EXPECT_TRUE(isRed(out.at<cv::Vec3b>(pr))) << "raw point " << i << " at " << pr;
    EXPECT_TRUE(isGreen(out.at<cv::Vec3b>(ps))) << "smoothed point " << i << " at " << ps;
  }
  // The smoothed points are not where the raw ones are: the offset shows (7+ px in the frame, zoomed).
  const cv::Point rawInRight(l.toRight(raw[30]));
  EXPECT_FALSE(isGreen(out.at<cv::Vec3b>(rawInRight)));
  // The video is zoomed into both panels alike.
  ASSERT_TRUE(region.contains(mark));
  EXPECT_TRUE(isBlue(out.at<cv::Vec3b>(cv::Point(l.toLeft(mark)))));
  EXPECT_TRUE(isBlue(out.at<cv::Vec3b>(cv::Point(l.toRight(mark)))));

  // Turned off, the normal picture (with its filter) comes back.
  v.debug.rawVsSmoothed = false;
  EXPECT_EQ(scene.render(&r, v, a, lib).spritesDrawn, 1);
}

TEST_F(GlDebugViews, CropInsetShowsTheImageFedToTheCnn) {
  SceneRenderer scene = makeScene();
  FilterLibrary lib({});
  const int w = 640, h = 480;
  // The crop window holds four coloured quadrants; the rest of the frame is gray. An inset that showed the
  // frame, or the crop flipped, would have other colours in its corners.
  cv::Mat image(h, w, CV_8UC3, cv::Scalar(128, 128, 128));
  CropWindow crop;
  crop.x0 = 180;
  crop.y0 = 100;
  crop.side = 200;
  cv::rectangle(image, cv::Rect(180, 100, 100, 100), {0, 0, 255}, -1);    // top-left red
  cv::rectangle(image, cv::Rect(280, 100, 100, 100), {0, 255, 0}, -1);    // top-right green
  cv::rectangle(image, cv::Rect(180, 200, 100, 100), {255, 0, 0}, -1);    // bottom-left blue
  cv::rectangle(image, cv::Rect(280, 200, 100, 100), {0, 255, 255}, -1);  // bottom-right yellow
  cv::circle(image, {230, 150}, 20, {255, 255, 255}, -1);                 // detail that must survive the warp
  scene.setFrame(makeFrame(image, 1));
  FrameResult r = resultWithFace(test::canonicalLandmarks(50, {280, 180}), w, h);
  r.faces[0].crop = crop;
  ViewSettings v;
  v.debug.crop = true;

  auto checkInset = [&](const cv::Mat& frame, int size, int channels, const std::string& name) -> cv::Mat {
    scene.setCnnInput({size, channels});
    scene.render(&r, v, FilterAssignment{}, lib);
    const cv::Mat out = readTarget(scene.target());
    save(name, out);
    const cv::Rect inset = cropInsetRect(w, h, 0);
    EXPECT_GT(inset.area(), 0);
    if (inset.area() == 0) return out;
    cv::Mat expected = warpCrop(frame, crop, size);
    if (channels == 1) {
      cv::Mat gray;
      cv::cvtColor(expected, gray, cv::COLOR_BGR2GRAY);
      cv::cvtColor(gray, expected, cv::COLOR_GRAY2BGR);
    }
    // Every 3rd input pixel: the screen pixel holding its centre shows exactly that pixel.
    int checked = 0, wrong = 0;
    for (int j = 0; j < size; j += 3) {
      for (int i = 0; i < size; i += 3) {
        const int px = inset.x + static_cast<int>(std::floor((i + 0.5) * inset.width / size));
        const int py = inset.y + static_cast<int>(std::floor((j + 0.5) * inset.height / size));
        const cv::Vec3b got = out.at<cv::Vec3b>(py, px);
        const cv::Vec3b want = expected.at<cv::Vec3b>(j, i);
        ++checked;
        if (cv::norm(cv::Vec3i(got) - cv::Vec3i(want), cv::NORM_INF) > 2) ++wrong;
      }
    }
    EXPECT_EQ(wrong, 0) << name << ": " << wrong << " of " << checked << " inset pixels differ from the crop";
    return out;
  };

  const cv::Mat colour = checkInset(image, 96, 3, "crop-inset-rgb");
  const cv::Rect inset = cropInsetRect(w, h, 0);
  auto at = [&](const cv::Mat& m, float fx, float fy) {
    return m.at<cv::Vec3b>(inset.y + static_cast<int>(fy * inset.height),
                           inset.x + static_cast<int>(fx * inset.width));
  };
  EXPECT_EQ(at(colour, 0.25f, 0.1f), cv::Vec3b(0, 0, 255)) << "red top-left";
  EXPECT_EQ(at(colour, 0.75f, 0.25f), cv::Vec3b(0, 255, 0)) << "green top-right";
  EXPECT_EQ(at(colour, 0.25f, 0.75f), cv::Vec3b(255, 0, 0)) << "blue bottom-left";
  EXPECT_EQ(at(colour, 0.75f, 0.75f), cv::Vec3b(0, 255, 255)) << "yellow bottom-right";
  EXPECT_EQ(at(colour, 0.25f, 0.25f), cv::Vec3b(255, 255, 255)) << "the white dot";
  // Outside the inset the frame is as it was (the crop's own gray surroundings near the right edge).
  EXPECT_EQ(colour.at<cv::Vec3b>(h - 5, w - 5), cv::Vec3b(128, 128, 128));

  // A gray model sees gray; the inset follows.
  const cv::Mat gray = checkInset(image, 64, 1, "crop-inset-gray");
  const cv::Vec3b g = at(gray, 0.75f, 0.25f);
  EXPECT_EQ(g[0], g[1]);
  EXPECT_EQ(g[1], g[2]);

  // A new frame gives a new inset (the cache is keyed by frame and window).
  cv::Mat swapped = image.clone();
  cv::rectangle(swapped, cv::Rect(180, 100, 200, 200), {255, 0, 255}, -1);
  scene.setFrame(makeFrame(swapped, 2));
  const cv::Mat magenta = checkInset(swapped, 96, 3, "crop-inset-new-frame");
  EXPECT_EQ(at(magenta, 0.5f, 0.5f), cv::Vec3b(255, 0, 255));
}

TEST(ZoomRegion, HoldsStillForSmallMotionAndFollowsLargeMotion) {
  const cv::Size frame(640, 480);
  const float aspect = 320.0f / 480.0f;
  const cv::Rect2f face(280, 200, 80, 90);
  const cv::Rect2f first = steadyZoomRegion(std::nullopt, face, aspect, frame);
  EXPECT_NEAR(first.width / first.height, aspect, 1e-3);
  EXPECT_TRUE((first & face) == face) << "the face is inside";
  EXPECT_GE(first.x, 0);
  EXPECT_LE(first.x + first.width, 640.0f + 1e-3f);
  // Jitter of a few pixels: the region does not move.
  const cv::Rect2f jitter = steadyZoomRegion(first, face + cv::Point2f(3, -2), aspect, frame);
  EXPECT_EQ(jitter, first);
  // The face walks away: the region follows.
  const cv::Rect2f moved = steadyZoomRegion(first, face + cv::Point2f(200, 0), aspect, frame);
  EXPECT_NE(moved, first);
  EXPECT_TRUE((moved & (face + cv::Point2f(200, 0))) == face + cv::Point2f(200, 0));
  // The face comes much closer: the region grows.
  const cv::Rect2f big = steadyZoomRegion(first, cv::Rect2f(200, 100, 240, 270), aspect, frame);
  EXPECT_GT(big.area(), first.area() * 2);
  // A face bigger than the frame allows still gives a region inside the frame.
  const cv::Rect2f huge = zoomRegion(cv::Rect2f(-100, -100, 900, 700), aspect, frame);
  EXPECT_GE(huge.x, 0);
  EXPECT_GE(huge.y, 0);
  EXPECT_LE(huge.y + huge.height, 480.0f + 1e-3f);
}
