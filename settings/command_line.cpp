#include "settings/command_line.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <regex>
#include <sstream>

#include "engine/capture/source_spec.hpp"

namespace facefilter {
namespace command_line_detail {

std::string numberText(double value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

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
  } catch (const CLI::ParseError& e) {
    const CLI::App& at = innermost(app);
    // A program of subcommands given none, or a word that is none of them.
    if (at.get_require_subcommand_min() > 0 && at.get_subcommands().empty()) {
      const std::vector<std::string> rest = at.remaining();
      if (rest.empty()) return argumentError(at, "no command given", err);
      const bool isOption = rest.front().rfind('-', 0) == 0;
      return argumentError(at,
                           isOption ? "unknown option '" + rest.front() + "' (a command's options go after it)"
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

CLI::Option* addTextOption(CLI::App& app, const std::string& name, std::string& value, const std::string& valueName,
                           const std::string& help) {
  return app.add_option(name, value, help)->type_name(valueName)->capture_default_str();
}

CLI::Option* addCountOption(CLI::App& app, const std::string& name, int& value, const std::string& valueName,
                            const std::string& help) {
  return app.add_option(name, value, help)
      ->type_name(valueName)
      ->check(CLI::Range(0, kMaxCount).description(""))
      ->capture_default_str();
}

CLI::Validator sizeValidator(SizeLimits limits) {
  const std::string range = std::to_string(limits.minWidth) + "x" + std::to_string(limits.minHeight) + " .. " +
                            std::to_string(limits.maxWidth) + "x" + std::to_string(limits.maxHeight);
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

CLI::Option* addSizeOption(CLI::App& app, const std::string& name, int& width, int& height, const std::string& help,
                           SizeLimits limits) {
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

CLI::Option* addModelPathOption(CLI::App& app, std::string& path) {
  return addTextOption(app, "--model", path, "FILE", "keypoint model (TorchScript with facefilter metadata)");
}

CLI::Option* addThreadsOption(CLI::App& app, int& threads) {
  return addNumberOption(app, "--threads", threads, "N", "CPU threads for inference (0 = LibTorch's default)", 0, 256);
}

CLI::Option* addDeviceOption(CLI::App& app, std::string& device) {
  return app.add_option("--device", device, "where the model runs")
      ->type_name("auto|cpu|cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}).description(""))
      ->capture_default_str();
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
  const std::string group = "Detector";
  addTextOption(app, "--cascade", d.cascadePath, "FILE", "Haar cascade XML")->group(group);
  addNumberOption(app, "--scale-factor", d.scaleFactor, "F", "detector pyramid step", 1.0001, 2.0)->group(group);
  addNumberOption(app, "--min-neighbors", d.minNeighbors, "N", "overlapping detections needed per face", 0, 100)
      ->group(group);
  addNumberOption(app, "--min-size", d.minSizePx, "PX", "smallest face side in pixels", 0, 10000)->group(group);
  addNumberOption(app, "--min-size-fraction", d.minSizeFraction, "F",
                  "smallest face side as a share of the frame's shorter side", 0.0, 1.0)
      ->group(group);
  addNumberOption(app, "--max-size", d.maxSizePx, "PX", "largest face side in pixels (0 = none)", 0, 100000)
      ->group(group);
  addNumberOption(app, "--detect-scale", d.detectScale, "F", "run the detector on a copy scaled by F", 0.05, 1.0)
      ->group(group);
  addChoiceOption(app, "--downscale", d.downscale,
                  {{"min-face", DetectDownscale::kToMinFace}, {"off", DetectDownscale::kOff}},
                  "min-face: run the detector on a copy scaled so that the smallest face is 1.6 cascade windows")
      ->group(group);
  addChoiceOption(app, "--cascade-scan", d.scan, {{"ours", CascadeScan::kVectorised}, {"opencv", CascadeScan::kOpenCv}},
                  "ours: our vectorised scan where it supports the cascade (same boxes as OpenCV's, faster); "
                  "opencv: cv::CascadeClassifier")
      ->group(group);
  const std::vector<std::pair<std::string, bool>> onOff = {{"on", true}, {"off", false}};
  addChoiceOption(app, "--rolled-passes", d.rolledPasses, onOff,
                  "cold start: also scan copies turned by +-30 and +-60 degrees for tilted faces")
      ->group(group);
  addChoiceOption(app, "--profile-passes", d.profilePasses, onOff,
                  "cold start: also scan with the profile cascade (the frame and its mirror)")
      ->group(group);
  addNumberOption(app, "--extra-passes", d.extraPassesPerFrame, "N",
                  "extra cold-start passes per frame while looking for new faces; they take turns (still images: all)",
                  0, 6)
      ->group(group);
}

void addSmoothingOptions(CLI::App& app, OneEuroParams& smoothing) {
  addNumberOption(app, "--min-cutoff", smoothing.minCutoffHz, "HZ", "One Euro min cutoff", 0.001, 100.0);
  addNumberOption(app, "--beta", smoothing.beta, "B", "One Euro beta", 0.0, 100.0);
}

CLI::Option* addSinglePassOption(CLI::App& app, bool& refineDetections) {
  return app.add_flag_function(
      "--single-pass", [&refineDetections](std::int64_t) { refineDetections = false; },
      "one CNN pass for a face found by the detector (default: a second pass from the box its keypoints imply)");
}

CLI::Option* addPresenceOption(CLI::App& app, float& threshold) {
  return addNumberOption(app, "--presence-threshold", threshold, "F",
                         "a face whose presence score is below F gets no keypoints and no filter; its track ends "
                         "after a few such frames (models with a presence score)",
                         0.0f, 1.0f);
}

void addTrackerOptions(CLI::App& app, TrackerParams& t) {
  const std::string group = "Tracking";
  app.add_flag_function(
         "--no-tracking", [&t](std::int64_t) { t.mode = TrackingMode::kDetectEveryFrame; },
         "run the detector on every frame (no tracking, no smoothing)")
      ->group(group);
  addNumberOption(app, "--detect-every", t.detectIntervalFrames, "N",
                  "re-detect at least every N frames while tracking", 1, 1000)
      ->group(group)
      // The quality and motion triggers never wait longer than the interval itself (the range is checked first).
      ->each([&t](const std::string& n) { t.minRedetectGapFrames = std::min(t.minRedetectGapFrames, std::stoi(n)); });
  addNumberOption(app, "--full-scan-every", t.fullScanIntervalFrames, "N",
                  "scan the whole frame for new faces at least every N frames while tracking (other detections "
                  "search around the tracked faces; 1 = always the whole frame)",
                  1, 100000)
      ->group(group);
  app.add_flag_function(
         "--no-smoothing", [&t](std::int64_t) { t.smoothing = Smoothing::kOff; }, "keypoints as the CNN gives them")
      ->group(group);
  addSmoothingOptions(app, t.oneEuro);
  app.get_option("--min-cutoff")->group(group);
  app.get_option("--beta")->group(group);
  addSinglePassOption(app, t.refineDetections)->group(group);
  addPresenceOption(app, t.presenceThreshold)->group(group);
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
