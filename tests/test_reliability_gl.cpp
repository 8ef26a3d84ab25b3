// Reliability of the desktop app as a process, headless (CTest runs it with no display: through EGL):
// SIGTERM in the middle of a headless recording joins every thread and leaves a finalised, playable file
// holding every frame it reports; a disk that fills up (RLIMIT_FSIZE in the child) ends the run with a
// clear message and a playable file. A bad argument ends it with exit code 1, naming the option, before any
// window opens (no display needed).

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace facefilter {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

struct AppRun {
  int exitCode = -1;
  std::string err;
};

// Runs `args` (argv[0] the program) in a child process, its stderr (with `withStdout`, its stdout too) into
// one file. `fileSizeLimit` > 0: RLIMIT_FSIZE in the child. `termWhen` (polled every 50 ms) true: SIGTERM is
// sent. A child still running after 240 s is killed and the test fails.
AppRun runProcess(const std::vector<std::string>& args, bool withStdout, rlim_t fileSizeLimit,
                  const std::function<bool()>& termWhen) {
  TempDir dir;
  const std::string outFile = dir.file("output.txt");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (withStdout) ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (fileSizeLimit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      struct rlimit lim {
        fileSizeLimit, fileSizeLimit
      };
      ::setrlimit(RLIMIT_FSIZE, &lim);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  bool termed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (!termed && termWhen && termWhen()) {
      ::kill(pid, SIGTERM);
      termed = true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ADD_FAILURE() << "the app did not exit";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  AppRun r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = test::readFile(outFile);
  return r;
}

// Starts the app headless on the demo clip recording to `out` (see runProcess for the other arguments).
AppRun runApp(const std::string& out, rlim_t fileSizeLimit, const std::function<bool()>& termWhen) {
  return runProcess({FACEFILTER_TEST_APP_EXE, "--headless", "--no-config", "--input", "demo", "--filter",
                     "sunglasses", "--model", FACEFILTER_TEST_MODEL, "--device", "cpu", "--record", out},
                    false, fileSizeLimit, termWhen);
}

int reportedFramesWritten(const std::string& err) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("([0-9]+) frames written"))) return -1;
  return std::stoi(m[1]);
}

TEST(ReliabilityAppProcess, SigtermMidRecordingFinalisesThePlayableFile) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string out = dir.file("out.mp4");
  // Terminate once the recording is well under way (the demo clip has 270 frames).
  const std::string sidecar = dir.file("out.landmarks.jsonl");
  const AppRun r = runApp(out, 0, [&] {
    std::error_code ec;
    return std::filesystem::exists(sidecar, ec) && std::filesystem::file_size(sidecar, ec) > 20 * 1024;
  });
  EXPECT_EQ(r.exitCode, 2) << "interrupted: partly done; " << r.err;
  EXPECT_THAT(r.err, HasSubstr("interrupted"));
  EXPECT_THAT(r.err, HasSubstr("recording finalised"));
  const int written = reportedFramesWritten(r.err);
  EXPECT_GT(written, 0) << r.err;
  EXPECT_LT(written, 270) << "stopped mid-recording";
  EXPECT_EQ(test::countDecodableFrames(out), written) << r.err;
}

TEST(ReliabilityAppProcess, DiskFullEndsTheRunWithAPlayableFileAndAMessage) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string out = dir.file("out.mp4");
  const AppRun r = runApp(out, 1u << 20, nullptr);
  EXPECT_EQ(r.exitCode, 2) << "cut short: partly done; " << r.err;
  EXPECT_THAT(r.err, HasSubstr("disk full"));
  const int written = reportedFramesWritten(r.err);
  EXPECT_GT(written, 0) << r.err;
  EXPECT_EQ(test::countDecodableFrames(out), written) << r.err;
}

// The app with `args`, its stdout and stderr together. Bad arguments end it before it opens a window.
AppRun runAppWithArgs(std::vector<std::string> args) {
  args.insert(args.begin(), FACEFILTER_TEST_APP_EXE);
  return runProcess(args, true, 0, nullptr);
}

TEST(ReliabilityAppProcess, BadArgumentsExitWithOneNamingTheOption) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--window-size", "10x10"}, "--window-size: 10x10 is outside"},
      {{"--vsync", "maybe"}, "--vsync: maybe not in {on,off}"},
      {{"--debug", "points,nope"}, "--debug: nope not in"},
      {{"--scale-factor", "3"}, "--scale-factor: 3 is outside [1.01, 2]"},
      {{"--input", "camera:1:640"}, "--input: source 'camera:1:640'"},
      {{"--no-such-option"}, "not expected: --no-such-option"},
      {{"--headless", "--no-config"}, "--headless needs --input"},
      {{"--headless", "--no-config", "--input", "demo"},
       "--headless needs --record OUT.mp4 and/or --snapshot"}};
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args.front());
    const AppRun r = runAppWithArgs(args);
    EXPECT_EQ(r.exitCode, 1) << r.err;
    EXPECT_EQ(r.err.rfind("facefilter: ", 0), 0u) << r.err;
    EXPECT_THAT(r.err, HasSubstr(message));
  }
}

TEST(ReliabilityAppProcess, HelpListsTheOptionsAndKeys) {
  const AppRun r = runAppWithArgs({"--help"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("usage: facefilter"));
  EXPECT_THAT(r.err, HasSubstr("--window-size WxH"));
  EXPECT_THAT(r.err, HasSubstr("--scale-factor F"));
  EXPECT_THAT(r.err, HasSubstr("Keys: Tab panel"));
}

}  // namespace
}  // namespace facefilter
