#include "settings/presets.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace facefilter {

std::filesystem::path defaultPresetDir() {
  return configDir() / "presets";
}

Status validatePresetName(const std::string& name) {
  const std::string quoted = "preset name '" + name + "'";
  if (name.empty()) return makeError("preset name is empty: type a name first");
  if (name.size() > kMaxPresetNameLength) {
    return makeError("preset name is longer than " + std::to_string(kMaxPresetNameLength) + " characters");
  }
  for (char ch : name) {
    if (ch == '/' || ch == '\\') return makeError(quoted + " contains a path separator ('/' or '\\')");
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
      return makeError("preset name contains control characters");
  }
  // A leading dot would hide the file (and "." and ".." are folders); stray spaces make names that look
  // alike on screen.
  if (name.front() == '.') return makeError(quoted + " starts with a dot");
  if (name.front() == ' ' || name.back() == ' ') return makeError(quoted + " starts or ends with a space");
  return Ok{};
}

Result<std::vector<std::string>> PresetStore::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) return names;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) return makeError("PresetStore::list: cannot read " + dir_.string() + ": " + ec.message());
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json" || !entry.is_regular_file(ec)) continue;
    std::string name = entry.path().stem().string();
    if (validatePresetName(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status PresetStore::save(const std::string& name, const AppConfig& config) const {
  if (auto v = validatePresetName(name); !v) return v.error();
  if (auto s = saveConfig(pathFor(name), config, ConfigScope::kPreset); !s) {
    return makeError("cannot save preset '" + name + "': " + s.error().message);
  }
  return Ok{};
}

Result<LoadedConfig> PresetStore::load(const std::string& name) const {
  if (auto v = validatePresetName(name); !v) return v.error();
  const auto path = pathFor(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return makeError("preset '" + name + "' does not exist (" + path.string() + ")");
  }
  // A preset is a page of settings; anything much larger is not one, and is not read into memory.
  const uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes > kMaxPresetFileBytes) {
    return makeError("preset '" + name + "' (" + path.string() + ") is corrupt: larger than " +
                     std::to_string(kMaxPresetFileBytes / 1024) + " KiB; nothing was changed");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("cannot read preset '" + name + "' (" + path.string() + ")");
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = parseConfig(text.str(), path.string(), ConfigScope::kPreset);
  if (!parsed)
    return makeError("preset '" + name + "' is corrupt: " + parsed.error().message + "; nothing was changed");
  if (parsed->rejectedValues > 0) {
    // Unlike config.json (where defaults stand in for bad values so the app starts), a preset is applied
    // whole or not at all: half of one is a combination nobody chose.
    std::string why;
    for (int i = 0; i < parsed->rejectedValues; ++i)
      why += (i == 0 ? "" : "; ") + parsed->warnings[static_cast<size_t>(i)];
    return makeError("preset '" + name + "' (" + path.string() + ") has bad values: " + why +
                     "; nothing was changed");
  }
  return parsed;
}

Result<std::vector<std::string>> PresetStore::applyTo(const std::string& name, AppConfig& config) const {
  auto loaded = load(name);
  if (!loaded) return loaded.error();
  for (SettingsSection section : kPresetSections) copySection(loaded->config, config, section);
  return std::move(loaded->warnings);
}

Status PresetStore::remove(const std::string& name) const {
  if (auto v = validatePresetName(name); !v) return v.error();
  std::error_code ec;
  if (!std::filesystem::remove(pathFor(name), ec)) {
    return makeError("cannot delete preset '" + name + "': " + (ec ? ec.message() : "it does not exist"));
  }
  return Ok{};
}

}  // namespace facefilter
