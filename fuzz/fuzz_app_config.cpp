// libFuzzer target: parseConfig (the app's settings file, which users edit by hand). Any input gives a
// config or an Error; every value that survives passes its setting's check, and a parsed config serialises
// to text that parses again without warnings to the same values (camera controls: the same cameras).

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
  // Camera controls per camera name: no camera is kept without values, and they round-trip where the names
  // are ASCII (the writer replaces bytes that are not UTF-8, so other names may come back changed).
  bool ascii = true;
  for (const auto& [camera, values] : c.cameraControls) {
    if (camera.empty() || values.empty()) __builtin_trap();
    for (const char ch : camera) ascii &= static_cast<unsigned char>(ch) < 0x80;
  }
  if (ascii && again.value().config.cameraControls != c.cameraControls) __builtin_trap();
  return 0;
}
