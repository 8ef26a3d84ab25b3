// The virtual camera's conversion: BGRA (bottom row first) to YUYV and YU12, BT.601 limited range.
// Exact against the integer formula per pixel, within a level of the real-valued BT.601 definition, and
// back through OpenCV's own decoders (what a consumer does) within 2 levels; the letterbox's geometry and
// its black borders; the rows' order.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "vcam/frame_convert.hpp"

using namespace facefilter;

namespace {

// The reference, written out again here rather than taken from the header: BT.601 8-bit limited range.
int refY(int r, int g, int b) {
  return ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
}
int refU(int r, int g, int b, int n) {  // channel sums of n pixels, n = 1, 2, 4
  const int shift = n == 4 ? 2 : n - 1;
  return ((-38 * r - 74 * g + 112 * b + (128 << shift)) >> (8 + shift)) + 128;
}
int refV(int r, int g, int b, int n) {
  const int shift = n == 4 ? 2 : n - 1;
  return ((112 * r - 94 * g - 18 * b + (128 << shift)) >> (8 + shift)) + 128;
}
// The real-valued definition (Rec. 601, 219 and 224 levels).
double exactY(double r, double g, double b) {
  return 16 + 219 * (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}
double exactU(double r, double g, double b) {
  return 128 + 224 * (-0.168736 * r - 0.331264 * g + 0.5 * b) / 255;
}
double exactV(double r, double g, double b) {
  return 128 + 224 * (0.5 * r - 0.418688 * g - 0.081312 * b) / 255;
}

cv::Mat randomBgra(int w, int h, uint64_t seed) {
  cv::Mat m(h, w, CV_8UC4);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

// Top-down BGR of a bottom-up BGRA picture: what a consumer should see.
cv::Mat asShown(const cv::Mat& bgraBottomUp) {
  cv::Mat flipped, bgr;
  cv::flip(bgraBottomUp, flipped, 0);
  cv::cvtColor(flipped, bgr, cv::COLOR_BGRA2BGR);
  return bgr;
}

}  // namespace

TEST(VcamConvert, YuyvIsExactPerPixel) {
  const cv::Mat src = randomBgra(64, 36, 1);
  std::vector<uint8_t> out;
  FrameConverter c;
  c.convert(src, {VcamPixelFormat::kYuyv, 64, 36}, out);
  ASSERT_EQ(out.size(), 64u * 36u * 2u);
  int worstY = 0, worstC = 0;
  for (int y = 0; y < 36; ++y) {
    const cv::Vec4b* row = src.ptr<cv::Vec4b>(35 - y);  // bottom row first
    for (int x = 0; x < 64; x += 2) {
      const cv::Vec4b p0 = row[x], p1 = row[x + 1];
      const uint8_t* o = &out[static_cast<size_t>(y) * 128 + static_cast<size_t>(x) * 2];
      ASSERT_EQ(o[0], refY(p0[2], p0[1], p0[0])) << x << "," << y;
      ASSERT_EQ(o[2], refY(p1[2], p1[1], p1[0])) << x << "," << y;
      const int r = p0[2] + p1[2], g = p0[1] + p1[1], b = p0[0] + p1[0];
      ASSERT_EQ(o[1], refU(r, g, b, 2)) << x << "," << y;
      ASSERT_EQ(o[3], refV(r, g, b, 2)) << x << "," << y;
      worstY = std::max(worstY, static_cast<int>(std::lround(std::abs(o[0] - exactY(p0[2], p0[1], p0[0])))));
      worstC =
          std::max(worstC, static_cast<int>(std::lround(std::abs(o[1] - exactU(r / 2.0, g / 2.0, b / 2.0)))));
      worstC =
          std::max(worstC, static_cast<int>(std::lround(std::abs(o[3] - exactV(r / 2.0, g / 2.0, b / 2.0)))));
    }
  }
  EXPECT_LE(worstY, 1);
  EXPECT_LE(worstC, 1);
}

TEST(VcamConvert, Yu12IsExactPerPixel) {
  const int w = 32, h = 18;
  const cv::Mat src = randomBgra(w, h, 2);
  std::vector<uint8_t> out;
  FrameConverter c;
  c.convert(src, {VcamPixelFormat::kYu12, w, h}, out);
  ASSERT_EQ(out.size(), static_cast<size_t>(w * h * 3 / 2));
  const uint8_t* yPlane = out.data();
  const uint8_t* uPlane = yPlane + w * h;
  const uint8_t* vPlane = uPlane + (w / 2) * (h / 2);
  auto px = [&](int x, int y) { return src.at<cv::Vec4b>(h - 1 - y, x); };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) ASSERT_EQ(yPlane[y * w + x], refY(px(x, y)[2], px(x, y)[1], px(x, y)[0]));
  for (int y = 0; y < h; y += 2) {
    for (int x = 0; x < w; x += 2) {
      int r = 0, g = 0, b = 0;
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) {
          r += px(x + dx, y + dy)[2];
          g += px(x + dx, y + dy)[1];
          b += px(x + dx, y + dy)[0];
        }
      ASSERT_EQ(uPlane[(y / 2) * (w / 2) + x / 2], refU(r, g, b, 4));
      ASSERT_EQ(vPlane[(y / 2) * (w / 2) + x / 2], refV(r, g, b, 4));
    }
  }
}

