#include "engine/core/data_dir.hpp"

#include <cstdlib>

#ifndef FACEFILTER_SOURCE_DIR
#define FACEFILTER_SOURCE_DIR "."
#endif

namespace facefilter {

std::string defaultDataDir() {
  if (const char* env = std::getenv("FACEFILTER_DATA"); env != nullptr && *env != '\0') return env;
  return std::string(FACEFILTER_SOURCE_DIR) + "/../shared/data";
}

}  // namespace facefilter
