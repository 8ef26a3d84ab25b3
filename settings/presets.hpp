#pragma once
// Named presets: the preset sections of the settings (detector, tracking and smoothing, filters, debug
// views, recording; see SettingsSection) saved as <dir>/<name>.json with the config file's writer, and read
// back with its range checks. The default folder is $XDG_CONFIG_HOME/facefilter/presets.
// A preset is applied whole or not at all: a file that is not JSON, too large, or holds a bad value is an
// error naming the file, and the settings are left as they were. Unknown keys are warnings (a preset from
// another version still loads). Any thread; the store holds only its folder.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "settings/app_config.hpp"

namespace facefilter {

inline constexpr size_t kMaxPresetNameLength = 64;
inline constexpr uintmax_t kMaxPresetFileBytes = 256 * 1024;

std::filesystem::path defaultPresetDir();

// Non-empty, at most kMaxPresetNameLength bytes, no path separator, no control character, not starting
// with a dot or a space, not ending with a space. The error says which rule the name breaks.
Status validatePresetName(const std::string& name);

class PresetStore {
 public:
  explicit PresetStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  // The file of a valid name (validate first).
  std::filesystem::path pathFor(const std::string& name) const { return dir_ / (name + ".json"); }

  // The names of the presets in the folder, sorted; a missing folder is an empty list.
  Result<std::vector<std::string>> list() const;
  // Writes the preset sections of `config` (overwrites a preset of that name).
  Status save(const std::string& name, const AppConfig& config) const;
  // Reads a preset: the preset sections in `config`, the rest at defaults; warnings name unknown keys.
  Result<LoadedConfig> load(const std::string& name) const;
  // Loads `name` and copies its sections into `config`; on any error `config` is untouched.
  // Returns the warnings (unknown keys).
  Result<std::vector<std::string>> applyTo(const std::string& name, AppConfig& config) const;
  Status remove(const std::string& name) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace facefilter
