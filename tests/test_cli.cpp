// facefilter-cli, run as a separate process: exit codes, JSON outputs, written videos, signals.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

extern char** environ;

namespace facefilter {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Json = nlohmann::json;
using test::TempDir;

constexpr const char* kCli = FACEFILTER_CLI_PATH;

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct CliResult {
  int exitCode = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// Runs facefilter-cli with `args` and waits for it.
CliResult runCli(const std::vector<std::string>& args) {
  TempDir dir;
  const std::string errFile = dir.file("stderr.txt");
  std::string cmd = shellQuote(kCli);
  for (const auto& a : args) cmd += " " + shellQuote(a);
  cmd += " 2>" + shellQuote(errFile);
  CliResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed for " << cmd;
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = test::readFile(errFile);
  return r;
}

std::string describe(const CliResult& r) {
  return "exit " + std::to_string(r.exitCode) + "\n--- stdout:\n" + r.out.substr(0, 2000) +
         "\n--- stderr:\n" + r.err.substr(0, 2000);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Reading a key that is not there (.at) throws, which fails the test with the key's name.
Json parseOrFail(const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "invalid JSON:\n" << text.substr(0, 2000);
  return j.is_discarded() ? Json() : j;
}

// "frames: N processed" from run's report.
int processedFrames(const std::string& report) {
  std::smatch m;
  if (!std::regex_search(report, m, std::regex("frames: ([0-9]+) processed"))) return -1;
  return std::stoi(m[1]);
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    obamas_ = test::samplePath("obamas.jpg").string();
    beatles_ = test::samplePath("the_beatles.jpg").string();
  }
  static std::vector<std::string> withModel(std::vector<std::string> args) {
    args.push_back("--model");
    args.push_back(test::kTestModel);
    args.push_back("--device");
    args.push_back("cpu");
    return args;
  }
  // The head pose and the light of a face: an object of the documented keys, or null (the random-weight test
  // model's points may give no pose).
  static void expectPoseAndLight(const Json& face) {
    ASSERT_TRUE(face.contains("pose"));
    ASSERT_TRUE(face.contains("light"));
    const Json& pose = face.at("pose");
    if (!pose.is_null()) {
      for (const char* k : {"yaw", "pitch", "roll"}) EXPECT_TRUE(pose.at(k).is_number()) << k;
      EXPECT_EQ(pose.at("rvec").size(), 3u);
      ASSERT_EQ(pose.at("tvec").size(), 3u);
      EXPECT_GT(pose.at("tvec").at(2).get<double>(), 0) << "in front of the camera";
    }
    const Json& light = face.at("light");
    if (!light.is_null()) {
      EXPECT_GE(light.at("level").get<double>(), 0);
      EXPECT_LE(light.at("level").get<double>(), 1);
      for (const char* k : {"left_right", "top_bottom"}) {
        EXPECT_GE(light.at(k).get<double>(), -1) << k;
        EXPECT_LE(light.at(k).get<double>(), 1) << k;
      }
    }
  }
  // Checks one face of `detect`'s output and that its keypoints lie inside the image.
  static void expectFace(const Json& face, const cv::Size& image) {
    ASSERT_TRUE(face.is_object());
    ASSERT_EQ(face.at("box").size(), 4u);
    EXPECT_GT(face.at("box").at(2).get<double>(), 0);
    EXPECT_TRUE(face.at("score").is_number());
    EXPECT_TRUE(face.at("roll").is_number());
    EXPECT_FALSE(face.contains("presence")) << "the test model scores no presence";
    expectPoseAndLight(face);
    ASSERT_EQ(face.at("keypoints").size(), 68u);
    for (const Json& p : face.at("keypoints")) {
      ASSERT_EQ(p.size(), 2u);
      EXPECT_GE(p.at(0).get<double>(), 0);
      EXPECT_LE(p.at(0).get<double>(), image.width);
      EXPECT_GE(p.at(1).get<double>(), 0);
      EXPECT_LE(p.at(1).get<double>(), image.height);
    }
  }
  std::string obamas_, beatles_;
};

// ---------------------------------------------------------------------------------------------
// Usage

TEST_F(Cli, UsageAndUnknownCommands) {
  CliResult r = runCli({"--help"});
  EXPECT_EQ(r.exitCode, 0) << describe(r);
  EXPECT_THAT(r.out, HasSubstr("usage: facefilter-cli"));
  r = runCli({});
  EXPECT_EQ(r.exitCode, 1);
  r = runCli({"frobnicate"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'frobnicate'"));
  r = runCli({"run", "--no-such-option"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("not expected: --no-such-option"));
  r = runCli({"detect", "--help"});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_THAT(r.out, HasSubstr("--model"));
}

TEST_F(Cli, PresenceThresholdAndCropModeAreChecked) {
  CliResult r = runCli(withModel({"detect", "--presence-threshold", "1.5", "x.jpg"}));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("--presence-threshold: 1.5 is outside [0, 1]"));
  r = runCli(withModel({"run", "--input", "demo", "--presence-threshold", "-0.1"}));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("--presence-threshold"));
  r = runCli(withModel({"eval", "--crops", "sideways"}));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("--crops: sideways not in {model,eye-line,upright}"));
  r = runCli(withModel({"detect", "--extra-passes", "9", "x.jpg"}));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("--extra-passes"));
}

// With a model that scores presence, `detect` reports it and leaves out what scores below the threshold (the
// presence test model scores a crop by its brightness).
TEST_F(Cli, DetectReportsPresenceAndDropsFacesBelowTheThreshold) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  std::vector<std::string> args = {"detect", obamas_, "--model", test::kTestModelPresence, "--device", "cpu"};
  const auto facesAt = [&](const char* threshold) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--presence-threshold", threshold});
    const CliResult r = runCli(a);
    EXPECT_EQ(r.exitCode, 0) << describe(r);
    return parseOrFail(r.out).at("images").at(0).at("faces");
  };
  const Json all = facesAt("0");
  EXPECT_GE(all.size(), 2u) << "every detection at threshold 0";
  for (const Json& f : all) ASSERT_TRUE(f.at("presence").is_number());
  const Json some = facesAt("0.5");
  for (const Json& f : some) EXPECT_GE(f.at("presence").get<double>(), 0.5);
  EXPECT_EQ(facesAt("1").size(), 0u) << "no crop scores 1 with this model";
}

