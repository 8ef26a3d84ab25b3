#include "settings/command_line.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <regex>

#include "engine/capture/source_spec.hpp"
#include "settings/setting_flags.hpp"

namespace facefilter {
namespace command_line_detail {

std::string join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

}  // namespace command_line_detail

namespace {

// Options as "  --name VALUE   what it does [range] (default: X)": the value name alone after the option, the
// default at the end of the text (CLI11's own layout appends the checks' descriptions and "=default" to the
// value name).
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0) return "";  // a flag
    std::string out = opt->get_type_name().empty() ? "" : " " + opt->get_type_name();
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    if (opt->get_required()) out += " (required)";
    return out;
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string text = opt->get_description();
    if (!opt->get_default_str().empty()) text += " (default: " + opt->get_default_str() + ")";
    return text;
  }
};

// The App a parse ended in: the subcommand given last, else `app`.
const CLI::App& innermost(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().back();
  return *at;
}

std::string commandPath(const CLI::App& app) {
  std::deque<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) names.push_front(a->get_name());
  return command_line_detail::join({names.begin(), names.end()}, " ");
}

}  // namespace

void setUpCommandLine(CLI::App& app) {
  auto formatter = std::make_shared<HelpFormatter>();
  formatter->label("Usage", "usage");
  formatter->column_width(34);
  app.formatter(formatter);
  app.set_help_flag("-h,--help", "show this help");
  // "NAME VERSION", the first line help2man reads for the man pages (packaging/CMakeLists.txt).
  app.set_version_flag("--version", app.get_name() + " " + FACEFILTER_VERSION, "show the version and exit");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

std::optional<int> parseCommandLine(CLI::App& app, int argc, const char* const* argv) {
  return parseCommandLine(app, std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}

std::optional<int> parseCommandLine(CLI::App& app, std::vector<std::string> args, std::ostream& out,
                                    std::ostream& err) {
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << app.help();  // the help of the subcommand given, if any
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    const CLI::App& at = innermost(app);
    // A program of subcommands given none, or a word that is none of them.
    if (at.get_require_subcommand_min() > 0 && at.get_subcommands().empty()) {
      const std::vector<std::string> rest = at.remaining();
      if (rest.empty()) return argumentError(at, "no command given", err);
      const bool isOption = rest.front().rfind('-', 0) == 0;
      return argumentError(at,
                           isOption
                               ? "unknown option '" + rest.front() + "' (a command's options go after it)"
                               : "unknown command '" + rest.front() + "'",
                           err);
    }
    return argumentError(at, e.what(), err);
  }
  return std::nullopt;
}

int argumentError(const CLI::App& app, const std::string& message, std::ostream& err) {
  const std::string path = commandPath(app);
  err << path << ": " << message << "\nRun '" << path << " --help' for the options.\n";
  return kExitFailed;
}

CLI::Option* addTextOption(CLI::App& app, const std::string& name, std::string& value,
                           const std::string& valueName, const std::string& help) {
  return app.add_option(name, value, help)->type_name(valueName)->capture_default_str();
}

CLI::Option* addCountOption(CLI::App& app, const std::string& name, int& value, const std::string& valueName,
                            const std::string& help) {
  return app.add_option(name, value, help)
      ->type_name(valueName)
      ->check(rangeValidator(0, kMaxCount, true))
      ->capture_default_str();
}

CLI::Validator sizeValidator(SizeLimits limits) {
  const std::string range = std::to_string(limits.minWidth) + "x" + std::to_string(limits.minHeight) +
                            " .. " + std::to_string(limits.maxWidth) + "x" + std::to_string(limits.maxHeight);
  return CLI::Validator(
      [limits, range](std::string& text) -> std::string {
        std::smatch m;
        if (!std::regex_match(text, m, std::regex(R"((\d{1,5})x(\d{1,5}))"))) {
          return "expected WxH (e.g. 1280x720), got '" + text + "'";
        }
        const int w = std::stoi(m[1].str()), h = std::stoi(m[2].str());
        if (w < limits.minWidth || h < limits.minHeight || w > limits.maxWidth || h > limits.maxHeight) {
          return text + " is outside " + range;
        }
        return {};
      },
      "", "size");
}

CLI::Option* addSizeOption(CLI::App& app, const std::string& name, int& width, int& height,
                           const std::string& help, SizeLimits limits) {
  return app
      .add_option_function<std::string>(
          name,
          [&width, &height](const std::string& text) {
            // The validator has matched WxH.
            const size_t x = text.find('x');
            width = std::stoi(text.substr(0, x));
            height = std::stoi(text.substr(x + 1));
          },
          help)
      ->type_name("WxH")
      ->check(sizeValidator(limits));
}

CLI::Validator sourceValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto spec = parseSourceSpec(text);
        return spec ? std::string() : spec.error().message;
      },
      "", "source");
}

