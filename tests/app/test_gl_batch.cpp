// End to end: `facefilter --headless --input in.avi --filter sunglasses --record out.mp4` renders EVERY input
// frame under Xvfb (a hidden GLFW window) and writes them all, then exits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "test_support.hpp"

TEST(HeadlessBatch, RecordsEveryInputFrame) {
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0') GTEST_SKIP() << "no DISPLAY: run under xvfb-run -a";
  const auto dir = facefilter::test::freshTempDir("batch");
  const auto input = dir / "in.avi";
  const int frames = 37;
  {
    cv::VideoWriter w(input.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, cv::Size(320, 240));
    ASSERT_TRUE(w.isOpened());
    for (int i = 0; i < frames; ++i) {
      cv::Mat f(240, 320, CV_8UC3, cv::Scalar(40, 40, 40));
      cv::circle(f, {20 + i * 7, 120}, 15, {0, 200, 255}, -1);
      w.write(f);
    }
  }
  const auto out = dir / "out.mp4";
  const std::string cmd = std::string(FACEFILTER_TEST_APP_EXE) +
                          " --headless --no-config --log-level warn --input '" + input.string() +
                          "' --filter sunglasses --model '" FACEFILTER_TEST_APP_MODEL "' --record '" +
                          out.string() + "' 2>'" + (dir / "log.txt").string() + "'";
  const int rc = std::system(cmd.c_str());
  std::ifstream log(dir / "log.txt");
  const std::string logText((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  ASSERT_EQ(rc, 0) << logText;
  cv::VideoCapture cap(out.string());
  ASSERT_TRUE(cap.isOpened());
  int n = 0;
  cv::Mat f, last;
  while (cap.read(f)) {
    ++n;
    last = f.clone();
  }
  EXPECT_EQ(n, frames) << logText;
  EXPECT_EQ(last.cols, 320);
  // The last frame shows the circle where the last input frame had it (orientation, order).
  const cv::Vec3b c = last.at<cv::Vec3b>(120, 20 + (frames - 1) * 7);
  EXPECT_GT(c[2], 200);
  EXPECT_NE(logText.find("0 dropped"), std::string::npos) << logText;
  // The landmark sidecar has one line per frame.
  std::ifstream side(dir / "out.landmarks.jsonl");
  int lines = 0;
  for (std::string line; std::getline(side, line);) ++lines;
  EXPECT_EQ(lines, frames);
  std::filesystem::remove_all(dir);
}
