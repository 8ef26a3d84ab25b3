// engine/capture: source syntax, pixel conversion, image/folder/video sources, the capture thread.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "engine/capture/capture_thread.hpp"
#include "engine/capture/frame_source.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/capture/source_spec.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/logging.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using namespace std::chrono_literals;
using test::TempDir;
using ::testing::HasSubstr;

class QuietLogs : public ::testing::Environment {
 public:
  // Skipped files and broken videos log warnings by design; keep the test output readable.
  void SetUp() override { setLogLevel(spdlog::level::off); }
};
const auto* const kQuietLogs = ::testing::AddGlobalTestEnvironment(new QuietLogs);

// ---------------------------------------------------------------------------------------------
// Source syntax

SourceSpec parseOk(const std::string& text) {
  auto spec = parseSourceSpec(text);
  EXPECT_TRUE(spec.ok()) << text << ": " << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? spec.value() : SourceSpec{};
}

TEST(SourceSpec, Camera) {
  SourceSpec s = parseOk("camera");
  EXPECT_EQ(s.kind, SourceKind::kCamera);
  EXPECT_EQ(s.cameraIndex, 0);
  EXPECT_EQ(s.width, 0);
  EXPECT_EQ(s.fps, 0);

  s = parseOk("camera:2");
  EXPECT_EQ(s.kind, SourceKind::kCamera);
  EXPECT_EQ(s.cameraIndex, 2);
  EXPECT_EQ(s.width, 0);

  s = parseOk("camera:1:640x480");
  EXPECT_EQ(s.cameraIndex, 1);
  EXPECT_EQ(s.width, 640);
  EXPECT_EQ(s.height, 480);
  EXPECT_EQ(s.fps, 0);

  s = parseOk("camera:3:1920x1080@60");
  EXPECT_EQ(s.cameraIndex, 3);
  EXPECT_EQ(s.width, 1920);
  EXPECT_EQ(s.height, 1080);
  EXPECT_EQ(s.fps, 60);

  s = parseOk("CAMERA:4");
  EXPECT_EQ(s.kind, SourceKind::kCamera);
  EXPECT_EQ(s.cameraIndex, 4);
}

TEST(SourceSpec, DemoAndDefault) {
  SourceSpec s = parseOk("demo");
  EXPECT_EQ(s.kind, SourceKind::kDemo);
  EXPECT_EQ(s.path, kDemoVideoPath);
  EXPECT_EQ(parseOk("Demo").kind, SourceKind::kDemo);
  EXPECT_EQ(parseOk("default").kind, SourceKind::kDefault);
}

TEST(SourceSpec, ExplicitKinds) {
  SourceSpec s = parseOk("video:/x/clip.mp4");
  EXPECT_EQ(s.kind, SourceKind::kVideoFile);
  EXPECT_EQ(s.path, "/x/clip.mp4");
  s = parseOk("image:/x/photo.png");
  EXPECT_EQ(s.kind, SourceKind::kImage);
  EXPECT_EQ(s.path, "/x/photo.png");
  s = parseOk("folder:/x/shots");
  EXPECT_EQ(s.kind, SourceKind::kFolder);
  EXPECT_EQ(s.path, "/x/shots");
  // The prefix decides, whatever the extension says; the path keeps its case and colons.
  s = parseOk("video:/x/Weird:Name.JPG");
  EXPECT_EQ(s.kind, SourceKind::kVideoFile);
  EXPECT_EQ(s.path, "/x/Weird:Name.JPG");
}

TEST(SourceSpec, BarePaths) {
  TempDir dir;
  SourceSpec s = parseOk(dir.path().string());
  EXPECT_EQ(s.kind, SourceKind::kFolder);
  EXPECT_EQ(s.path, dir.path().string());
  for (const char* image : {"a.jpg", "b.JPEG", "c.png", "d.bmp", "e.tif", "f.webp", "g.pgm"}) {
    s = parseOk(std::string("/nowhere/") + image);
    EXPECT_EQ(s.kind, SourceKind::kImage) << image;
  }
  for (const char* video : {"a.mp4", "b.avi", "c.mkv", "no_extension"}) {
    s = parseOk(std::string("/nowhere/") + video);
    EXPECT_EQ(s.kind, SourceKind::kVideoFile) << video;
    EXPECT_EQ(s.path, std::string("/nowhere/") + video);
  }
}

TEST(SourceSpec, RejectsBadSyntax) {
  for (const char* bad : {"",
                          "camera:-1",
                          "camera:1x",
                          "camera:1:640",
                          "camera:1:640x",
                          "camera:1:x480",
                          "camera:1:0x480",
                          "camera:1:640x0",
                          "camera:1:640x480@0",
                          "camera:1:640x480@abc",
                          "camera:1:640x480@",
                          "camera:1:99999x480",
                          "camera:1:640x480@2000",
                          "camera:1@30",
                          "camera:",
                          "video:",
                          "image:",
                          "folder:",
                          "camera:1:",
                          "camera:1::640x480",
                          "camera:\"unclosed",
                          "camera:\"\"",
                          "camera:\"C920\"x",
                          "camera:1:640x480:mjpg:yuyv",
                          "camera:1:640x480:320x240",
                          "camera:1:h264",
                          "camera:-webcam"}) {
    auto spec = parseSourceSpec(bad);
    EXPECT_FALSE(spec.ok()) << "'" << bad << "' was accepted";
    if (!spec.ok()) {
      EXPECT_FALSE(spec.error().message.empty());
    }
  }
  auto spec = parseSourceSpec("camera:1:640");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.error().message, HasSubstr("camera:1:640")) << "names the text it could not parse";
}