// ---------------------------------------------------------------------------------------------
// detect

TEST_F(Cli, DetectTwoSampleImages) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  FACEFILTER_SKIP_IF_MISSING(beatles_);
  const CliResult r = runCli(withModel({"detect", obamas_, beatles_}));
  ASSERT_EQ(r.exitCode, 0) << describe(r);
  const Json j = parseOrFail(r.out);
  ASSERT_EQ(j.at("images").size(), 2u) << r.out.substr(0, 500);
  const Json& a = j.at("images").at(0);
  const Json& b = j.at("images").at(1);
  EXPECT_EQ(a.at("path"), obamas_);
  EXPECT_EQ(b.at("path"), beatles_);
  EXPECT_FALSE(a.contains("error"));
  ASSERT_EQ(a.at("faces").size(), 2u);
  ASSERT_EQ(b.at("faces").size(), 4u);
  const cv::Size sizeA = cv::imread(obamas_).size(), sizeB = cv::imread(beatles_).size();
  for (const Json& f : a.at("faces")) expectFace(f, sizeA);
  for (const Json& f : b.at("faces")) expectFace(f, sizeB);
  // Faces are listed left to right.
  for (size_t i = 0; i + 1 < b.at("faces").size(); ++i) {
    EXPECT_LT(b.at("faces").at(i).at("box").at(0), b.at("faces").at(i + 1).at("box").at(0));
  }
}

TEST_F(Cli, DetectMissingFileFails) {
  TempDir dir;
  const std::string missing = dir.file("nobody.jpg");
  const CliResult r = runCli(withModel({"detect", missing}));
  EXPECT_EQ(r.exitCode, 1) << describe(r);
  const auto errLines = lines(r.err);
  ASSERT_EQ(errLines.size(), 1u) << "one line on stderr:\n" << r.err;
  EXPECT_THAT(errLines[0], HasSubstr(missing));
  EXPECT_THAT(errLines[0], HasSubstr("no such file"));
}

TEST_F(Cli, DetectOneGoodOneMissingIsPartial) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  TempDir dir;
  const std::string missing = dir.file("nobody.jpg");
  const CliResult r = runCli(withModel({"detect", obamas_, missing}));
  EXPECT_EQ(r.exitCode, 2) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(missing));
  const Json j = parseOrFail(r.out);
  ASSERT_EQ(j.at("images").size(), 2u);
  EXPECT_EQ(j.at("images").at(0).at("path"), obamas_);
  EXPECT_EQ(j.at("images").at(0).at("faces").size(), 2u) << "the good image is still in the output";
  EXPECT_EQ(j.at("images").at(1).at("path"), missing);
  EXPECT_THAT(j.at("images").at(1).at("error").get<std::string>(), HasSubstr("no such file"));
  EXPECT_FALSE(j.at("images").at(1).contains("faces"));
}

