#pragma once
// The command line of facefilter, facefilter-cli and facefilter-bench, on CLI11: one exit-code convention,
// one way to parse and to report a bad argument, one --help layout (value names, ranges, choices, defaults),
// and the options the programs share (model, device, threads, detector, tracking, log level). The options
// fill the engine's parameter structs; the engine never sees argv.

#include <iostream>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <spdlog/common.h>
#include <CLI/CLI.hpp>

#include "engine/core/result.hpp"
#include "engine/detect/face_detector.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/track/face_tracker.hpp"
#include "settings/setting_flags.hpp"

namespace facefilter {

// Exit codes of every program.
inline constexpr int kExitOk = 0;  // done
inline constexpr int kExitFailed =
    1;  // nothing done: a bad argument, a missing file, an unusable model or camera
// Partly done: some inputs failed, or the input broke mid-way; everything processed up to then is kept.
inline constexpr int kExitPartial = 2;

// Our conventions on an App, before its options and subcommands are added (they inherit them): the help
// layout, -h/--help, and a repeated option's last value wins.
void setUpCommandLine(CLI::App& app);

// Parses argv. nullopt: the program goes on. Otherwise the exit code: kExitOk once --help is printed on
// `out`, kExitFailed once a bad argument is reported on `err` (naming the option, with a pointer to --help).
std::optional<int> parseCommandLine(CLI::App& app, int argc, const char* const* argv);
// The same for the arguments after the program's name.
std::optional<int> parseCommandLine(CLI::App& app, std::vector<std::string> args,
                                    std::ostream& out = std::cout, std::ostream& err = std::cerr);

// A bad argument found after parsing (values the engine refuses together, say): reported as parsing reports
// one, for `app` (a subcommand names its parents too). Returns kExitFailed.
int argumentError(const CLI::App& app, const std::string& message, std::ostream& err = std::cerr);

// ---- Options of one value. Each shows its value name and its default (the target's value when added).

// --name VALUE, any text.
CLI::Option* addTextOption(CLI::App& app, const std::string& name, std::string& value,
                           const std::string& valueName, const std::string& help);

// --name N, a number in [min, max]; --help shows the range.
template <typename T>
CLI::Option* addNumberOption(CLI::App& app, const std::string& name, T& value, const std::string& valueName,
                             const std::string& help, T min, T max);

// The largest count a count option takes (frames, samples).
inline constexpr int kMaxCount = 1 << 30;
// --name N, a count in [0, kMaxCount] (the help says what 0 means).
CLI::Option* addCountOption(CLI::App& app, const std::string& name, int& value, const std::string& valueName,
                            const std::string& help);

// --name WORD, one of the words of `choices`, each standing for a value of `value`'s type.
template <typename T>
CLI::Option* addChoiceOption(CLI::App& app, const std::string& name, T& value,
                             const std::vector<std::pair<std::string, T>>& choices, const std::string& help);

// WIDTHxHEIGHT within [minimum, maximum] on each side.
struct SizeLimits {
  int minWidth, minHeight, maxWidth, maxHeight;
};
CLI::Validator sizeValidator(SizeLimits limits);
// --name WxH into width and height (left as they are when the option is not given).
CLI::Option* addSizeOption(CLI::App& app, const std::string& name, int& width, int& height,
                           const std::string& help, SizeLimits limits);

// A source in the one syntax of engine/capture/source_spec.hpp (camera:N:WxH@FPS, demo, a path, ...).
CLI::Validator sourceValidator();

// ---- The options the programs share.

struct ModelOptions {
  std::string path;    // empty: the program's own default (the app: its settings file)
  std::string device;  // auto | cpu | cuda; empty as above
  int threads = 0;     // CPU threads for inference; 0 = LibTorch's default
};
// --model FILE, --device auto|cpu|cuda and --threads N (group "Model").
void addModelOptions(CLI::App& app, ModelOptions& model);
// Its parts, for programs that take only some of them or keep the values elsewhere.
CLI::Option* addModelPathOption(CLI::App& app, std::string& path);
CLI::Option* addDeviceOption(CLI::App& app, std::string& device);
CLI::Option* addThreadsOption(CLI::App& app, int& threads);
// Sets the thread count, then loads the model (the engine's default model and device where the fields are
// empty).
Result<KeypointModel> loadModel(const ModelOptions& model);

// The detector's thresholds, cascades and passes (group "Detector"). Ranges are checked while parsing; what
// the engine checks of the values together (validate(DetectorParams)) is for the caller to check after it.
void addDetectorOptions(CLI::App& app, DetectorParams& detector);

// The recording's format, quality, preset and sound (--record-format, --record-crf, --record-preset,
// --record-audio; group "Recording"), for programs that write videos but keep no settings file.
void addRecordOptions(CLI::App& app, RecordSettings& record);

// --no-tracking, --detect-every, --full-scan-every, --no-smoothing, the One Euro options, --single-pass and
// --presence-threshold (group "Tracking"). validate(TrackerParams) after parsing, as for the detector.
void addTrackerOptions(CLI::App& app, TrackerParams& tracker);
// Parts of addTrackerOptions, for programs without tracking:
// --min-cutoff HZ and --beta B, the One Euro filter's.
void addSmoothingOptions(CLI::App& app, OneEuroParams& smoothing);
// --single-pass: a face found by the detector gets one CNN pass instead of two (engine/keypoints/refine.hpp).
CLI::Option* addSinglePassOption(CLI::App& app, bool& refineDetections);
// --presence-threshold F: a face whose presence score is below F gets no keypoints and no filter.
CLI::Option* addPresenceOption(CLI::App& app, float& threshold);

// --log-level LEVEL, spdlog's level names.
CLI::Option* addLogLevelOption(CLI::App& app, spdlog::level::level_enum& level);

// ---- Template definitions.

namespace command_line_detail {
std::string join(const std::vector<std::string>& words, const std::string& separator);
}  // namespace command_line_detail

template <typename T>
CLI::Option* addNumberOption(CLI::App& app, const std::string& name, T& value, const std::string& valueName,
                             const std::string& help, T min, T max) {
  const std::string range = "[" + formatSettingNumber(static_cast<double>(min)) + ", " +
                            formatSettingNumber(static_cast<double>(max)) + "]";
  // The range goes into the help text; CLI11 would otherwise append it to the value name.
  return app.add_option(name, value, help + " " + range)
      ->type_name(valueName)
      ->check(rangeValidator(static_cast<double>(min), static_cast<double>(max), std::is_integral_v<T>))
      ->capture_default_str();
}

template <typename T>
CLI::Option* addChoiceOption(CLI::App& app, const std::string& name, T& value,
                             const std::vector<std::pair<std::string, T>>& choices, const std::string& help) {
  std::vector<std::string> words;
  std::string current;
  for (const auto& [word, v] : choices) {
    words.push_back(word);
    if (current.empty() && v == value) current = word;
  }
  return app
      .add_option_function<std::string>(
          name,
          [&value, choices](const std::string& word) {
            for (const auto& [w, v] : choices) {
              if (w == word) value = v;
            }
          },
          help)
      ->type_name(command_line_detail::join(words, "|"))
      ->check(CLI::IsMember(words).description(""))
      ->default_str(current);
}

}  // namespace facefilter
