// Reliability: bad input, faults and long runs lose nothing. The cases the other suites do not already
// cover (see the README's troubleshooting table for the full list and where each is tested): a model with
// the wrong input shape or an unreadable model, corrupt frames in the middle of a video, huge, 16-bit, gray
// and alpha image files, zero-byte images, a camera lost mid-stream seen through the EngineThread, an
// unwritable output path, and a disk that fills up while `facefilter-cli run --output` records (a small
// tmpfs, and RLIMIT_FSIZE in a child process): the video written so far must be finalised and playable.

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "engine/capture/image_source.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/io/write_space.hpp"
#include "engine/keypoints/keypoint_model.hpp"
#include "engine/pipeline/engine_thread.hpp"
#include "engine/pipeline/face_pipeline.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

FacePipeline makePipeline() {
  auto detector = FaceDetector::create({});
  if (!detector.ok()) throw std::runtime_error(detector.error().message);
  auto model = KeypointModel::load(test::kTestModel, ComputeDevice::kCpu);
  if (!model.ok()) throw std::runtime_error(model.error().message);
  return FacePipeline(std::move(detector).value(), std::move(model).value(), TrackerParams{});
}

// ---------------------------------------------------------------------------------------------
// Models

TEST(ReliabilityModel, WrongInputShapeIsRefusedNamingTheFile) {
  // A valid TorchScript file whose network takes 3 channels while its metadata promises 1.
  TempDir dir;
  const std::string model = dir.file("three-channels.pt");
  const std::string script = dir.file("make.py");
  test::writeFile(
      script,
      "import json, sys, torch\n"
      "sys.path.insert(0, '" FACEFILTER_TEST_SOURCE_DIR
      "/training')\n"
      "import make_test_model as m\n"
      "class Net(torch.nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.c = torch.nn.Conv2d(3, 4, 3)\n"
      "        self.fc = torch.nn.LazyLinear(136) if False else torch.nn.Linear(4, 136)\n"
      "    def forward(self, x):\n"
      "        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(self.c(x), 1), 1))\n"
      "mod = torch.jit.script(Net().eval())\n"
      "torch.jit.save(mod, sys.argv[1], _extra_files={'facefilter.json': json.dumps(m.test_meta())})\n");
  const std::string cmd =
      std::string(FACEFILTER_TEST_PYTHON) + " " + script + " " + model + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    GTEST_SKIP() << "could not build the model with " << FACEFILTER_TEST_PYTHON;
  auto r = KeypointModel::load(model, ComputeDevice::kCpu);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(model));
  EXPECT_THAT(r.error().message, HasSubstr("checked on load with input [2, 1,"));
}

TEST(ReliabilityModel, UnreadableFileIsRefused) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop reading";
  TempDir dir;
  const std::string model = dir.file("secret.pt");
  std::filesystem::copy_file(test::kTestModel, model);
  std::filesystem::permissions(model, std::filesystem::perms::none);
  auto r = KeypointModel::load(model, ComputeDevice::kCpu);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(model));
  EXPECT_THAT(r.error().message, HasSubstr("cannot be read"));
}

// ---------------------------------------------------------------------------------------------
// Videos and images

// Overwrites the payload of the MJPEG frames [first, last] of an AVI (its '00dc' chunks) with zeros.
int corruptAviFrames(const std::string& path, int first, int last) {
  std::string bytes = test::readFile(path);
  int frame = 0, corrupted = 0;
  for (size_t pos = bytes.find("00dc"); pos != std::string::npos; pos = bytes.find("00dc", pos + 4)) {
    if (pos + 8 > bytes.size()) break;
    uint32_t size = 0;
    std::memcpy(&size, bytes.data() + pos + 4, 4);
    if (size == 0 || pos + 8 + size > bytes.size()) continue;  // the index mentions '00dc' too
    if (frame >= first && frame <= last) {
      std::fill(bytes.begin() + static_cast<long>(pos + 8), bytes.begin() + static_cast<long>(pos + 8 + size),
                '\0');
      ++corrupted;
    }
    ++frame;
    pos += 8 + size - 4;
  }
  test::writeFile(path, bytes);
  return corrupted;
}

TEST(ReliabilityVideo, CorruptFramesInTheMiddleAreSkippedAndTheRestDelivered) {
  TempDir dir;
  const std::string avi = dir.file("corrupt.avi");
  constexpr int kFrames = 120;
  ASSERT_TRUE(test::writeTestVideo(avi, test::fourccMjpg(), kFrames));
  ASSERT_EQ(corruptAviFrames(avi, 50, 54), 5);
  auto source = VideoFileSource::open(avi);
  ASSERT_TRUE(source.ok()) << source.error().message;
  int delivered = 0;
  double lastLevel = -1;
  ReadResult r;
  for (r = source.value()->read(); r.status == ReadStatus::kFrame; r = source.value()->read()) {
    ++delivered;
    lastLevel = cv::mean(r.image(cv::Rect(0, 60, r.image.cols, 60)))[1];
  }
  EXPECT_EQ(r.status, ReadStatus::kEndOfStream) << r.error;
  EXPECT_GE(delivered, kFrames - 5) << "frames after the bad ones are delivered";
  EXPECT_LT(delivered, kFrames) << "zeroed frames cannot decode";
  EXPECT_NEAR(lastLevel, (kFrames - 1) * 2 % 256, 4) << "the clip is read to its real end";
  // Every frame is accounted for: delivered, or skipped and counted (the CLI prints "undecodable skipped").
  EXPECT_EQ(delivered + source.value()->skippedFrames(), kFrames);
}