TEST_F(Cli, DetectWithABadModelFailsNamingTheFile) {
  FACEFILTER_SKIP_IF_MISSING(obamas_);
  TempDir dir;
  const std::string notAModel = dir.file("notes.pt");
  test::writeFile(notAModel, "not a model\n");
  for (const std::string& model :
       {dir.file("missing.pt"), notAModel, std::string(test::kTestModelBadShape)}) {
    const CliResult r = runCli({"detect", "--model", model, obamas_});
    EXPECT_EQ(r.exitCode, 1) << model << "\n" << describe(r);
    EXPECT_THAT(r.err, HasSubstr(model));
    EXPECT_TRUE(r.out.empty()) << "nothing on stdout when nothing was done";
  }
}

// ---------------------------------------------------------------------------------------------
// run

TEST_F(Cli, RunDemoWritesPointsAndVideo) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string points = dir.file("points.jsonl"), video = dir.file("annotated.mp4");
  const CliResult r = runCli(
      withModel({"run", "--input", "demo", "--max-frames", "30", "--points", points, "--output", video}));
  ASSERT_EQ(r.exitCode, 0) << describe(r);
  EXPECT_EQ(processedFrames(r.out), 30) << r.out;

  const auto jsonLines = lines(test::readFile(points));
  ASSERT_EQ(jsonLines.size(), 30u);
  int framesWithFaces = 0;
  for (size_t i = 0; i < jsonLines.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "line " << i);
    const Json j = parseOrFail(jsonLines[i]);
    EXPECT_EQ(j.at("frame"), i);
    EXPECT_TRUE(j.at("time_ms").is_number());
    EXPECT_TRUE(j.at("detector").is_boolean());
    ASSERT_TRUE(j.at("faces").is_array());
    if (!j.at("faces").empty()) ++framesWithFaces;
    for (const Json& f : j.at("faces")) {
      EXPECT_GE(f.at("id"), 1);
      EXPECT_EQ(f.at("keypoints").size(), 68u);
      expectPoseAndLight(f);
    }
  }
  EXPECT_GT(framesWithFaces, 0);
  EXPECT_EQ(test::countDecodableFrames(video), 30);
  cv::VideoCapture back(video);
  ASSERT_TRUE(back.isOpened());
  EXPECT_EQ(back.get(cv::CAP_PROP_FRAME_WIDTH), 720);
  EXPECT_EQ(back.get(cv::CAP_PROP_FRAME_HEIGHT), 528);
}

TEST_F(Cli, RunPointsToStdoutKeepsTheReportOnStderr) {
  TempDir dir;
  const std::string image = dir.file("flat.png");
  ASSERT_TRUE(cv::imwrite(image, cv::Mat(120, 160, CV_8UC3, cv::Scalar::all(100))));
  const CliResult r = runCli(withModel({"run", "--input", image, "--points", "-"}));
  ASSERT_EQ(r.exitCode, 0) << describe(r);
  const auto out = lines(r.out);
  ASSERT_EQ(out.size(), 1u) << "one JSON line per frame and nothing else:\n" << r.out;
  const Json j = parseOrFail(out[0]);
  EXPECT_EQ(j.at("frame"), 0);
  EXPECT_EQ(j.at("faces").size(), 0u);
  EXPECT_EQ(processedFrames(r.err), 1) << r.err;
}

TEST_F(Cli, RunOnATruncatedVideoKeepsWhatWasProcessed) {
  TempDir dir;
  const std::string full = dir.file("full.avi"), cut = dir.file("cut.avi");
  ASSERT_TRUE(test::writeTestVideo(full, test::fourccMjpg(), 120));
  test::writeTruncatedCopy(full, cut, 0.5);
  const std::string points = dir.file("points.jsonl"), video = dir.file("out.mp4");
  const CliResult r = runCli(withModel({"run", "--input", cut, "--points", points, "--output", video}));
  EXPECT_NE(r.exitCode, 0) << describe(r);
  EXPECT_EQ(r.exitCode, 2) << "partly done";
  EXPECT_THAT(r.err, HasSubstr(cut));
  EXPECT_THAT(r.err, HasSubstr("truncated"));

  const auto jsonLines = lines(test::readFile(points));
  EXPECT_GT(jsonLines.size(), 10u) << "the frames before the break are written";
  EXPECT_LT(jsonLines.size(), 120u);
  for (size_t i = 0; i < jsonLines.size(); ++i) EXPECT_EQ(parseOrFail(jsonLines[i]).at("frame"), i);
  EXPECT_EQ(processedFrames(r.out), static_cast<int>(jsonLines.size()));
  EXPECT_EQ(test::countDecodableFrames(video), static_cast<int>(jsonLines.size()))
      << "the video is finalised";
}

