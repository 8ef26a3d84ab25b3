#include "vcam/frame_convert.hpp"

#include <linux/videodev2.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include <opencv2/imgproc.hpp>

namespace facefilter {
namespace {

constexpr uint8_t kBlackY = 16, kBlackC = 128;

// One row pair of 2 pixels at a time. Written as plain integer loops over contiguous rows: the compiler
// keeps them in registers, and the whole 1280x720 frame stays well inside the budget on one core.
void bgraRowToYuyv(const uint8_t* bgra, int width, uint8_t* out) {
  for (int x = 0; x < width; x += 2, bgra += 8, out += 4) {
    const int b0 = bgra[0], g0 = bgra[1], r0 = bgra[2];
    const int b1 = bgra[4], g1 = bgra[5], r1 = bgra[6];
    out[0] = static_cast<uint8_t>(lumaBt601(r0, g0, b0));
    out[1] = static_cast<uint8_t>(cbBt601(r0 + r1, g0 + g1, b0 + b1, 1));
    out[2] = static_cast<uint8_t>(lumaBt601(r1, g1, b1));
    out[3] = static_cast<uint8_t>(crBt601(r0 + r1, g0 + g1, b0 + b1, 1));
  }
}

void bgraRowPairToI420(const uint8_t* top, const uint8_t* bottom, int width, uint8_t* yTop, uint8_t* yBottom,
                       uint8_t* cb, uint8_t* cr) {
  for (int x = 0; x < width; x += 2, top += 8, bottom += 8) {
    yTop[x] = static_cast<uint8_t>(lumaBt601(top[2], top[1], top[0]));
    yTop[x + 1] = static_cast<uint8_t>(lumaBt601(top[6], top[5], top[4]));
    yBottom[x] = static_cast<uint8_t>(lumaBt601(bottom[2], bottom[1], bottom[0]));
    yBottom[x + 1] = static_cast<uint8_t>(lumaBt601(bottom[6], bottom[5], bottom[4]));
    const int r = top[2] + top[6] + bottom[2] + bottom[6];
    const int g = top[1] + top[5] + bottom[1] + bottom[5];
    const int b = top[0] + top[4] + bottom[0] + bottom[4];
    cb[x / 2] = static_cast<uint8_t>(cbBt601(r, g, b, 2));
    cr[x / 2] = static_cast<uint8_t>(crBt601(r, g, b, 2));
  }
}

void fillYuyvBlack(uint8_t* p, size_t pixels) {
  for (size_t i = 0; i < pixels / 2; ++i, p += 4) {
    p[0] = kBlackY;
    p[1] = kBlackC;
    p[2] = kBlackY;
    p[3] = kBlackC;
  }
}

// Source row for output row `outRow` of the picture: the readback is bottom row first.
const uint8_t* sourceRow(const cv::Mat& picture, int outRow) {
  return picture.ptr<uint8_t>(picture.rows - 1 - outRow);
}

void convertYuyv(const cv::Mat& picture, const PictureRect& rect, const VcamFrameFormat& f, uint8_t* out) {
  const size_t stride = static_cast<size_t>(f.width) * 2;
  for (int y = 0; y < f.height; ++y) {
    uint8_t* row = out + stride * static_cast<size_t>(y);
    if (y < rect.y || y >= rect.y + rect.height) {
      fillYuyvBlack(row, static_cast<size_t>(f.width));
      continue;
    }
    fillYuyvBlack(row, static_cast<size_t>(rect.x));
    bgraRowToYuyv(sourceRow(picture, y - rect.y), rect.width, row + static_cast<size_t>(rect.x) * 2);
    const int right = rect.x + rect.width;
    fillYuyvBlack(row + static_cast<size_t>(right) * 2, static_cast<size_t>(f.width - right));
  }
}

void convertI420(const cv::Mat& picture, const PictureRect& rect, const VcamFrameFormat& f, uint8_t* out) {
  const size_t w = static_cast<size_t>(f.width), h = static_cast<size_t>(f.height);
  uint8_t* yPlane = out;
  uint8_t* cbPlane = out + w * h;
  uint8_t* crPlane = cbPlane + (w / 2) * (h / 2);
  std::memset(yPlane, kBlackY, w * h);
  std::memset(cbPlane, kBlackC, (w / 2) * (h / 2) * 2);
  for (int y = 0; y < rect.height; y += 2) {
    const size_t oy = static_cast<size_t>(rect.y + y);
    bgraRowPairToI420(sourceRow(picture, y), sourceRow(picture, y + 1), rect.width,
                      yPlane + oy * w + static_cast<size_t>(rect.x),
                      yPlane + (oy + 1) * w + static_cast<size_t>(rect.x),
                      cbPlane + (oy / 2) * (w / 2) + static_cast<size_t>(rect.x / 2),
                      crPlane + (oy / 2) * (w / 2) + static_cast<size_t>(rect.x / 2));
  }
}

}  // namespace

uint32_t fourcc(VcamPixelFormat format) {
  return format == VcamPixelFormat::kYuyv ? V4L2_PIX_FMT_YUYV : V4L2_PIX_FMT_YUV420;
}

const char* toString(VcamPixelFormat format) {
  return format == VcamPixelFormat::kYuyv ? "YUYV" : "YU12";
}

size_t frameBytes(const VcamFrameFormat& f) {
  const size_t pixels = static_cast<size_t>(f.width) * static_cast<size_t>(f.height);
  return f.pixels == VcamPixelFormat::kYuyv ? pixels * 2 : pixels * 3 / 2;
}

PictureRect fitPicture(int sourceWidth, int sourceHeight, int outWidth, int outHeight) {
  if (sourceWidth <= 0 || sourceHeight <= 0 || outWidth < 2 || outHeight < 2) return {};
  const double scale =
      std::min(static_cast<double>(outWidth) / sourceWidth, static_cast<double>(outHeight) / sourceHeight);
  PictureRect r;
  r.width = std::min(outWidth, static_cast<int>(std::lround(sourceWidth * scale))) & ~1;
  r.height = std::min(outHeight, static_cast<int>(std::lround(sourceHeight * scale))) & ~1;
  r.width = std::max(r.width, 2);
  r.height = std::max(r.height, 2);
  r.x = ((outWidth - r.width) / 2) & ~1;
  r.y = ((outHeight - r.height) / 2) & ~1;
  return r;
}

void FrameConverter::convert(const cv::Mat& bgraBottomUp, const VcamFrameFormat& f,
                             std::vector<uint8_t>& out) {
  assert(bgraBottomUp.type() == CV_8UC4 && "FrameConverter: the picture must be BGRA");
  assert(f.width % 2 == 0 && f.height % 2 == 0 && "FrameConverter: the output size must be even");
  out.resize(frameBytes(f));
  const PictureRect rect = fitPicture(bgraBottomUp.cols, bgraBottomUp.rows, f.width, f.height);
  const cv::Mat* picture = &bgraBottomUp;
  if (bgraBottomUp.cols != rect.width || bgraBottomUp.rows != rect.height) {
    // Shrinking averages (no aliasing of the filters' fine lines); enlarging interpolates.
    const bool shrinking = rect.width < bgraBottomUp.cols || rect.height < bgraBottomUp.rows;
    cv::resize(bgraBottomUp, scaled_, cv::Size(rect.width, rect.height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    picture = &scaled_;
  }
  if (f.pixels == VcamPixelFormat::kYuyv)
    convertYuyv(*picture, rect, f, out.data());
  else
    convertI420(*picture, rect, f, out.data());
}

}  // namespace facefilter
