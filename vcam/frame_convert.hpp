#pragma once
// The rendered picture (the app's readback: BGRA, bottom row first) converted to what the virtual camera
// sends: YUYV (4:2:2, packed) or YU12 (I420: 4:2:0, planar), BT.601 limited range ("studio swing", Y 16..235,
// Cb/Cr 16..240, as webcams and call apps expect from YUV), scaled to fit the output size with its aspect
// ratio kept and the rest black (letterbox / pillarbox).
//
// YUYV is what the virtual camera asks the device for: it is the uncompressed format of nearly every USB
// webcam (UVC), so every consumer that takes a webcam takes it, and OBS's own virtual camera writes it to
// v4l2loopback, so it is the format Chrome and Firefox (WebRTC), Zoom and OBS are known to read from that
// driver. YU12 is kept for a device already held at YU12 by another producer (v4l2loopback keeps the first
// producer's format).
//
// The arithmetic is exact integer BT.601 (8-bit coefficients with rounding): the same input gives the same
// bytes on every machine. Chroma is the rounded mean of the pixels it covers (2 for YUYV, 2x2 for YU12).
// FrameConverter keeps its scratch buffer between calls: one per thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace facefilter {

enum class VcamPixelFormat { kYuyv, kYu12 };

uint32_t fourcc(VcamPixelFormat format);       // V4L2_PIX_FMT_YUYV / V4L2_PIX_FMT_YUV420
const char* toString(VcamPixelFormat format);  // "YUYV" / "YU12"

struct VcamFrameFormat {
  VcamPixelFormat pixels = VcamPixelFormat::kYuyv;
  int width = 1280, height = 720;  // even
  bool operator==(const VcamFrameFormat&) const = default;
};
size_t frameBytes(const VcamFrameFormat& format);

// Where the picture goes inside the output: the largest rectangle of the source's aspect ratio that fits,
// centred, on even coordinates and of even size (so that chroma pairs and 2x2 blocks never straddle it).
struct PictureRect {
  int x = 0, y = 0, width = 0, height = 0;
  bool operator==(const PictureRect&) const = default;
};
PictureRect fitPicture(int sourceWidth, int sourceHeight, int outWidth, int outHeight);

// One pixel's BT.601 limited-range values (the reference the row kernels are tested against).
inline int lumaBt601(int r, int g, int b) {
  return ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
}
// Chroma of the SUM of n pixels' channels, n = 2^shift (1 pixel: shift 0): the rounded mean.
inline int cbBt601(int rSum, int gSum, int bSum, int shift) {
  return ((-38 * rSum - 74 * gSum + 112 * bSum + (128 << shift)) >> (8 + shift)) + 128;
}
inline int crBt601(int rSum, int gSum, int bSum, int shift) {
  return ((112 * rSum - 94 * gSum - 18 * bSum + (128 << shift)) >> (8 + shift)) + 128;
}

class FrameConverter {
 public:
  // `bgraBottomUp`: CV_8UC4, any size, bottom row first (glReadPixels order). `out` is resized to
  // frameBytes(format) and filled entirely (picture and black borders).
  void convert(const cv::Mat& bgraBottomUp, const VcamFrameFormat& format, std::vector<uint8_t>& out);

 private:
  cv::Mat scaled_;
};

}  // namespace facefilter
