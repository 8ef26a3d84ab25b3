#include "media/av_util.hpp"

namespace facefilter::av {

std::string errorText(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return buf;
}

std::string failure(const std::string& what, const std::string& path, int code) {
  return what + " failed for " + path + ": " + errorText(code);
}

}  // namespace facefilter::av