TEST_F(Cli, RunWithoutACameraFails) {
  if (std::filesystem::exists("/dev/video7")) GTEST_SKIP() << "this machine has a /dev/video7";
  const CliResult r = runCli(withModel({"run", "--input", "camera:7"}));
  EXPECT_EQ(r.exitCode, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr("no camera"));
  EXPECT_THAT(r.err, HasSubstr("camera 7"));
}

TEST_F(Cli, RunWithABadModelFailsNamingTheFile) {
  TempDir dir;
  const std::string model = dir.file("missing-model.pt");
  const CliResult r = runCli({"run", "--input", "demo", "--max-frames", "1", "--model", model});
  EXPECT_EQ(r.exitCode, 1) << describe(r);
  EXPECT_THAT(r.err, HasSubstr(model));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(Cli, RunRejectsBadArguments) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"run", "--input", "camera:1:640"},
                                               {"run", "--max-frames", "-3"},
                                               {"run", "--detect-every", "0"},
                                               {"run", "--scale-factor", "3"},
                                               {"run", "stray"}}) {
    const CliResult r = runCli(withModel(args));
    EXPECT_EQ(r.exitCode, 1) << args[1] << "\n" << describe(r);
    EXPECT_FALSE(r.err.empty());
  }
}

TEST_F(Cli, SigtermStopsALoopingRunAndFinalisesTheVideo) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string video = dir.file("loop.mp4"), outFile = dir.file("stdout.txt"),
                    errFile = dir.file("stderr.txt");
  std::vector<std::string> args =
      withModel({kCli, "run", "--input", "demo", "--loop", "--output", video, "--detect-scale", "0.5"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, kCli, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(spawned, 0) << "cannot start " << kCli;

  int status = 0;
  bool reaped = false;
  const auto poll = [&] {
    if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) reaped = true;
    return reaped;
  };
  // The video file appears with the first processed frame; from then on let it run about a second.
  test::waitUntil([&] { return poll() || std::filesystem::exists(video); }, 120s);
  const bool started = std::filesystem::exists(video);
  if (!reaped && started) {
    std::this_thread::sleep_for(1s);
    ::kill(pid, SIGTERM);
    test::waitUntil(poll, 60s);
  }
  if (!reaped) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "facefilter-cli did not "
           << (started ? "exit within 60 s of SIGTERM" : "start writing the video") << "\n--- stderr:\n"
           << test::readFile(errFile);
  }
  ASSERT_TRUE(started) << "it exited before writing any frame\n" << test::readFile(errFile);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of stopping cleanly\n"
                                 << test::readFile(errFile);
  EXPECT_EQ(WEXITSTATUS(status), 0) << test::readFile(errFile);
  const std::string err = test::readFile(errFile), out = test::readFile(outFile);
  EXPECT_THAT(err, HasSubstr("stopped by signal"));
  const int processed = processedFrames(out);
  EXPECT_GT(processed, 0) << out;
  const int written = test::countDecodableFrames(video);
  EXPECT_GT(written, 0) << "the video plays back";
  EXPECT_EQ(written, processed) << "every processed frame is in the video";
}

// ---------------------------------------------------------------------------------------------
// cameras: what this machine has (often nothing: CI machines have no camera); the listing itself is tested
// against recorded cameras in tests/capture/test_camera_list.cpp.

TEST_F(Cli, CamerasListsThisMachinesVideoDevices) {
  size_t nodes = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/sys/class/video4linux", ec), end; !ec && it != end;
       it.increment(ec))
    if (it->path().filename().string().rfind("video", 0) == 0) ++nodes;

  const CliResult json = runCli({"cameras", "--json"});
  ASSERT_EQ(json.exitCode, 0) << describe(json);
  const auto doc = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << json.out;
  ASSERT_TRUE(doc["cameras"].is_array());
  EXPECT_EQ(doc["cameras"].size(), nodes);
  int defaults = 0;
  for (const auto& c : doc["cameras"]) {
    EXPECT_TRUE(c["path"].get<std::string>().rfind("/dev/video", 0) == 0);
    if (c["default"].get<bool>()) {
      ++defaults;
      EXPECT_TRUE(c["captures"].get<bool>());
      EXPECT_FALSE(c["loopback"].get<bool>()) << "a virtual camera is never the default";
    }
  }
  EXPECT_LE(defaults, 1);

  const CliResult text = runCli({"cameras"});
  ASSERT_EQ(text.exitCode, 0) << describe(text);
  if (nodes == 0) {
    EXPECT_THAT(text.out, HasSubstr("no video device"));
  }
}

}  // namespace
}  // namespace facefilter