TEST(SourceSpec, CameraByNamePathAndFormat) {
  SourceSpec s = parseOk("camera");
  EXPECT_EQ(s.cameraSelect, CameraSelect::kFirst);
  EXPECT_EQ(parseOk("camera:3").cameraSelect, CameraSelect::kNumber);

  s = parseOk("camera:\"HD Pro Webcam C920\"");
  EXPECT_EQ(s.cameraSelect, CameraSelect::kName);
  EXPECT_EQ(s.cameraName, "HD Pro Webcam C920");
  s = parseOk("camera:\"Cam: front\":1280x720@30:MJPG");  // a quoted name may hold a colon
  EXPECT_EQ(s.cameraName, "Cam: front");
  EXPECT_EQ(s.width, 1280);
  EXPECT_EQ(s.fps, 30);
  EXPECT_EQ(s.cameraFormat, CameraFormat::kMjpg);
  s = parseOk("camera:C920:640x480");  // unquoted: a part of a name
  EXPECT_EQ(s.cameraSelect, CameraSelect::kName);
  EXPECT_EQ(s.cameraName, "C920");
  EXPECT_EQ(s.width, 640);

  s = parseOk("camera:/dev/video10:yuyv");
  EXPECT_EQ(s.cameraSelect, CameraSelect::kPath);
  EXPECT_EQ(s.path, "/dev/video10");
  EXPECT_EQ(s.cameraFormat, CameraFormat::kYuyv);

  s = parseOk("camera:0:1280x720@30:mjpg");
  EXPECT_EQ(s.cameraIndex, 0);
  EXPECT_EQ(s.cameraFormat, CameraFormat::kMjpg);
  s = parseOk("camera:1280x720@60");  // a mode of the first camera
  EXPECT_EQ(s.cameraSelect, CameraSelect::kFirst);
  EXPECT_EQ(s.width, 1280);
  EXPECT_EQ(s.fps, 60);
  s = parseOk("camera:0:@60");
  EXPECT_EQ(s.width, 0);
  EXPECT_EQ(s.fps, 60);

  auto bad = parseSourceSpec("camera:0:1280x720:mpeg");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("'mpeg' is not WIDTHxHEIGHT"));
  EXPECT_THAT(bad.error().message, HasSubstr("camera:\"HD Pro Webcam C920\""));
}

TEST(SourceSpec, ToStringRoundTrips) {
  for (const char* text :
       {"camera:0", "camera:2:640x480", "camera:1:1280x720@30", "camera", "camera:0:1280x720@30:mjpg",
        "camera:\"HD Pro Webcam C920\"", "camera:\"Cam: front\":640x480@30:yuyv", "camera:/dev/video10",
        "camera:1280x720", "camera:0:@60", "demo", "default", "video:/a/b.mp4", "image:/a/b.png",
        "folder:/a/b"}) {
    const SourceSpec s = parseOk(text);
    EXPECT_EQ(toString(s), text);
    const SourceSpec again = parseOk(toString(s));
    EXPECT_EQ(again.kind, s.kind) << text;
    EXPECT_EQ(again.cameraIndex, s.cameraIndex) << text;
    EXPECT_EQ(again.width, s.width) << text;
    EXPECT_EQ(again.height, s.height) << text;
    EXPECT_EQ(again.fps, s.fps) << text;
    EXPECT_EQ(again.path, s.path) << text;
    EXPECT_EQ(again.cameraSelect, s.cameraSelect) << text;
    EXPECT_EQ(again.cameraName, s.cameraName) << text;
    EXPECT_EQ(again.cameraFormat, s.cameraFormat) << text;
  }
  EXPECT_EQ(toString(parseOk("camera")), "camera");
  EXPECT_STREQ(toString(SourceKind::kVideoFile), "video");
  EXPECT_STREQ(toString(SourceKind::kCamera), "camera");
  EXPECT_STREQ(toString(SourceKind::kFolder), "folder");
}

// ---------------------------------------------------------------------------------------------
// toBgr8

cv::Vec3b at(const cv::Mat& m, int y, int x) {
  return m.at<cv::Vec3b>(y, x);
}

TEST(ToBgr8, Gray8) {
  cv::Mat gray(4, 5, CV_8UC1, cv::Scalar(77));
  gray.at<uchar>(1, 2) = 200;
  auto bgr = toBgr8(gray);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(bgr.value().type(), CV_8UC3);
  EXPECT_EQ(bgr.value().size(), gray.size());
  EXPECT_EQ(at(bgr.value(), 0, 0), cv::Vec3b(77, 77, 77));
  EXPECT_EQ(at(bgr.value(), 1, 2), cv::Vec3b(200, 200, 200));
}