TEST(VcamConvert, ExtremesStayInStudioRange) {
  std::vector<uint8_t> out;
  FrameConverter c;
  for (const cv::Scalar& colour : {cv::Scalar(0, 0, 0, 255), cv::Scalar(255, 255, 255, 255),
                                   cv::Scalar(255, 0, 0, 255), cv::Scalar(0, 0, 255, 255)}) {
    c.convert(cv::Mat(4, 4, CV_8UC4, colour), {VcamPixelFormat::kYuyv, 4, 4}, out);
    EXPECT_GE(out[0], 16);
    EXPECT_LE(out[0], 235);
    EXPECT_GE(out[1], 16);
    EXPECT_LE(out[1], 240);
    EXPECT_GE(out[3], 16);
    EXPECT_LE(out[3], 240);
  }
  c.convert(cv::Mat(4, 4, CV_8UC4, cv::Scalar(0, 0, 0, 255)), {VcamPixelFormat::kYuyv, 4, 4}, out);
  EXPECT_EQ(out[0], 16);
  EXPECT_EQ(out[1], 128);
  c.convert(cv::Mat(4, 4, CV_8UC4, cv::Scalar(255, 255, 255, 255)), {VcamPixelFormat::kYuyv, 4, 4}, out);
  EXPECT_EQ(out[0], 235);
  EXPECT_EQ(out[1], 128);
}

// What a consumer decodes: OpenCV's YUYV and I420 decoders are BT.601 limited range too. A picture of 2x2
// blocks loses nothing to chroma subsampling, so the round trip is within the decoders' own rounding.
TEST(VcamConvert, RoundTripsThroughOpenCvsDecoders) {
  const int w = 96, h = 64;
  cv::Mat blocks = randomBgra(w / 2, h / 2, 3), src;
  // Keep inside the colours both ends represent well (no clipping at the gamut's edge).
  // A plain loop, not Mat::forEach: forEach runs on OpenCV's TBB pool, whose joins ThreadSanitizer cannot
  // see.
  for (auto it = blocks.begin<cv::Vec4b>(); it != blocks.end<cv::Vec4b>(); ++it)
    for (int k = 0; k < 3; ++k) (*it)[k] = static_cast<uint8_t>(24 + (*it)[k] * 208 / 255);
  cv::resize(blocks, src, cv::Size(w, h), 0, 0, cv::INTER_NEAREST);
  const cv::Mat expected = asShown(src);
  FrameConverter c;
  std::vector<uint8_t> out;

  c.convert(src, {VcamPixelFormat::kYuyv, w, h}, out);
  cv::Mat decoded;
  cv::cvtColor(cv::Mat(h, w, CV_8UC2, out.data()), decoded, cv::COLOR_YUV2BGR_YUYV);
  cv::Mat diff;
  cv::absdiff(decoded, expected, diff);
  double worst = 0;
  cv::minMaxLoc(diff.reshape(1), nullptr, &worst);
  EXPECT_LE(worst, 2.0) << "YUYV";

  c.convert(src, {VcamPixelFormat::kYu12, w, h}, out);
  cv::cvtColor(cv::Mat(h * 3 / 2, w, CV_8UC1, out.data()), decoded, cv::COLOR_YUV2BGR_I420);
  cv::absdiff(decoded, expected, diff);
  cv::minMaxLoc(diff.reshape(1), nullptr, &worst);
  EXPECT_LE(worst, 2.0) << "I420";
}