namespace {

// The part of the settings each shared option fills (see addSettingFlagInto).
std::string& modelPathOf(AppConfig& c) {
  return c.modelPath;
}
std::string& deviceOf(AppConfig& c) {
  return c.device;
}
RecordSettings& recordOf(AppConfig& c) {
  return c.record;
}
DetectorParams& detectorOf(AppConfig& c) {
  return c.detector;
}
TrackerParams& trackerOf(AppConfig& c) {
  return c.tracker;
}
OneEuroParams& oneEuroOf(AppConfig& c) {
  return c.tracker.oneEuro;
}
bool& refineOf(AppConfig& c) {
  return c.tracker.refineDetections;
}
float& presenceOf(AppConfig& c) {
  return c.tracker.presenceThreshold;
}

}  // namespace

CLI::Option* addModelPathOption(CLI::App& app, std::string& path) {
  return addSettingFlagInto(app, path, modelPathOf, "model");
}

CLI::Option* addThreadsOption(CLI::App& app, int& threads) {
  return addNumberOption(app, "--threads", threads, "N", "CPU threads for inference (0 = LibTorch's default)",
                         0, 256);
}

CLI::Option* addDeviceOption(CLI::App& app, std::string& device) {
  CLI::Option* opt = addSettingFlagInto(app, device, deviceOf, "device");
  if (device.empty()) opt->default_str("auto");
  return opt;
}

void addModelOptions(CLI::App& app, ModelOptions& model) {
  addModelPathOption(app, model.path)->group("Model");
  addDeviceOption(app, model.device)->group("Model");
  addThreadsOption(app, model.threads)->group("Model");
}

Result<KeypointModel> loadModel(const ModelOptions& model) {
  auto device = parseComputeDevice(model.device.empty() ? "auto" : model.device);
  if (!device) return device.error();
  setInferenceThreads(model.threads);
  return KeypointModel::load(model.path.empty() ? defaultModelPath() : model.path, device.value());
}

void addDetectorOptions(CLI::App& app, DetectorParams& d) {
  for (const Setting& s : settingsTable()) {
    if (s.section != SettingsSection::kDetector) continue;
    if (CLI::Option* opt = addSettingFlagInto(app, d, detectorOf, s.key)) opt->group("Detector");
  }
}

void addRecordOptions(CLI::App& app, RecordSettings& record) {
  for (const Setting& s : settingsTable()) {
    if (s.section != SettingsSection::kRecording) continue;
    if (CLI::Option* opt = addSettingFlagInto(app, record, recordOf, s.key)) opt->group("Recording");
  }
}

void addSmoothingOptions(CLI::App& app, OneEuroParams& smoothing) {
  for (const Setting& s : settingsTable()) {
    if (s.key.starts_with("one_euro_")) addSettingFlagInto(app, smoothing, oneEuroOf, s.key);
  }
}

CLI::Option* addSinglePassOption(CLI::App& app, bool& refineDetections) {
  return addSettingFlagInto(app, refineDetections, refineOf, "second_pass_for_detections");
}

CLI::Option* addPresenceOption(CLI::App& app, float& threshold) {
  return addSettingFlagInto(app, threshold, presenceOf, "presence_threshold");
}

void addTrackerOptions(CLI::App& app, TrackerParams& t) {
  const std::string group = "Tracking";
  // A mode of the programs that run a pipeline, not a setting the app keeps.
  app.add_flag_function(
         "--no-tracking", [&t](std::int64_t) { t.mode = TrackingMode::kDetectEveryFrame; },
         "run the detector on every frame (no tracking, no smoothing)")
      ->group(group);
  for (const Setting& s : settingsTable()) {
    if (s.section != SettingsSection::kTracking) continue;
    if (CLI::Option* opt = addSettingFlagInto(app, t, trackerOf, s.key)) opt->group(group);
  }
}

CLI::Option* addLogLevelOption(CLI::App& app, spdlog::level::level_enum& level) {
  using namespace spdlog::level;
  return addChoiceOption(app, "--log-level", level,
                         {{"trace", trace},
                          {"debug", debug},
                          {"info", info},
                          {"warn", warn},
                          {"error", err},
                          {"critical", critical},
                          {"off", off}},
                         "how much to log");
}

}  // namespace facefilter