TEST(ToBgr8, SixteenBit) {
  cv::Mat g16(2, 2, CV_16UC1, cv::Scalar(65535));
  g16.at<uint16_t>(0, 1) = 257 * 100;
  g16.at<uint16_t>(1, 0) = 0;
  auto bgr = toBgr8(g16);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(bgr.value().type(), CV_8UC3);
  EXPECT_EQ(at(bgr.value(), 0, 0), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(at(bgr.value(), 0, 1), cv::Vec3b(100, 100, 100));
  EXPECT_EQ(at(bgr.value(), 1, 0), cv::Vec3b(0, 0, 0));

  cv::Mat c16(1, 1, CV_16UC3, cv::Scalar(257 * 10, 257 * 20, 257 * 30));
  bgr = toBgr8(c16);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(at(bgr.value(), 0, 0), cv::Vec3b(10, 20, 30)) << "channel order kept";
}

TEST(ToBgr8, BgraDropsAlpha) {
  cv::Mat bgra(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  auto bgr = toBgr8(bgra);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(bgr.value().type(), CV_8UC3);
  EXPECT_EQ(at(bgr.value(), 2, 2), cv::Vec3b(10, 20, 30));
}

TEST(ToBgr8, FloatInUnitRange) {
  cv::Mat f(1, 4, CV_32FC1);
  f.at<float>(0, 0) = 0.f;
  f.at<float>(0, 1) = 0.25f;
  f.at<float>(0, 2) = 1.f;
  f.at<float>(0, 3) = 2.f;  // out of range: saturates
  auto bgr = toBgr8(f);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(at(bgr.value(), 0, 0), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(at(bgr.value(), 0, 1), cv::Vec3b(64, 64, 64));
  EXPECT_EQ(at(bgr.value(), 0, 2), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(at(bgr.value(), 0, 3), cv::Vec3b(255, 255, 255));

  cv::Mat d(1, 1, CV_64FC3, cv::Scalar(0.0, 0.5, -1.0));
  bgr = toBgr8(d);
  ASSERT_TRUE(bgr.ok());
  EXPECT_EQ(at(bgr.value(), 0, 0)[0], 0);
  EXPECT_NEAR(at(bgr.value(), 0, 0)[1], 128, 1);
  EXPECT_EQ(at(bgr.value(), 0, 0)[2], 0) << "negative values saturate at 0";
}

TEST(ToBgr8, EmptyAndUnsupported) {
  auto empty = toBgr8(cv::Mat());
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("empty"));
  EXPECT_FALSE(toBgr8(cv::Mat(2, 2, CV_8UC2, cv::Scalar(1, 2))).ok())
      << "two channels is not an image format";
}

TEST(ToBgr8, ResultIsContinuousAndOwnsItsPixels) {
  cv::Mat big(10, 10, CV_8UC3, cv::Scalar(1, 2, 3));
  cv::Mat roi = big(cv::Rect(2, 2, 4, 4));
  ASSERT_FALSE(roi.isContinuous());
  auto bgr = toBgr8(roi);
  ASSERT_TRUE(bgr.ok());
  EXPECT_TRUE(bgr.value().isContinuous());
  bgr.value().setTo(cv::Scalar(9, 9, 9));
  EXPECT_EQ(big.at<cv::Vec3b>(3, 3), cv::Vec3b(1, 2, 3)) << "the input must not be aliased";

  cv::Mat whole(4, 4, CV_8UC3, cv::Scalar(5, 6, 7));
  auto copy = toBgr8(whole);
  ASSERT_TRUE(copy.ok());
  EXPECT_NE(copy.value().data, whole.data);
}

// ---------------------------------------------------------------------------------------------
// Image and folder sources

cv::Mat solid(int value, cv::Size size = {32, 24}) {
  return cv::Mat(size, CV_8UC3, cv::Scalar::all(value));
}

void writeImage(const std::string& path, const cv::Mat& image) {
  ASSERT_TRUE(cv::imwrite(path, image)) << path;
}

TEST(ImageSource, DeliversOnceThenEnds) {
  TempDir dir;
  const std::string path = dir.file("gray16.png");
  cv::Mat g16(24, 32, CV_16UC1, cv::Scalar(257 * 40));
  writeImage(path, g16);
  auto source = ImageSource::open(path);
  ASSERT_TRUE(source.ok()) << source.error().message;
  const SourceInfo info = source.value()->info();
  EXPECT_EQ(info.width, 32);
  EXPECT_EQ(info.height, 24);
  EXPECT_EQ(info.frameCount, 1);
  EXPECT_FALSE(info.live);
  EXPECT_THAT(info.description, HasSubstr(path));

  ReadResult r = source.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame);
  EXPECT_EQ(r.image.type(), CV_8UC3);
  EXPECT_EQ(at(r.image, 5, 5), cv::Vec3b(40, 40, 40)) << "16-bit gray converted to 8-bit BGR";
  EXPECT_EQ(source.value()->read().status, ReadStatus::kEndOfStream);
  EXPECT_EQ(source.value()->read().status, ReadStatus::kEndOfStream);
}

TEST(ImageSource, ErrorsNameTheFile) {
  TempDir dir;
  const std::string missing = dir.file("missing.png");
  auto r = ImageSource::open(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(missing));
  EXPECT_THAT(r.error().message, HasSubstr("no such file"));

  const std::string corrupt = dir.file("corrupt.png");
  test::writeFile(corrupt, "this is not a PNG file at all");
  r = ImageSource::open(corrupt);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(corrupt));

  r = ImageSource::open(dir.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("folder"));
}

TEST(ImageSource, ReadImageFileConvertsBgra) {
  TempDir dir;
  const std::string path = dir.file("alpha.png");
  writeImage(path, cv::Mat(8, 8, CV_8UC4, cv::Scalar(10, 20, 30, 128)));
  auto image = readImageFile(path);
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image.value().type(), CV_8UC3);
  EXPECT_EQ(at(image.value(), 0, 0), cv::Vec3b(10, 20, 30));
}