TEST(VcamConvert, LetterboxGeometry) {
  // The demo clip (720x528) in 1280x720: pillarboxed, full height, centred on even columns.
  EXPECT_EQ(fitPicture(720, 528, 1280, 720), (PictureRect{148, 0, 982, 720}));
  // 16:9 into 4:3: letterboxed.
  EXPECT_EQ(fitPicture(1280, 720, 640, 480), (PictureRect{0, 60, 640, 360}));
  // Same aspect: the whole frame.
  EXPECT_EQ(fitPicture(640, 360, 1280, 720), (PictureRect{0, 0, 1280, 720}));
  EXPECT_EQ(fitPicture(0, 10, 1280, 720), PictureRect{});
}

TEST(VcamConvert, LetterboxBordersAreBlackAndThePictureIsScaledIntoItsRect) {
  // A 4:3 picture, white top half and blue bottom half as shown (so red-free), into 16:9.
  cv::Mat shown(480, 640, CV_8UC4, cv::Scalar(255, 255, 255, 255));
  shown(cv::Rect(0, 240, 640, 240)).setTo(cv::Scalar(255, 0, 0, 255));
  cv::Mat bottomUp;
  cv::flip(shown, bottomUp, 0);
  const VcamFrameFormat f{VcamPixelFormat::kYuyv, 1280, 720};
  std::vector<uint8_t> out;
  FrameConverter c;
  c.convert(bottomUp, f, out);
  const PictureRect r = fitPicture(640, 480, 1280, 720);
  ASSERT_EQ(r, (PictureRect{160, 0, 960, 720}));
  auto yAt = [&](int x, int y) { return out[static_cast<size_t>(y) * 2560 + static_cast<size_t>(x) * 2]; };
  for (int y : {0, 100, 719}) {
    EXPECT_EQ(yAt(0, y), 16);
    EXPECT_EQ(yAt(159, y), 16);
    EXPECT_EQ(yAt(1120, y), 16);
    EXPECT_EQ(yAt(1279, y), 16);
    EXPECT_EQ(out[static_cast<size_t>(y) * 2560 + 1], 128);  // Cb of the border
  }
  EXPECT_EQ(yAt(640, 10), 235) << "white at the top, as shown";
  EXPECT_EQ(yAt(640, 700), refY(0, 0, 255)) << "blue at the bottom";
}

TEST(VcamConvert, Yu12LetterboxBordersAreBlack) {
  const VcamFrameFormat f{VcamPixelFormat::kYu12, 64, 64};
  std::vector<uint8_t> out;
  FrameConverter c;
  c.convert(cv::Mat(36, 64, CV_8UC4, cv::Scalar(255, 255, 255, 255)), f, out);
  const PictureRect r = fitPicture(64, 36, 64, 64);
  ASSERT_EQ(r, (PictureRect{0, 14, 64, 36}));
  EXPECT_EQ(out[0], 16);
  EXPECT_EQ(out[13 * 64], 16);
  EXPECT_EQ(out[14 * 64], 235);
  EXPECT_EQ(out[49 * 64], 235);
  EXPECT_EQ(out[50 * 64], 16);
  EXPECT_EQ(out[64 * 64], 128);  // Cb, top border
}
