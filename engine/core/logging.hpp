#pragma once
// Named loggers ("capture", "detect", "keypoints", "track", "record", ...). Library code logs only
// through these; they write to stderr so that stdout stays free for a program's own output.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace facefilter {

// Returns the logger with this name, creating it on the shared stderr sink if needed. Any thread.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Sets the level of every facefilter logger, present and future ("trace" ... "off").
void setLogLevel(spdlog::level::level_enum level);

}  // namespace facefilter