TEST(FolderSource, NameOrderAndBadFilesSkippedAndCounted) {
  TempDir dir;
  writeImage(dir.file("b.png"), solid(20));
  writeImage(dir.file("a.jpg"), solid(10));
  writeImage(dir.file("d.bmp"), solid(40));
  test::writeFile(dir.file("notes.txt"), "not an image, not listed");
  test::writeFile(dir.file("c_corrupt.png"), std::string(200, '\x42'));  // garbage bytes
  test::writeFile(dir.file("c_empty.jpg"), "");                          // zero bytes
  {
    // A real PNG cut in half (a copy interrupted mid-way).
    writeImage(dir.file("full.tmp.png"), cv::Mat(64, 64, CV_8UC3, cv::Scalar(1, 2, 3)));
    test::writeTruncatedCopy(dir.file("full.tmp.png"), dir.file("c_truncated.png"), 0.5);
    std::filesystem::remove(dir.file("full.tmp.png"));
  }
  std::filesystem::create_directory(dir.file("e_folder.png"));  // not a file: not listed

  auto opened = FolderSource::open(dir.path().string());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto* folder = dynamic_cast<FolderSource*>(opened->get());
  ASSERT_NE(folder, nullptr);
  EXPECT_EQ(folder->info().frameCount, 6) << "the listed image files, good or not";
  EXPECT_THAT(folder->info().description, HasSubstr(dir.path().string()));

  std::vector<int> values;
  std::vector<std::string> files;
  for (;;) {
    ReadResult r = folder->read();
    if (r.status != ReadStatus::kFrame) {
      EXPECT_EQ(r.status, ReadStatus::kEndOfStream);
      break;
    }
    ASSERT_EQ(r.image.type(), CV_8UC3);
    values.push_back(r.image.at<cv::Vec3b>(0, 0)[0]);
    files.push_back(std::filesystem::path(folder->currentFile()).filename().string());
  }
  ASSERT_EQ(values.size(), 3u);
  EXPECT_NEAR(values[0], 10, 3);  // a.jpg (lossy)
  EXPECT_EQ(values[1], 20);       // b.png
  EXPECT_EQ(values[2], 40);       // d.bmp
  EXPECT_EQ(files, (std::vector<std::string>{"a.jpg", "b.png", "d.bmp"}));
  EXPECT_EQ(folder->skippedFrames(), 3) << "corrupt, empty and truncated files are skipped and counted";
}

TEST(FolderSource, UnreadableFileIsSkipped) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: file permissions cannot make a file unreadable";
  TempDir dir;
  writeImage(dir.file("a.png"), solid(10));
  writeImage(dir.file("b.png"), solid(20));
  std::filesystem::permissions(dir.file("a.png"), std::filesystem::perms::none);
  auto opened = FolderSource::open(dir.path().string());
  ASSERT_TRUE(opened.ok());
  ReadResult r = opened.value()->read();
  ASSERT_EQ(r.status, ReadStatus::kFrame);
  EXPECT_EQ(r.image.at<cv::Vec3b>(0, 0)[0], 20);
  EXPECT_EQ(opened.value()->read().status, ReadStatus::kEndOfStream);
  EXPECT_EQ(opened.value()->skippedFrames(), 1);
}

TEST(FolderSource, AllFilesBadEndsWithoutFrames) {
  TempDir dir;
  test::writeFile(dir.file("x.png"), "junk");
  auto opened = FolderSource::open(dir.path().string());
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened.value()->read().status, ReadStatus::kEndOfStream);
  EXPECT_EQ(opened.value()->skippedFrames(), 1);
}

TEST(FolderSource, FolderWithoutImagesIsAnError) {
  TempDir dir;
  test::writeFile(dir.file("readme.txt"), "no pictures here");
  auto r = FolderSource::open(dir.path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(dir.path().string()));
  EXPECT_THAT(r.error().message, HasSubstr("no image files"));

  r = FolderSource::open(dir.file("readme.txt"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not a folder"));
}

TEST(OpenSource, DispatchesOnKind) {
  TempDir dir;
  writeImage(dir.file("one.png"), solid(50));
  auto image = openSource(parseOk(dir.file("one.png")));
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image.value()->info().frameCount, 1);
  auto folder = openSource(parseOk(dir.path().string()));
  ASSERT_TRUE(folder.ok()) << folder.error().message;
  EXPECT_THAT(folder.value()->info().description, HasSubstr("folder:"));
  auto missing = openSource(parseOk("video:" + dir.file("none.mp4")));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr(dir.file("none.mp4")));
}

