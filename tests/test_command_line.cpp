// The command-line conventions the programs share (settings/command_line.hpp): bad values refused naming the
// option, choices, defaults in --help, the shared detector and tracker options, exit codes.

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "settings/command_line.hpp"

namespace facefilter {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

// One parse of `args` (without the program's name), keeping what it prints.
struct Parsed {
  std::optional<int> exitCode;
  std::string out, err;
};

Parsed parse(CLI::App& app, const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Parsed p;
  p.exitCode = parseCommandLine(app, args, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

class CommandLine : public ::testing::Test {
 protected:
  CommandLine() : app_("a test program", "prog") {
    setUpCommandLine(app_);
    addDetectorOptions(app_, detector_);
    addTrackerOptions(app_, tracker_);
    addLogLevelOption(app_, logLevel_);
    addCountOption(app_, "--max-frames", maxFrames_, "N", "stop after N frames (0 = all)");
  }
  CLI::App app_;
  DetectorParams detector_;
  TrackerParams tracker_;
  spdlog::level::level_enum logLevel_ = spdlog::level::warn;
  int maxFrames_ = 0;
};

TEST_F(CommandLine, TheExitCodesAreTheDocumentedOnes) {
  // README and scripts rely on these numbers.
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitFailed, 1);
  EXPECT_EQ(kExitPartial, 2);
}

TEST_F(CommandLine, ValuesInRangeFillTheEngineParams) {
  const Parsed p =
      parse(app_, {"--scale-factor", "1.2", "--min-neighbors", "3", "--downscale", "off", "--cascade-scan",
                   "opencv", "--rolled-passes", "off", "--extra-passes=4", "--max-frames", "30"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_DOUBLE_EQ(detector_.scaleFactor, 1.2);
  EXPECT_EQ(detector_.minNeighbors, 3);
  EXPECT_EQ(detector_.downscale, DetectDownscale::kOff);
  EXPECT_EQ(detector_.scan, CascadeScan::kOpenCv);
  EXPECT_FALSE(detector_.rolledPasses);
  EXPECT_TRUE(detector_.profilePasses) << "not given: the default";
  EXPECT_EQ(detector_.extraPassesPerFrame, 4);
  EXPECT_EQ(maxFrames_, 30);
  EXPECT_TRUE(p.out.empty());
}

TEST_F(CommandLine, OutOfRangeValuesAreRefusedNamingTheOption) {
  for (const auto& [option, value] :
       std::vector<std::pair<std::string, std::string>>{{"--scale-factor", "3"},
                                                        {"--presence-threshold", "1.5"},
                                                        {"--detect-every", "0"},
                                                        {"--extra-passes", "9"},
                                                        {"--max-frames", "-3"},
                                                        {"--min-neighbors", "many"}}) {
    SCOPED_TRACE(option + " " + value);
    const DetectorParams before = detector_;
    const Parsed p = parse(app_, {option, value});
    EXPECT_EQ(p.exitCode, kExitFailed);
    EXPECT_THAT(p.err, HasSubstr("prog: " + option + ": "));
    EXPECT_THAT(p.err,
                AnyOf(HasSubstr(value + " is outside ["), HasSubstr("'" + value + "' is not a number")));
    EXPECT_THAT(p.err, HasSubstr("Run 'prog --help'"));
    EXPECT_DOUBLE_EQ(detector_.scaleFactor, before.scaleFactor) << "a refused value is not kept";
  }
}

TEST_F(CommandLine, ChoicesAreCheckedAndListed) {
  Parsed p = parse(app_, {"--downscale", "half"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--downscale: half not in {min-face,off}"));
  p = parse(app_, {"--profile-passes", "yes"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--profile-passes: yes not in {on,off}"));
  p = parse(app_, {"--log-level", "debug"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(logLevel_, spdlog::level::debug);
  p = parse(app_, {"--log-level", "loud"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--log-level: loud not in {trace,debug,info,warn,error,critical,off}"));
}

TEST_F(CommandLine, UnknownOptionsAndStrayWordsAreBadArguments) {
  Parsed p = parse(app_, {"--no-such-option"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--no-such-option"));
  p = parse(app_, {"stray"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("stray"));
  p = parse(app_, {"--scale-factor"});
  EXPECT_EQ(p.exitCode, kExitFailed) << "a value is missing";
  EXPECT_THAT(p.err, HasSubstr("--scale-factor"));
}

TEST_F(CommandLine, TheLastOfARepeatedOptionWins) {
  const Parsed p = parse(app_, {"--min-neighbors", "2", "--min-neighbors", "7"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(detector_.minNeighbors, 7);
}

TEST_F(CommandLine, TrackerFlagsFillTheTrackerParams) {
  const TrackerParams defaults;
  Parsed p = parse(app_, {});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(tracker_.mode, defaults.mode);
  EXPECT_EQ(tracker_.minRedetectGapFrames, defaults.minRedetectGapFrames);
  EXPECT_TRUE(tracker_.refineDetections);

  p = parse(app_,
            {"--no-tracking", "--no-smoothing", "--single-pass", "--detect-every", "3", "--full-scan-every",
             "9", "--min-cutoff", "2.5", "--beta", "0", "--presence-threshold", "0.25"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(tracker_.mode, TrackingMode::kDetectEveryFrame);
  EXPECT_EQ(tracker_.smoothing, Smoothing::kOff);
  EXPECT_FALSE(tracker_.refineDetections);
  EXPECT_EQ(tracker_.detectIntervalFrames, 3);
  EXPECT_EQ(tracker_.minRedetectGapFrames, 3) << "the re-detection gap never exceeds the interval";
  EXPECT_EQ(tracker_.fullScanIntervalFrames, 9);
  EXPECT_DOUBLE_EQ(tracker_.oneEuro.minCutoffHz, 2.5);
  EXPECT_DOUBLE_EQ(tracker_.oneEuro.beta, 0);
  EXPECT_FLOAT_EQ(tracker_.presenceThreshold, 0.25f);
  EXPECT_TRUE(validate(tracker_).ok());
}

TEST_F(CommandLine, HelpShowsValueNamesRangesChoicesAndDefaults) {
  const Parsed p = parse(app_, {"--help"});
  EXPECT_EQ(p.exitCode, kExitOk);
  EXPECT_TRUE(p.err.empty()) << p.err;
  EXPECT_THAT(p.out, HasSubstr("usage: prog"));
  EXPECT_THAT(p.out, HasSubstr("--scale-factor F "));
  EXPECT_THAT(p.out, HasSubstr("[1.01, 2] (default: 1.1)"));
  EXPECT_THAT(p.out, HasSubstr("--downscale min-face|off"));
  EXPECT_THAT(p.out, HasSubstr("(default: min-face)"));
  EXPECT_THAT(p.out, HasSubstr("--rolled-passes on|off"));
  EXPECT_THAT(p.out, HasSubstr("--presence-threshold F"));
  EXPECT_THAT(p.out, HasSubstr("(default: 0.5)"));
  EXPECT_THAT(p.out, HasSubstr("--log-level trace|debug|info|warn|error|critical|off"));
  EXPECT_THAT(p.out, HasSubstr("(default: warn)"));
  EXPECT_THAT(p.out, HasSubstr("Detector:"));
  EXPECT_THAT(p.out, HasSubstr("Tracking:"));
}

TEST(CommandLineValues, SizesAreWidthByHeightWithinTheLimits) {
  CLI::App app("sizes", "prog");
  setUpCommandLine(app);
  int w = 1280, h = 800;
  addSizeOption(app, "--window-size", w, h, "the window's size", {320, 240, 16384, 16384});
  Parsed p = parse(app, {"--window-size", "640x480"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 480);
  p = parse(app, {"--window-size", "100x100"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--window-size: 100x100 is outside 320x240 .. 16384x16384"));
  p = parse(app, {"--window-size", "wide"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--window-size: expected WxH"));
  EXPECT_EQ(w, 640) << "refused values leave the size as it was";
}

TEST(CommandLineValues, SourcesAreCheckedWhileParsing) {
  CLI::App app("sources", "prog");
  setUpCommandLine(app);
  std::string input = "default";
  addTextOption(app, "--input", input, "SRC", "the source")->check(sourceValidator());
  Parsed p = parse(app, {"--input", "camera:1:640x480@30"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_EQ(input, "camera:1:640x480@30");
  p = parse(app, {"--input", "camera:1:640"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("--input: source 'camera:1:640'"));
}

TEST(CommandLineValues, SubcommandsAreRequiredAndNamedInMessages) {
  CLI::App app("a program of commands", "prog");
  setUpCommandLine(app);
  app.require_subcommand(1);
  CLI::App* run = app.add_subcommand("run", "runs");
  int frames = 0;
  addCountOption(*run, "--max-frames", frames, "N", "frames");

  Parsed p = parse(app, {});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("prog: no command given"));
  p = parse(app, {"frobnicate"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("prog: unknown command 'frobnicate'"));
  p = parse(app, {"--max-frames", "5"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("prog: unknown option '--max-frames' (a command's options go after it)"));
  p = parse(app, {"run", "--max-frames", "x"});
  EXPECT_EQ(p.exitCode, kExitFailed);
  EXPECT_THAT(p.err, HasSubstr("prog run: --max-frames: "));
  EXPECT_THAT(p.err, HasSubstr("Run 'prog run --help'"));
  p = parse(app, {"run", "--help"});
  EXPECT_EQ(p.exitCode, kExitOk);
  EXPECT_THAT(p.out, HasSubstr("usage: prog run"));
  EXPECT_THAT(p.out, HasSubstr("--max-frames N"));
  p = parse(app, {"run", "--max-frames", "5"});
  ASSERT_FALSE(p.exitCode.has_value()) << p.err;
  EXPECT_TRUE(run->parsed());
  EXPECT_EQ(frames, 5);

  std::ostringstream err;
  EXPECT_EQ(argumentError(*run, "detector: max size must be 0 (none) or >= min size", err), kExitFailed);
  EXPECT_EQ(err.str(),
            "prog run: detector: max size must be 0 (none) or >= min size\nRun 'prog run --help' for the "
            "options.\n");
}

}  // namespace
}  // namespace facefilter
