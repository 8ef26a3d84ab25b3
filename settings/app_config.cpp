#include "settings/app_config.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "settings/settings_table.hpp"

namespace facefilter {
namespace {

using Json = nlohmann::ordered_json;

bool inScope(const Setting& s, ConfigScope scope) {
  return scope == ConfigScope::kEverything || s.inPreset();
}

// The JSON value as the setting's type, or nothing (a type mismatch, which the table's check names).
std::optional<SettingValue> fromJson(const Setting& s, const Json& v) {
  switch (s.type) {
    case SettingType::kBool:
      if (v.is_boolean()) return SettingValue(v.get<bool>());
      break;
    case SettingType::kInt:
      if (v.is_number_integer()) {
        // Out of int's range is out of every setting's range: clamp so that the range message names it.
        const auto wide = v.is_number_unsigned() ? static_cast<long long>(std::min<unsigned long long>(
                                                       v.get<unsigned long long>(), 1ull << 40))
                                                 : v.get<long long>();
        return SettingValue(static_cast<int>(std::clamp<long long>(wide, -(1ll << 31), (1ll << 31) - 1)));
      }
      break;
    case SettingType::kReal:
      if (v.is_number()) return SettingValue(v.get<double>());
      break;
    case SettingType::kText:
      if (v.is_string()) return SettingValue(v.get<std::string>());
      break;
  }
  return std::nullopt;
}

Json toJson(const SettingValue& value) {
  return std::visit([](const auto& v) { return Json(v); }, value);
}

// Camera controls per camera name (AppConfig::cameraControls): not a table setting, as its keys are the
// cameras and controls a user has, but checked as strictly. A driver's names for a camera and a control are
// short (V4L2 gives 32 bytes for each); the limits keep a hand-edited file from holding anything else.
constexpr const char* kCameraControlsKey = "camera_controls";
constexpr size_t kMaxCameraNameLength = 255;
constexpr size_t kMaxControlKeyLength = 63;

bool isControlKey(const std::string& key) {
  return !key.empty() && key.size() <= kMaxControlKeyLength &&
         std::all_of(key.begin(), key.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// Keeps what is well formed; one warning per camera or value left out.
template <typename Warn>
CameraControlValues readCameraControls(const Json& v, Warn warn) {
  CameraControlValues out;
  if (!v.is_object()) {
    warn(kCameraControlsKey, "is not an object of camera names");
    return out;
  }
  for (const auto& camera : v.items()) {
    const std::string where = std::string(kCameraControlsKey) + "." + camera.key();
    if (camera.key().empty() || camera.key().size() > kMaxCameraNameLength) {
      warn(kCameraControlsKey, "has a camera name that is empty or longer than " +
                                   std::to_string(kMaxCameraNameLength) + " characters");
      continue;
    }
    if (!camera.value().is_object()) {
      warn(where, "is not an object of control values");
      continue;
    }
    for (const auto& control : camera.value().items()) {
      const std::string key = where + "." + control.key();
      if (!isControlKey(control.key())) {
        warn(key, "is not a control name (lower-case letters, digits and '_', as v4l2-ctl spells it)");
        continue;
      }
      const Json& n = control.value();
      const bool fits =
          n.is_number_integer() &&
          (n.is_number_unsigned() ? n.get<unsigned long long>() <= INT32_MAX
                                  : n.get<long long>() >= INT32_MIN && n.get<long long>() <= INT32_MAX);
      if (!fits) {
        warn(key, "is not a 32-bit integer");
        continue;
      }
      out[camera.key()][control.key()] = n.get<int32_t>();
    }
  }
  return out;
}

}  // namespace

std::filesystem::path configDir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && xdg[0] == '/') {
    return std::filesystem::path(xdg) / "facefilter";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".config" / "facefilter";
  }
  return std::filesystem::path(".facefilter");
}

std::filesystem::path defaultConfigPath() {
  return configDir() / "config.json";
}

const char* toString(SettingsSection section) {
  switch (section) {
    case SettingsSection::kDetector:
      return "detector";
    case SettingsSection::kTracking:
      return "tracking and smoothing";
    case SettingsSection::kFilters:
      return "filters";
    case SettingsSection::kDebugViews:
      return "debug views";
    case SettingsSection::kRecording:
      return "recording";
    case SettingsSection::kSession:
      return "session";
  }
  return "?";
}

void copySection(const AppConfig& from, AppConfig& to, SettingsSection section) {
  for (const Setting& s : settingsTable()) {
    if (s.section == section) s.set(to, s.get(from));
  }
  normaliseConfig(to);
}

void resetSection(AppConfig& config, SettingsSection section) {
  copySection(AppConfig{}, config, section);
}

Result<LoadedConfig> parseConfig(const std::string& json, const std::string& origin, ConfigScope scope) {
  Json root;
  try {
    root = Json::parse(json);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number too large for a double
    return makeError("parseConfig: " + origin + " is not valid JSON: " + e.what());
  }
  if (!root.is_object()) return makeError("parseConfig: " + origin + ": the top level must be an object");
  LoadedConfig out;
  AppConfig& c = out.config;
  auto warn = [&out](std::string_view key, const std::string& what) {
    ++out.rejectedValues;
    out.warnings.push_back("config: '" + std::string(key) + "' " + what + "; using the default");
  };
  std::set<std::string, std::less<>> known;
  for (const Setting& s : settingsTable()) {
    if (!inScope(s, scope)) continue;
    known.emplace(s.key);
    const auto it = root.find(std::string(s.key));
    if (it == root.end()) continue;
    const auto value = fromJson(s, *it);
    if (!value) {
      warn(s.key, s.wrongType());
      continue;
    }
    if (auto ok = s.check(*value); !ok) {
      warn(s.key, ok.error().message);
      continue;
    }
    s.set(c, *value);
  }
  if (scope == ConfigScope::kEverything) {
    known.emplace(kCameraControlsKey);
    if (const auto it = root.find(kCameraControlsKey); it != root.end()) {
      c.cameraControls = readCameraControls(*it, [&out](const std::string& key, const std::string& what) {
        ++out.rejectedValues;
        out.warnings.push_back("config: '" + key + "' " + what + "; left out");
      });
    }
  }
  normaliseConfig(c);
  if (auto v = validate(c.detector); !v) {
    warn("detector", v.error().message);
    resetSection(c, SettingsSection::kDetector);
  }
  if (auto v = validate(c.tracker); !v) {
    warn("tracker", v.error().message);
    resetSection(c, SettingsSection::kTracking);
  }
  // Keys no setting claims: typos and settings of other versions, named once each.
  for (const auto& item : root.items()) {
    if (!known.contains(item.key()))
      out.warnings.push_back("config: '" + item.key() + "' is not a known setting; ignored");
  }
  return out;
}

Result<LoadedConfig> loadConfig(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return LoadedConfig{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError("loadConfig: cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseConfig(ss.str(), path.string());
}

std::string serializeConfig(const AppConfig& c, ConfigScope scope) {
  Json root = Json::object();
  for (const Setting& s : settingsTable()) {
    if (inScope(s, scope)) root[std::string(s.key)] = toJson(s.get(c));
  }
  if (scope == ConfigScope::kEverything) {
    Json cameras = Json::object();
    for (const auto& [camera, values] : c.cameraControls) {
      if (!values.empty()) cameras[camera] = values;
    }
    root[kCameraControlsKey] = cameras;
  }
  // Bytes that are not UTF-8 (a path from an odd file system) are written as U+FFFD rather than refused:
  // the file is still written, and still loads.
  return root.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Status saveConfig(const std::filesystem::path& path, const AppConfig& config, ConfigScope scope) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return makeError("saveConfig: cannot create " + path.parent_path().string() + ": " + ec.message());
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return makeError("saveConfig: cannot write " + tmp.string());
    out << serializeConfig(config, scope);
    out.flush();
    if (!out) return makeError("saveConfig: writing " + tmp.string() + " failed (disk full?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return makeError("saveConfig: cannot rename " + tmp.string() + " to " + path.string());
  }
  return Ok{};
}

}  // namespace facefilter