TEST(OpenSource, MissingCameraFailsFast) {
  if (std::filesystem::exists("/dev/video7")) GTEST_SKIP() << "this machine has a /dev/video7";
  auto r = openSource(parseOk("camera:7"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("does not exist"));
  EXPECT_THAT(r.error().message, HasSubstr("/dev/video7"));
}

// ---------------------------------------------------------------------------------------------
// Video files (written by the test itself)

class VideoFileSourceTest : public ::testing::Test {
 protected:
  static constexpr int kFrames = 120;  // long enough that a file cut in half is told from a normal end
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    aviOk_ = test::writeTestVideo(avi(), test::fourccMjpg(), kFrames);
    mp4Ok_ = test::writeTestVideo(mp4(), test::fourccMp4v(), kFrames);
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string avi() { return dir_->file("clip.avi"); }
  static std::string mp4() { return dir_->file("clip.mp4"); }

  static std::unique_ptr<TempDir> dir_;
  static bool aviOk_, mp4Ok_;
};
std::unique_ptr<TempDir> VideoFileSourceTest::dir_;
bool VideoFileSourceTest::aviOk_ = false;
bool VideoFileSourceTest::mp4Ok_ = false;

// Reads to the end; returns the frames' mean gray level in a region the moving square never covers.
std::vector<double> readAll(FrameSource& source, ReadResult* last) {
  std::vector<double> levels;
  for (;;) {
    ReadResult r = source.read();
    if (r.status != ReadStatus::kFrame) {
      *last = r;
      return levels;
    }
    EXPECT_EQ(r.image.type(), CV_8UC3);
    levels.push_back(cv::mean(r.image(cv::Rect(0, 60, r.image.cols, 60)))[1]);
  }
}

TEST_F(VideoFileSourceTest, ReadsEveryFrameInOrder) {
  for (const std::string& path : {avi(), mp4()}) {
    SCOPED_TRACE(path);
    ASSERT_TRUE(path == avi() ? aviOk_ : mp4Ok_) << "cv::VideoWriter could not write " << path;
    auto source = VideoFileSource::open(path);
    ASSERT_TRUE(source.ok()) << source.error().message;
    const SourceInfo info = source.value()->info();
    EXPECT_EQ(info.width, 160);
    EXPECT_EQ(info.height, 120);
    EXPECT_NEAR(info.fps, 24, 0.01);
    EXPECT_EQ(info.frameCount, kFrames);
    EXPECT_FALSE(info.live);
    EXPECT_THAT(info.description, HasSubstr(path));

    ReadResult last;
    const std::vector<double> levels = readAll(*source.value(), &last);
    EXPECT_EQ(last.status, ReadStatus::kEndOfStream) << last.error;
    ASSERT_EQ(static_cast<int>(levels.size()), kFrames);
    for (int i = 0; i < kFrames; ++i) {
      EXPECT_NEAR(levels[static_cast<size_t>(i)], (i * 2) % 256, 4) << "frame " << i << " out of order";
    }
    EXPECT_EQ(source.value()->skippedFrames(), 0);
  }
}

TEST_F(VideoFileSourceTest, SourceTimeAdvances) {
  ASSERT_TRUE(aviOk_);
  auto source = VideoFileSource::open(avi());
  ASSERT_TRUE(source.ok());
  double previous = -1;
  for (int i = 0; i < 10; ++i) {
    ReadResult r = source.value()->read();
    ASSERT_EQ(r.status, ReadStatus::kFrame);
    EXPECT_GT(r.sourceTimeMs, previous);
    previous = r.sourceTimeMs;
  }
  EXPECT_NEAR(previous, 9 * 1000.0 / 24, 1.0);
}

TEST_F(VideoFileSourceTest, TruncatedAviEndsWithFailure) {
  ASSERT_TRUE(aviOk_);
  const std::string cut = dir_->file("cut.avi");
  test::writeTruncatedCopy(avi(), cut, 0.5);
  auto source = VideoFileSource::open(cut);
  ASSERT_TRUE(source.ok()) << "an AVI cut in half still opens: " << source.error().message;
  ReadResult last;
  const std::vector<double> levels = readAll(*source.value(), &last);
  EXPECT_GT(levels.size(), 10u) << "the frames before the cut are delivered";
  EXPECT_LT(static_cast<int>(levels.size()), kFrames);
  EXPECT_EQ(last.status, ReadStatus::kFailed) << "a file shorter than announced is not a normal end";
  EXPECT_THAT(last.error, HasSubstr(cut));
  EXPECT_THAT(last.error, HasSubstr("truncated"));
  for (size_t i = 0; i + 1 < levels.size(); ++i) EXPECT_NEAR(levels[i], static_cast<double>(i * 2 % 256), 4);
}

// Known engine bug (reported): VideoFileSource::read() counts failed reads at the cut as frame positions
// (reached = delivered + skipped + bad), so a short file that lost fewer than ~30 frames reaches
// "announced - tolerance" and is reported as a normal end of stream: no error, exit code 0 in the CLI.
// Enable once the end test no longer counts failed reads.
TEST_F(VideoFileSourceTest, ShortTruncatedVideoIsNotANormalEnd) {
  const std::string full = dir_->file("short.avi"), cut = dir_->file("short-cut.avi");
  ASSERT_TRUE(test::writeTestVideo(full, test::fourccMjpg(), 40));
  test::writeTruncatedCopy(full, cut, 0.5);
  auto source = VideoFileSource::open(cut);
  ASSERT_TRUE(source.ok()) << source.error().message;
  ReadResult last;
  const std::vector<double> levels = readAll(*source.value(), &last);
  EXPECT_LT(levels.size(), 30u);
  EXPECT_EQ(last.status, ReadStatus::kFailed) << "only " << levels.size() << " of 40 frames were delivered";
}

TEST_F(VideoFileSourceTest, TruncatedMp4FailsWithAClearMessage) {
  ASSERT_TRUE(mp4Ok_);
  const std::string cut = dir_->file("cut.mp4");
  test::writeTruncatedCopy(mp4(), cut, 0.5);
  auto source = VideoFileSource::open(cut);
  if (!source.ok()) {
    // The index (moov atom) is at the end of the file: nothing can be decoded, and we say so at open.
    EXPECT_THAT(source.error().message, HasSubstr(cut));
    return;
  }
  ReadResult last;
  const std::vector<double> levels = readAll(*source.value(), &last);
  EXPECT_LT(static_cast<int>(levels.size()), kFrames);
  EXPECT_EQ(last.status, ReadStatus::kFailed);
  EXPECT_THAT(last.error, HasSubstr(cut));
}

TEST_F(VideoFileSourceTest, NonVideoFilesAreErrorsNamingTheFile) {
  const std::string text = dir_->file("notes.mp4");
  test::writeFile(text, "these are notes, not a video\n");
  auto r = VideoFileSource::open(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(text));

  const std::string empty = dir_->file("empty.avi");
  test::writeFile(empty, "");
  r = VideoFileSource::open(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(empty));

  const std::string missing = dir_->file("missing.mp4");
  r = VideoFileSource::open(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(missing));
  EXPECT_THAT(r.error().message, HasSubstr("no such file"));

  r = VideoFileSource::open(dir_->path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("folder"));
}

TEST(DemoSource, Has270FramesOf720x528) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  auto source = openSource(parseOk("demo"));
  ASSERT_TRUE(source.ok()) << source.error().message;
  const SourceInfo info = source.value()->info();
  EXPECT_EQ(info.width, 720);
  EXPECT_EQ(info.height, 528);
  EXPECT_EQ(info.frameCount, 270);
  EXPECT_GT(info.fps, 0);
  int frames = 0;
  for (;;) {
    ReadResult r = source.value()->read();
    if (r.status != ReadStatus::kFrame) {
      EXPECT_EQ(r.status, ReadStatus::kEndOfStream) << r.error;
      break;
    }
    ASSERT_EQ(r.image.size(), cv::Size(720, 528));
    ASSERT_EQ(r.image.type(), CV_8UC3);
    ++frames;
  }
  EXPECT_EQ(frames, 270);
  EXPECT_EQ(source.value()->skippedFrames(), 0);
}

