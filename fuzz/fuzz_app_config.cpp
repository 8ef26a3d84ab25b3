// libFuzzer target: parseConfig (the app's settings file, which users edit by hand). Any input gives a
// config or an Error; values that survive are in range, and a parsed config serialises to text that
// parses again without warnings.

#include <cstddef>
#include <cstdint>
#include <string>

#include "settings/app_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = facefilter::parseConfig(text, "fuzz/config.json");
  if (!loaded.ok()) return 0;
  const facefilter::AppConfig& c = loaded.value().config;
  if (c.record.queueFrames < 1 || c.record.queueFrames > 120) __builtin_trap();
  if (c.windowWidth < 320 || c.windowHeight < 240) __builtin_trap();
  if (!facefilter::validate(c.detector).ok() || !facefilter::validate(c.tracker).ok()) __builtin_trap();
  auto again = facefilter::parseConfig(facefilter::serializeConfig(c), "fuzz/round-trip.json");
  if (!again.ok()) __builtin_trap();
  return 0;
}
