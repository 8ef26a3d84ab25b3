// libFuzzer target: parseConfig (the app's settings file, which users edit by hand). Any input gives a
// config or an Error; every value that survives passes its setting's check, and a parsed config serialises
// to text that parses again without warnings to the same values.

#include <cstddef>
#include <cstdint>
#include <string>

#include "settings/app_config.hpp"
#include "settings/settings_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = facefilter::parseConfig(text, "fuzz/config.json");
  if (!loaded.ok()) return 0;
  const facefilter::AppConfig& c = loaded.value().config;
  for (const facefilter::Setting& s : facefilter::settingsTable()) {
    if (!s.check(s.get(c)).ok()) __builtin_trap();
  }
  if (!facefilter::validate(c.detector).ok() || !facefilter::validate(c.tracker).ok()) __builtin_trap();
  auto again = facefilter::parseConfig(facefilter::serializeConfig(c), "fuzz/round-trip.json");
  if (!again.ok() || !again.value().warnings.empty()) __builtin_trap();
  for (const facefilter::Setting& s : facefilter::settingsTable()) {
    if (s.format(s.get(again.value().config)) != s.format(s.get(c))) __builtin_trap();
  }
  return 0;
}