// ---------------------------------------------------------------------------------------------
// CaptureThread, driven by scripted sources

// Frame i is a 4x4 image of gray level i % 256. Each read advances the manual clock by `readNs`, so
// the capture stamps are exact. frames < 0: never ends. failAfter >= 0: read number failAfter fails.
class ScriptedSource final : public FrameSource {
 public:
  struct Script {
    int frames = 10;
    bool live = false;
    int failAfter = -1;
    bool recovers = false;  // a live source whose reopen() succeeds
    ManualClock* clock = nullptr;
    int64_t readNs = 1'000'000;
  };
  explicit ScriptedSource(Script s) : s_(s) {}

  ReadResult read() override {
    ReadResult r;
    if (s_.clock) s_.clock->advanceNs(s_.readNs);
    if (s_.failAfter >= 0 && reads_ == s_.failAfter && !failedOnce_) {
      failedOnce_ = true;
      r.status = ReadStatus::kFailed;
      r.error = "scripted failure at read " + std::to_string(reads_);
      return r;
    }
    if (s_.frames >= 0 && reads_ >= s_.frames) {
      r.status = ReadStatus::kEndOfStream;
      return r;
    }
    r.status = ReadStatus::kFrame;
    r.image = cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(reads_ % 256));
    r.sourceTimeMs = reads_ * 10.0;
    ++reads_;
    return r;
  }
  SourceInfo info() const override {
    SourceInfo i;
    i.description = "scripted";
    i.live = s_.live;
    i.frameCount = s_.frames;
    i.width = i.height = 4;
    return i;
  }
  bool reopen() override { return s_.recovers; }

 private:
  Script s_;
  int reads_ = 0;
  bool failedOnce_ = false;
};

// Delivers a frame only when the test releases one; shutdown() ends the stream.
class GatedSource final : public FrameSource {
 public:
  void release(int n) {
    {
      std::lock_guard lock(mutex_);
      permits_ += n;
    }
    cv_.notify_all();
  }
  void shutdown() {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    cv_.notify_all();
  }
  ReadResult read() override {
    std::unique_lock lock(mutex_);
    ReadResult r;
    if (!cv_.wait_for(lock, 120s, [&] { return permits_ > 0 || shutdown_; }) || permits_ == 0) {
      r.status = ReadStatus::kEndOfStream;
      return r;
    }
    --permits_;
    r.status = ReadStatus::kFrame;
    r.image = cv::Mat(4, 4, CV_8UC3, cv::Scalar::all(next_++ % 256));
    return r;
  }
  SourceInfo info() const override {
    SourceInfo i;
    i.description = "gated";
    i.live = true;
    return i;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int permits_ = 0;
  bool shutdown_ = false;
  int next_ = 0;
};

std::unique_ptr<FrameSource> scripted(ScriptedSource::Script s) {
  return std::make_unique<ScriptedSource>(s);
}

SourceSpec fakeSpec() {
  SourceSpec s;
  s.kind = SourceKind::kVideoFile;
  s.path = "/nonexistent/scripted";
  return s;
}

// Takes frames until the capture has finished (bounded: fails the test on a stall).
std::vector<FramePtr> drain(CaptureThread& capture) {
  std::vector<FramePtr> frames;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto f = capture.next(100ms);
    if (f) {
      frames.push_back(*f);
    } else if (capture.finished()) {
      return frames;
    }
  }
  ADD_FAILURE() << "capture did not finish within 60 s";
  return frames;
}

TEST(CaptureThread, NoDropDeliversEveryFrameInOrderWithExactStamps) {
  constexpr int kFrames = 50;
  ManualClock clock(0);
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  params.queueCapacity = 3;  // far fewer than the frames: the producer must wait, not drop
  CaptureThread capture(fakeSpec(), scripted({kFrames, false, -1, false, &clock, 1'000'000}), params, clock);
  capture.start();
  const std::vector<FramePtr> frames = drain(capture);
  ASSERT_EQ(frames.size(), static_cast<size_t>(kFrames));
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]->id, i);
    EXPECT_EQ(frames[i]->image.at<cv::Vec3b>(0, 0)[0], i % 256) << "pixels of frame " << i;
    EXPECT_EQ(frames[i]->captureNs, static_cast<int64_t>(i + 1) * 1'000'000) << "stamped after its read";
    EXPECT_EQ(frames[i]->decodeNs, 1'000'000);
    EXPECT_DOUBLE_EQ(frames[i]->sourceTimeMs, static_cast<double>(i) * 10.0);
    if (i > 0) {
      EXPECT_GT(frames[i]->captureNs, frames[i - 1]->captureNs);
    }
  }
  const CaptureStats s = capture.stats();
  EXPECT_EQ(s.framesCaptured, static_cast<uint64_t>(kFrames));
  EXPECT_EQ(s.framesDropped, 0u);
  EXPECT_TRUE(s.ended);
  EXPECT_FALSE(s.failed);
  EXPECT_EQ(s.decodeMs.count, static_cast<uint64_t>(kFrames));
  EXPECT_DOUBLE_EQ(s.decodeMs.mean, 1.0);
  EXPECT_EQ(s.source, "scripted");
  EXPECT_TRUE(capture.finished());
}

