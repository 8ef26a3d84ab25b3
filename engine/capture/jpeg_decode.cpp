#include "engine/capture/jpeg_decode.hpp"

#include <limits>

#include <turbojpeg.h>

namespace facefilter {

void JpegDecoder::HandleDeleter::operator()(void* handle) const {
  if (handle) tjDestroy(handle);
}

Result<JpegDecoder> JpegDecoder::create(FrameBufferPool& pool) {
  tjhandle handle = tjInitDecompress();
  if (!handle) {
    return makeError(std::string("JPEG decoder: TurboJPEG could not start (") + tjGetErrorStr2(nullptr) +
                     "); is libturbojpeg0 installed?");
  }
  return JpegDecoder(handle, pool);
}

Result<cv::Mat> JpegDecoder::decode(const uint8_t* data, size_t bytes, cv::Size expected) {
  if (!data || bytes == 0) return makeError("JPEG decode: the frame is empty (0 bytes)");
  if (bytes > std::numeric_limits<unsigned long>::max())
    return makeError("JPEG decode: the frame is too large");
  void* handle = handle_.get();
  const auto size = static_cast<unsigned long>(bytes);
  int width = 0, height = 0, subsampling = 0, colourspace = 0;
  if (tjDecompressHeader3(handle, data, size, &width, &height, &subsampling, &colourspace) != 0) {
    return makeError("JPEG decode: not a JPEG image, or its header is damaged (" +
                     std::string(tjGetErrorStr2(handle)) + ", " + std::to_string(bytes) + " bytes)");
  }
  if (width <= 0 || height <= 0 || width > kMaxJpegSide || height > kMaxJpegSide) {
    return makeError("JPEG decode: the header says " + std::to_string(width) + "x" + std::to_string(height) +
                     ", over the limit of " + std::to_string(kMaxJpegSide) + " per side (a damaged frame?)");
  }
  if (!expected.empty() && (width != expected.width || height != expected.height)) {
    return makeError("JPEG decode: the frame is " + std::to_string(width) + "x" + std::to_string(height) +
                     ", not the " + std::to_string(expected.width) + "x" + std::to_string(expected.height) +
                     " expected");
  }
  cv::Mat bgr = pool_->acquire(cv::Size(width, height), CV_8UC3);
  // Accurate DCT and upsampling (flags 0): the fast variants saved little here and cost detail.
  if (tjDecompress2(handle, data, size, bgr.data, width, static_cast<int>(bgr.step), height, TJPF_BGR, 0) !=
      0) {
    if (tjGetErrorCode(handle) != TJERR_WARNING) {
      return makeError("JPEG decode: " + std::string(tjGetErrorStr2(handle)) + " (" + std::to_string(width) +
                       "x" + std::to_string(height) + ", " + std::to_string(bytes) + " bytes)");
    }
    ++warnings_;
    lastWarning_ = tjGetErrorStr2(handle);
  }
  return bgr;
}

}  // namespace facefilter
