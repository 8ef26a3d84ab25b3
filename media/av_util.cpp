#include "media/av_util.hpp"

#include <cstdarg>
#include <mutex>

#include "engine/core/logging.hpp"

namespace facefilter::av {

std::string errorText(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return buf;
}

std::string failure(const std::string& what, const std::string& path, int code) {
  return what + " failed for " + path + ": " + errorText(code);
}

namespace {

void toOurLog(void* avcl, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_WARNING) return;
  char line[1024];
  int printPrefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &printPrefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  if (level <= AV_LOG_ERROR) {
    logger("media")->warn("FFmpeg: {}", text);
  } else {
    logger("media")->debug("FFmpeg: {}", text);
  }
}

}  // namespace

void routeLogs() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_WARNING);
    av_log_set_callback(toOurLog);
  });
}

}  // namespace facefilter::av