TEST(CaptureThread, AutoDeliveryKeepsEveryFrameOfAFile) {
  CaptureParams params;  // kAuto + a non-live source: no drops
  params.queueCapacity = 2;
  CaptureThread capture(fakeSpec(), scripted({30, false}), params);
  capture.start();
  const auto frames = drain(capture);
  ASSERT_EQ(frames.size(), 30u);
  EXPECT_EQ(frames.back()->id, 29u);
  EXPECT_EQ(capture.stats().framesDropped, 0u);
}

TEST(CaptureThread, LatestModeWithAnAbsentConsumerKeepsOnlyTheNewest) {
  CaptureParams params;
  params.delivery = Delivery::kLatest;
  CaptureThread capture(fakeSpec(), scripted({20, false}), params);
  capture.start();
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().ended; }));
  auto f = capture.next(1s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->id, 19u) << "the newest frame wins";
  const CaptureStats s = capture.stats();
  EXPECT_EQ(s.framesCaptured, 20u);
  EXPECT_EQ(s.framesDropped, 19u);
  EXPECT_FALSE(capture.next(1ms).has_value());
  EXPECT_TRUE(capture.finished());
}

TEST(CaptureThread, AutoDeliveryDropsForLiveSources) {
  CaptureParams params;  // kAuto + a live source: latest only
  CaptureThread capture(fakeSpec(), scripted({10, true}), params);
  capture.start();
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().ended; }));
  auto f = capture.next(1s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->id, 9u);
  EXPECT_EQ(capture.stats().framesDropped, 9u);
}

TEST(CaptureThread, LatestModeWithASlowConsumerCountsDrops) {
  auto gated = std::make_unique<GatedSource>();
  GatedSource* gate = gated.get();
  CaptureParams params;
  params.delivery = Delivery::kLatest;
  CaptureThread capture(fakeSpec(), std::move(gated), params);
  capture.start();

  // Three frames arrive while the consumer is busy: the first two are replaced.
  gate->release(3);
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().framesDropped == 2; }));
  auto f = capture.next(30s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->id, 2u);

  // A consumer that keeps up loses nothing.
  gate->release(1);
  f = capture.next(30s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->id, 3u);
  EXPECT_EQ(capture.stats().framesDropped, 2u);

  gate->release(2);
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().framesDropped == 3; }));
  f = capture.next(30s);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ((*f)->id, 5u);

  gate->shutdown();
  ASSERT_TRUE(test::waitUntil([&] { return capture.finished(); }));
  const CaptureStats s = capture.stats();
  EXPECT_EQ(s.framesCaptured, 6u);
  EXPECT_EQ(s.framesDropped, 3u);
  EXPECT_EQ(s.framesCaptured - s.framesDropped, 3u) << "every frame is either delivered or counted";
}

TEST(CaptureThread, StopJoinsPromptlyWhileTheProducerIsBlocked) {
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  params.queueCapacity = 2;
  CaptureThread capture(fakeSpec(), scripted({-1, false}), params);  // endless
  capture.start();
  // Two frames queued and the third waiting in push(): the producer is blocked.
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().framesCaptured == 3; }));
  const auto t0 = std::chrono::steady_clock::now();
  capture.stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 10s) << "stop() must wake a producer blocked on a full queue";
  EXPECT_EQ(capture.stats().framesCaptured, 3u) << "nothing is read after stop()";
  EXPECT_TRUE(capture.stats().ended);
  EXPECT_FALSE(capture.stats().failed);

  // Frames handed on before stop() stay available.
  auto a = capture.next(1s);
  auto b = capture.next(1s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)->id, 0u);
  EXPECT_EQ((*b)->id, 1u);
  EXPECT_FALSE(capture.next(1ms).has_value());
  EXPECT_TRUE(capture.finished());
  capture.stop();  // idempotent
}

TEST(CaptureThread, StopWhileIdleInLatestModeAndDestructorJoins) {
  auto gated = std::make_unique<GatedSource>();
  GatedSource* gate = gated.get();
  {
    CaptureParams params;
    params.delivery = Delivery::kLatest;
    CaptureThread capture(fakeSpec(), std::move(gated), params);
    capture.start();
    capture.start();  // a second start is a no-op
    gate->release(1);
    auto f = capture.next(30s);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ((*f)->id, 0u);
    // The thread now waits inside read(); the gate must let it out for the join.
    gate->shutdown();
  }  // ~CaptureThread joins
  SUCCEED();
}

TEST(CaptureThread, MaxFramesStopsEarly) {
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  params.maxFrames = 7;
  CaptureThread capture(fakeSpec(), scripted({-1, false}), params);
  capture.start();
  const auto frames = drain(capture);
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_EQ(frames.back()->id, 6u);
  EXPECT_FALSE(capture.stats().failed);
}

TEST(CaptureThread, LoopModeRestartsTheSourceUntilMaxFrames) {
  TempDir dir;
  writeImage(dir.file("a.png"), solid(10));
  writeImage(dir.file("b.png"), solid(20));
  writeImage(dir.file("c.png"), solid(30));
  const SourceSpec spec = parseOk("folder:" + dir.path().string());
  auto source = openSource(spec);
  ASSERT_TRUE(source.ok()) << source.error().message;
  CaptureParams params;
  params.atEnd = EndBehaviour::kLoop;
  params.maxFrames = 8;
  CaptureThread capture(spec, std::move(source).value(), params);
  capture.start();
  const auto frames = drain(capture);
  ASSERT_EQ(frames.size(), 8u);
  const int expected[] = {10, 20, 30, 10, 20, 30, 10, 20};
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i]->id, i) << "ids keep counting across loops";
    EXPECT_EQ(frames[i]->image.at<cv::Vec3b>(0, 0)[0], expected[i]) << "frame " << i;
  }
  const CaptureStats s = capture.stats();
  EXPECT_EQ(s.loops, 2u);
  EXPECT_EQ(s.framesCaptured, 8u);
  EXPECT_FALSE(s.failed);
}