TEST(ReliabilityImage, HugeImageIsProcessed) {
  TempDir dir;
  const std::string path = dir.file("huge.png");
  {
    cv::Mat big(10000, 10000, CV_8UC3, cv::Scalar(120, 130, 140));
    cv::circle(big, {5000, 5000}, 2000, cv::Scalar(200, 180, 160), cv::FILLED);
    ASSERT_TRUE(cv::imwrite(path, big));
  }
  auto source = ImageSource::open(path);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source.value()->info().width, 10000);
  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame);
  FacePipeline pipeline = makePipeline();
  Frame f;
  f.image = std::move(r.image);
  const FrameResult result = pipeline.process(f);
  EXPECT_TRUE(result.error.empty()) << result.error;
}

TEST(ReliabilityImage, GraySixteenBitAndAlphaFilesBecomeBgr8AndProcess) {
  TempDir dir;
  struct Case {
    const char* name;
    cv::Mat image;
  };
  std::vector<Case> cases = {
      {"gray8.png", cv::Mat(120, 160, CV_8UC1, cv::Scalar(90))},
      {"gray16.png", cv::Mat(120, 160, CV_16UC1, cv::Scalar(40000))},
      {"bgr16.png", cv::Mat(120, 160, CV_16UC3, cv::Scalar(1000, 30000, 65535))},
      {"bgra.png", cv::Mat(120, 160, CV_8UC4, cv::Scalar(10, 20, 30, 0))},
      {"bgra16.png", cv::Mat(120, 160, CV_16UC4, cv::Scalar(10, 20, 30, 40))},
  };
  FacePipeline pipeline = makePipeline();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.file(c.name);
    ASSERT_TRUE(cv::imwrite(path, c.image));
    auto image = readImageFile(path);
    ASSERT_TRUE(image.ok()) << image.error().message;
    EXPECT_EQ(image.value().type(), CV_8UC3);
    EXPECT_EQ(image.value().size(), cv::Size(160, 120));
    Frame f;
    f.image = image.value();
    EXPECT_TRUE(pipeline.process(f).error.empty());
  }
}

TEST(ReliabilityImage, ZeroByteAndGarbageImagesAreErrorsNamingTheFile) {
  TempDir dir;
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"empty.png", ""}, {"garbage.jpg", "not an image at all"}, {"cut.png", "\x89PNG\r\n\x1a\n\0\0"}}) {
    SCOPED_TRACE(name);
    const std::string path = dir.file(name);
    test::writeFile(path, bytes);
    auto r = ImageSource::open(path);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr(path));
  }
}

TEST(ReliabilityImage, ZeroSizeFramesAreReportedNotCrashed) {
  FacePipeline pipeline = makePipeline();
  for (const cv::Mat& m : {cv::Mat(), cv::Mat(0, 100, CV_8UC3), cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(0))}) {
    Frame f;
    f.id = 3;
    f.image = m;
    const FrameResult r = pipeline.process(f);  // must not throw or crash
    EXPECT_TRUE(r.faces.empty());
    if (m.empty()) {
      EXPECT_THAT(r.error, HasSubstr("3"));
    }
  }
  EXPECT_FALSE(toBgr8(cv::Mat(0, 0, CV_8UC3)).ok());
}

// ---------------------------------------------------------------------------------------------
// A camera lost mid-stream, as the app sees it through the EngineThread's stats.

class FlakyCamera final : public FrameSource {
 public:
  explicit FlakyCamera(std::atomic<int>* phase) : phase_(phase) {}
  ReadResult read() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ReadResult r;
    if (phase_->load() == 1) {
      r.status = ReadStatus::kFailed;
      r.error = "camera 9: read failed (unplugged or taken by another program)";
      return r;
    }
    r.status = ReadStatus::kFrame;
    r.image = cv::Mat(60, 80, CV_8UC3, cv::Scalar::all(50));
    return r;
  }
  SourceInfo info() const override {
    SourceInfo i;
    i.description = "camera:9 (fake)";
    i.live = true;
    return i;
  }
  bool reopen() override { return phase_->load() != 1; }

 private:
  std::atomic<int>* phase_;
};