TEST(CaptureThread, StopEndsAnEndlessLoop) {
  TempDir dir;
  writeImage(dir.file("a.png"), solid(10));
  const SourceSpec spec = parseOk(dir.file("a.png"));
  auto source = openSource(spec);
  ASSERT_TRUE(source.ok());
  CaptureParams params;
  params.atEnd = EndBehaviour::kLoop;
  params.delivery = Delivery::kLatest;
  CaptureThread capture(spec, std::move(source).value(), params);
  capture.start();
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().loops >= 3; }));
  capture.stop();
  EXPECT_TRUE(capture.stats().ended);
  EXPECT_FALSE(capture.stats().failed);
}

TEST(CaptureThread, AFailingFileEndsAndReportsTheError) {
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  CaptureThread capture(fakeSpec(), scripted({10, false, 4}), params);
  capture.start();
  const auto frames = drain(capture);
  EXPECT_EQ(frames.size(), 4u) << "frames before the failure are kept";
  const CaptureStats s = capture.stats();
  EXPECT_TRUE(s.ended);
  EXPECT_TRUE(s.failed);
  EXPECT_EQ(s.lastError, "scripted failure at read 4");
}

TEST(CaptureThread, ALiveSourceThatFailsIsReopened) {
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;  // count every frame
  params.reconnectDelayMs = 1;
  CaptureThread capture(fakeSpec(), scripted({6, true, 3, true}), params);
  capture.start();
  const auto frames = drain(capture);
  ASSERT_EQ(frames.size(), 6u);
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(frames[i]->id, i) << "ids stay contiguous";
  const CaptureStats s = capture.stats();
  EXPECT_EQ(s.reconnects, 1u);
  EXPECT_FALSE(s.failed);
  EXPECT_FALSE(s.sourceLost);
  EXPECT_EQ(s.lastError, "scripted failure at read 3");
}

TEST(CaptureThread, ALiveSourceThatStaysLostIsReportedAndStopJoins) {
  CaptureParams params;
  params.reconnectDelayMs = 50;
  CaptureThread capture(fakeSpec(), scripted({-1, true, 2, false}), params);
  capture.start();
  ASSERT_TRUE(test::waitUntil([&] { return capture.stats().sourceLost; }));
  const auto t0 = std::chrono::steady_clock::now();
  capture.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s) << "stop() interrupts the reconnect wait";
  EXPECT_TRUE(capture.stats().sourceLost);
  EXPECT_FALSE(capture.stats().failed);
}

TEST(CaptureThread, FolderSkipsAreReported) {
  TempDir dir;
  writeImage(dir.file("a.png"), solid(10));
  test::writeFile(dir.file("b.png"), "junk");
  writeImage(dir.file("c.png"), solid(30));
  const SourceSpec spec = parseOk(dir.path().string());
  auto source = openSource(spec);
  ASSERT_TRUE(source.ok());
  CaptureThread capture(spec, std::move(source).value(), CaptureParams{});
  capture.start();
  const auto frames = drain(capture);
  EXPECT_EQ(frames.size(), 2u);
  EXPECT_EQ(capture.stats().framesSkipped, 1u);
  EXPECT_FALSE(capture.stats().failed);
}

TEST(CaptureThread, DemoClipDeliversAllFramesWithoutDrops) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  const SourceSpec spec = parseOk("demo");
  auto source = openSource(spec);
  ASSERT_TRUE(source.ok()) << source.error().message;
  CaptureThread capture(spec, std::move(source).value(), CaptureParams{});
  EXPECT_EQ(capture.sourceInfo().frameCount, 270);
  capture.start();
  const auto frames = drain(capture);
  ASSERT_EQ(frames.size(), 270u);
  for (size_t i = 1; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i]->id, i);
    ASSERT_GE(frames[i]->captureNs, frames[i - 1]->captureNs);
    // The last frame's source time is checked by the disabled test below.
    if (i + 1 < frames.size()) {
      ASSERT_GT(frames[i]->sourceTimeMs, frames[i - 1]->sourceTimeMs) << "frame " << i;
    }
  }
  EXPECT_EQ(capture.stats().framesDropped, 0u);
  EXPECT_FALSE(capture.stats().failed);
}

// Known engine bug (reported): OpenCV's FFmpeg backend gives CAP_PROP_POS_MSEC = 0 after the last frame
// of the demo clip, so VideoFileSource stamps frame 269 with sourceTimeMs 0 (time_ms goes back to 0 in
// the points file). Enable once video_file_source.cpp keeps the time moving forward.
TEST(DemoSource, SourceTimeIncreasesUpToTheLastFrame) {
  FACEFILTER_SKIP_IF_NO_DEMO();
  auto source = openSource(parseOk("demo"));
  ASSERT_TRUE(source.ok()) << source.error().message;
  double previous = -1;
  int frames = 0;
  for (ReadResult r = source.value()->read(); r.status == ReadStatus::kFrame; r = source.value()->read()) {
    EXPECT_GT(r.sourceTimeMs, previous) << "frame " << frames;
    previous = r.sourceTimeMs;
    ++frames;
  }
  EXPECT_EQ(frames, 270);
  EXPECT_NEAR(previous, 269 * 1000.0 / 23.976, 50.0);
}

}  // namespace
}  // namespace facefilter