TEST(ReliabilityCamera, LostCameraIsReportedRetriedAndRecovers) {
  std::atomic<int> phase{0};
  CaptureParams params;
  params.reconnectDelayMs = 10;
  SourceSpec spec;
  spec.kind = SourceKind::kCamera;
  spec.cameraIndex = 9;
  CaptureThread capture(spec, std::make_unique<FlakyCamera>(&phase), params);
  capture.start();
  auto drain = [&] {
    while (capture.next(std::chrono::milliseconds(1))) {
    }
  };
  ASSERT_TRUE(test::waitUntil([&] {
    drain();
    return capture.stats().framesCaptured > 3;
  }));
  phase = 1;  // unplugged
  ASSERT_TRUE(test::waitUntil([&] {
    drain();
    return capture.stats().sourceLost;
  }));
  EXPECT_THAT(capture.stats().lastError, HasSubstr("camera 9"));
  EXPECT_FALSE(capture.finished()) << "a lost camera is retried, not ended";
  const uint64_t before = capture.stats().framesCaptured;
  phase = 0;  // plugged back in
  ASSERT_TRUE(test::waitUntil([&] {
    drain();
    return !capture.stats().sourceLost && capture.stats().framesCaptured > before + 3;
  }));
  EXPECT_GE(capture.stats().reconnects, 1u);
  capture.stop();
}

// ---------------------------------------------------------------------------------------------
// Outputs: unwritable paths and a disk that fills up while recording (facefilter-cli run --output).

struct Child {
  int exitCode = -1;
  std::string err;
};

// Runs the CLI with `args`; `fileSizeLimit` > 0 sets RLIMIT_FSIZE in the child (SIGXFSZ ignored, so writes
// past it fail with EFBIG as on a full disk). `termAfterMs` > 0 sends SIGTERM then.
Child runCli(const std::vector<std::string>& args, rlim_t fileSizeLimit = 0) {
  TempDir dir;
  const std::string errFile = dir.file("stderr.txt");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    if (fileSizeLimit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      struct rlimit lim {
        fileSizeLimit, fileSizeLimit
      };
      ::setrlimit(RLIMIT_FSIZE, &lim);
    }
    std::vector<char*> argv{const_cast<char*>(FACEFILTER_CLI_PATH)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(FACEFILTER_CLI_PATH, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Child c;
  c.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  c.err = test::readFile(errFile);
  return c;
}

std::vector<std::string> runArgs(const std::string& output) {
  return {"run",     "--input",        "demo",     "--loop", "--max-frames",   "400", "--output", output,
          "--model", test::kTestModel, "--device", "cpu",    "--detect-every", "30"};
}

TEST(ReliabilityOutput, UnwritableVideoPathFailsNamingIt) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  for (const std::string& bad : {std::string("/nonexistent-folder/out.mp4"), dir.path().string()}) {
    SCOPED_TRACE(bad);
    std::vector<std::string> args = runArgs(bad);
    args[5] = "5";
    const Child c = runCli(args);
    EXPECT_EQ(c.exitCode, 1) << c.err;
    EXPECT_THAT(c.err, HasSubstr(bad));
    EXPECT_THAT(c.err, HasSubstr("cannot be created"));
  }
}

// H.264 packs the 400 annotated demo frames into less than 2 MiB: the limits are 1 MiB.
void expectFinalisedAfterDiskFull(const Child& c, const std::string& video) {
  EXPECT_EQ(c.exitCode, 2) << c.err;
  EXPECT_THAT(c.err, HasSubstr("disk full"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(c.err, m, std::regex("disk full after ([0-9]+) frames"))) << c.err;
  const int written = std::stoi(m[1]);
  EXPECT_GT(written, 0);
  EXPECT_LT(written, 400);
  EXPECT_EQ(test::countDecodableFrames(video), written) << "the part recorded is finalised and playable";
}

TEST(ReliabilityOutput, DiskFullOnTmpfsFinalisesThePlayableVideo) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const auto mnt = dir.path() / "small-disk";
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a 1 MiB tmpfs (" << std::strerror(errno)
                 << "): needs root; the RLIMIT_FSIZE variant covers the same path";
  }
  const std::string video = (mnt / "out.mp4").string();
  const Child c = runCli(runArgs(video));
  expectFinalisedAfterDiskFull(c, video);
  ::umount2(mnt.c_str(), MNT_DETACH);
}

TEST(ReliabilityOutput, FileSizeLimitFinalisesThePlayableVideo) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  TempDir dir;
  const std::string video = dir.file("out.mp4");
  const Child c = runCli(runArgs(video), 1024 * 1024);
  expectFinalisedAfterDiskFull(c, video);
}

TEST(ReliabilityOutput, WriteSpaceSeesTheFileSizeLimit) {
  TempDir dir;
  EXPECT_GT(bytesWritableTo(dir.file("x.mp4")), 0);
  // In a child, so the limit does not stay with the test process.
  const pid_t pid = ::fork();
  if (pid == 0) {
    struct rlimit lim {
      1 << 20, 1 << 20
    };
    ::setrlimit(RLIMIT_FSIZE, &lim);
    const int64_t room = bytesWritableTo(dir.file("x.mp4"));
    ::_exit(room <= (1 << 20) && room > 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace facefilter
