// The frame buffer pool and the decode paths that use it: buffers come back only when nothing holds them,
// frames stay correct while a consumer keeps them and the source goes on, the steady state allocates
// nothing new, and the JPEG decoder (cameras' MJPG frames) gives the picture libjpeg gives, or a clear error.

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "engine/capture/capture_thread.hpp"
#include "engine/capture/jpeg_decode.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/bounded_queue.hpp"
#include "engine/core/frame_buffer_pool.hpp"
#include "test_support.hpp"

namespace facefilter {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

const cv::Size kFrameSize{320, 240};  // 230 KB in BGR: over the pool's minimum, so pooled

// ---------------------------------------------------------------------------------------------
// The pool itself

TEST(FrameBufferPool, AReleasedBufferIsHandedOutAgain) {
  FrameBufferPool pool;
  const uchar* first = nullptr;
  {
    cv::Mat a = pool.acquire(kFrameSize, CV_8UC3);
    ASSERT_EQ(a.size(), kFrameSize);
    ASSERT_EQ(a.type(), CV_8UC3);
    EXPECT_TRUE(a.isContinuous());
    first = a.data;
  }
  EXPECT_EQ(pool.stats().idleBuffers, 1u);
  cv::Mat b = pool.acquire(kFrameSize, CV_8UC3);
  EXPECT_EQ(b.data, first);
  const FrameBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.freshAllocations, 1u);
  EXPECT_EQ(s.reuses, 1u);
  EXPECT_EQ(s.buffersInUse, 1u);
  EXPECT_EQ(s.idleBuffers, 0u);
}

TEST(FrameBufferPool, ABufferHeldThroughACopyOrAnRoiIsNotReused) {
  FrameBufferPool pool;
  cv::Mat roi, copy;
  const uchar* held = nullptr;
  {
    cv::Mat a = pool.acquire(kFrameSize, CV_8UC3);
    a.setTo(cv::Scalar(1, 2, 3));
    held = a.data;
    roi = a(cv::Rect(10, 10, 20, 20));
  }
  {
    cv::Mat b = pool.acquire(kFrameSize, CV_8UC3);
    copy = b;  // a header copy keeps b's buffer too
    EXPECT_NE(b.data, held) << "the buffer is still held by an ROI";
    b.setTo(cv::Scalar(9, 9, 9));
  }
  cv::Mat c = pool.acquire(kFrameSize, CV_8UC3);
  EXPECT_NE(c.data, held);
  EXPECT_NE(c.data, copy.data);
  c.setTo(cv::Scalar(7, 7, 7));
  EXPECT_EQ(roi.at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3)) << "a held buffer was written through another image";
  EXPECT_EQ(copy.at<cv::Vec3b>(0, 0), cv::Vec3b(9, 9, 9));
  EXPECT_EQ(pool.stats().freshAllocations, 3u);
  roi.release();
  copy.release();
  c.release();
  EXPECT_EQ(pool.stats().buffersInUse, 0u);
  EXPECT_EQ(pool.stats().idleBuffers, 3u);
}

TEST(FrameBufferPool, SizesAreKeptApartAndSmallBuffersAreNotPooled) {
  FrameBufferPool pool;
  { cv::Mat a = pool.acquire(kFrameSize, CV_8UC3); }
  cv::Mat other = pool.acquire(cv::Size(640, 480), CV_8UC3);
  EXPECT_EQ(pool.stats().reuses, 0u) << "a 320x240 buffer must not serve a 640x480 image";
  { cv::Mat tiny = pool.acquire(cv::Size(8, 8), CV_8UC3); }
  const FrameBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.idleBuffers, 1u) << "an 8x8 image is a plain allocation";
  EXPECT_EQ(s.freshAllocations, 2u);
}

TEST(FrameBufferPool, AnImageReCreatedAtAnotherSizeStaysPooled) {
  FrameBufferPool pool;
  cv::Mat a = pool.acquire(kFrameSize, CV_8UC3);
  a.create(cv::Size(640, 480), CV_8UC3);  // through the same header: the pool's allocator again
  EXPECT_EQ(pool.stats().freshAllocations, 2u);
  EXPECT_EQ(pool.stats().idleBuffers, 1u);
  a.release();
  EXPECT_EQ(pool.stats().idleBuffers, 2u);
}

TEST(FrameBufferPool, IdleBuffersAreBoundedOldestFirstAndTrimmed) {
  FrameBufferPoolLimits limits;
  limits.maxIdleBuffers = 2;
  FrameBufferPool pool(limits);
  {
    std::vector<cv::Mat> images;
    for (int i = 0; i < 4; ++i) images.push_back(pool.acquire(kFrameSize, CV_8UC3));
  }
  EXPECT_EQ(pool.stats().idleBuffers, 2u);
  EXPECT_EQ(pool.stats().idleBytes, size_t{2} * static_cast<size_t>(kFrameSize.area()) * 3);
  pool.trim();
  EXPECT_EQ(pool.stats().idleBuffers, 0u);
  EXPECT_EQ(pool.stats().idleBytes, 0u);

  FrameBufferPoolLimits bytes;
  bytes.maxIdleBytes = static_cast<size_t>(kFrameSize.area()) * 3;  // room for one
  FrameBufferPool small(bytes);
  {
    cv::Mat a = small.acquire(kFrameSize, CV_8UC3);
    cv::Mat b = small.acquire(kFrameSize, CV_8UC3);
  }
  EXPECT_EQ(small.stats().idleBuffers, 1u);
}

// A producer fills pooled buffers with a pattern while a consumer on another thread checks each frame when
// it arrives and again when it lets it go (holding a few at a time): a buffer reused too early would change
// under the consumer. Run under ThreadSanitizer too (the CI's tsan build).
TEST(FrameBufferPool, BuffersCrossThreadsWithoutReuseWhileHeld) {
  FrameBufferPool pool;
  constexpr int kFrames = 300;
  constexpr size_t kHeld = 5;
  BoundedQueue<cv::Mat> queue(3);
  std::thread producer([&] {
    for (int i = 0; i < kFrames; ++i) {
      cv::Mat m = pool.acquire(kFrameSize, CV_8UC1);
      m.setTo(cv::Scalar(i % 251));
      m.at<uchar>(0, 0) = static_cast<uchar>(i % 256);
      if (!queue.push(std::move(m))) return;
    }
    queue.close();
  });
  std::vector<std::pair<int, cv::Mat>> held;
  int received = 0, corrupt = 0;
  auto intact = [](int i, const cv::Mat& m) {
    return m.at<uchar>(0, 0) == i % 256 &&
           m.at<uchar>(kFrameSize.height - 1, kFrameSize.width - 1) == i % 251 &&
           cv::countNonZero(m != i % 251) <= 1;
  };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = queue.pop(100ms);
    if (!m) {
      if (queue.drained()) break;
      continue;
    }
    if (!intact(received, *m)) ++corrupt;
    held.emplace_back(received++, std::move(*m));
    if (held.size() > kHeld) {
      if (!intact(held.front().first, held.front().second)) ++corrupt;
      held.erase(held.begin());
    }
  }
  producer.join();
  EXPECT_EQ(received, kFrames);
  EXPECT_EQ(corrupt, 0);
  held.clear();
  const FrameBufferPoolStats s = pool.stats();
  EXPECT_EQ(s.buffersInUse, 0u);
  // In flight at most: the queue, the one being filled, the consumer's held ones and the one it checks.
  EXPECT_LE(s.freshAllocations, 3 + 1 + kHeld + 2);
  EXPECT_EQ(s.freshAllocations + s.reuses, static_cast<uint64_t>(kFrames));
}

// ---------------------------------------------------------------------------------------------
// Video files: the frames are FFmpeg's, unchanged, and stay so while held

class PooledVideoTest : public ::testing::Test {
 protected:
  static constexpr int kFrames = 90;
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    ok_ = test::writeTestVideo(path(), test::fourccMjpg(), kFrames, kFrameSize);
    if (!ok_) return;
    cv::VideoCapture plain(path(), cv::CAP_FFMPEG);
    cv::Mat f;
    while (plain.read(f)) reference_.push_back(f.clone());
  }
  static void TearDownTestSuite() {
    reference_.clear();
    dir_.reset();
  }
  static std::string path() { return dir_->file("pooled.avi"); }

  static std::unique_ptr<test::TempDir> dir_;
  static bool ok_;
  static std::vector<cv::Mat> reference_;  // what a plain cv::VideoCapture loop decodes
};
std::unique_ptr<test::TempDir> PooledVideoTest::dir_;
bool PooledVideoTest::ok_ = false;
std::vector<cv::Mat> PooledVideoTest::reference_;

bool sameImage(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// MJPEG files are decoded by TurboJPEG from their packets, a plain cv::VideoCapture by FFmpeg: the same JPEG
// data through two IDCTs and colour conversions, within a level or two of each other.
::testing::AssertionResult samePicture(const cv::Mat& ours, const cv::Mat& ffmpeg) {
  if (ours.size() != ffmpeg.size() || ours.type() != ffmpeg.type()) {
    return ::testing::AssertionFailure() << "size or type differs";
  }
  const double psnr = cv::PSNR(ours, ffmpeg);
  if (psnr < 40) return ::testing::AssertionFailure() << "PSNR against FFmpeg's decode " << psnr << " dB";
  return ::testing::AssertionSuccess();
}

std::string decoderOf(const std::unique_ptr<FrameSource>& source) {
  const auto* video = dynamic_cast<const VideoFileSource*>(source.get());
  return video ? video->decoderName() : "not a VideoFileSource";
}

TEST_F(PooledVideoTest, EveryFrameIsTheFilesOwnAndHeldFramesStayIntact) {
  ASSERT_TRUE(ok_) << "cv::VideoWriter could not write " << path();
  ASSERT_EQ(static_cast<int>(reference_.size()), kFrames);
  auto source = VideoFileSource::open(path());
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(decoderOf(source.value()), "TurboJPEG") << "an MJPEG file is decoded from its packets";
  std::vector<cv::Mat> kept;       // every frame, held while the source goes on
  std::vector<cv::Mat> snapshots;  // a copy of each, taken when it was read
  std::set<const uchar*> buffers;
  for (;;) {
    ReadResult r = source.value()->read();
    if (r.status != ReadStatus::kFrame) {
      EXPECT_EQ(r.status, ReadStatus::kEndOfStream) << r.error;
      break;
    }
    ASSERT_EQ(r.image.type(), CV_8UC3);
    ASSERT_TRUE(r.image.isContinuous());
    EXPECT_TRUE(buffers.insert(r.image.data).second) << "frame " << kept.size() << " shares a held buffer";
    snapshots.push_back(r.image.clone());
    kept.push_back(std::move(r.image));
  }
  ASSERT_EQ(static_cast<int>(kept.size()), kFrames);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_TRUE(sameImage(kept[i], snapshots[i])) << "frame " << i << " was overwritten while held";
    EXPECT_TRUE(samePicture(kept[i], reference_[i]))
        << "frame " << i << " against a plain cv::VideoCapture read";
  }
}

TEST_F(PooledVideoTest, OtherCodecsGiveFfmpegsFramesExactly) {
  const std::string mp4 = dir_->file("pooled.mp4");
  ASSERT_TRUE(test::writeTestVideo(mp4, test::fourccMp4v(), 30, kFrameSize));
  cv::VideoCapture plain(mp4, cv::CAP_FFMPEG);
  auto source = VideoFileSource::open(mp4);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(decoderOf(source.value()), "FFmpeg");
  std::vector<cv::Mat> kept, reference;
  cv::Mat f;
  for (;;) {
    ReadResult r = source.value()->read();
    if (r.status != ReadStatus::kFrame) break;
    ASSERT_TRUE(plain.read(f));
    reference.push_back(f.clone());
    kept.push_back(std::move(r.image));
  }
  ASSERT_EQ(kept.size(), 30u);
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_TRUE(sameImage(kept[i], reference[i])) << "frame " << i;
}

TEST_F(PooledVideoTest, TheSteadyStateAllocatesNoNewBuffers) {
  ASSERT_TRUE(ok_);
  auto source = VideoFileSource::open(path());
  ASSERT_TRUE(source.ok());
  std::vector<cv::Mat> window;  // a consumer that holds the last two frames, as the engine does
  auto readSome = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ReadResult r = source.value()->read();
      ASSERT_EQ(r.status, ReadStatus::kFrame) << r.error;
      window.push_back(std::move(r.image));
      if (window.size() > 2) window.erase(window.begin());
    }
  };
  readSome(10);
  const FrameBufferPoolStats before = FrameBufferPool::shared().stats();
  readSome(60);
  const FrameBufferPoolStats after = FrameBufferPool::shared().stats();
  EXPECT_EQ(after.freshAllocations, before.freshAllocations)
      << "with two frames held, the pool's idle buffers must serve every further frame";
  EXPECT_GE(after.reuses - before.reuses, 60u) << "the frames must come from the pool";
}

// The capture thread hands frames to a consumer that keeps every third one for good and lets the others go
// at once, while the file is read as fast as possible: the kept ones must still be the file's frames at the
// end.
TEST_F(PooledVideoTest, ACaptureThreadConsumerKeepingFramesSeesThemUnchanged) {
  ASSERT_TRUE(ok_);
  SourceSpec spec;
  spec.kind = SourceKind::kVideoFile;
  spec.path = path();
  auto source = openSource(spec);
  ASSERT_TRUE(source.ok()) << source.error().message;
  CaptureParams params;
  params.delivery = Delivery::kNoDrop;
  params.queueCapacity = 4;
  CaptureThread capture(spec, std::move(source).value(), params);
  capture.start();
  std::vector<FramePtr> kept;
  std::vector<cv::Mat> snapshots;  // of the kept frames, taken when they arrived
  uint64_t received = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = capture.next(100ms);
    if (!frame) {
      if (capture.finished()) break;
      continue;
    }
    ASSERT_EQ((*frame)->id, received);
    EXPECT_TRUE(samePicture((*frame)->image, reference_[static_cast<size_t>(received)]))
        << "frame " << received;
    if (received % 3 == 0) {
      kept.push_back(*frame);
      snapshots.push_back((*frame)->image.clone());
    }
    ++received;
  }
  capture.stop();
  EXPECT_EQ(received, static_cast<uint64_t>(kFrames));
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_TRUE(sameImage(kept[i]->image, snapshots[i])) << "kept frame " << kept[i]->id << " changed";
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG (cameras' MJPG frames)

std::vector<uchar> encodeJpeg(const cv::Mat& image, int quality = 90) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, quality}));
  return bytes;
}

cv::Mat testPicture(cv::Size size) {
  cv::Mat img(size, CV_8UC3);
  cv::randu(img, 0, 255);
  cv::GaussianBlur(img, img, cv::Size(0, 0), 3);  // a natural picture's smoothness: JPEG keeps it well
  cv::rectangle(img, cv::Rect(size.width / 4, size.height / 4, size.width / 3, size.height / 3),
                cv::Scalar(20, 200, 90), cv::FILLED);
  return img;
}

TEST(JpegDecoder, GivesLibjpegsPictureInAPooledBuffer) {
  FrameBufferPool pool;
  auto decoder = JpegDecoder::create(pool);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  const cv::Mat original = testPicture(cv::Size(1280, 720));
  const std::vector<uchar> jpeg = encodeJpeg(original);
  auto bgr = decoder->decode(jpeg.data(), jpeg.size(), cv::Size(1280, 720));
  ASSERT_TRUE(bgr.ok()) << bgr.error().message;
  ASSERT_EQ(bgr->size(), cv::Size(1280, 720));
  ASSERT_EQ(bgr->type(), CV_8UC3);
  EXPECT_GT(cv::PSNR(bgr.value(), original), 30) << "colours or channel order are off";
  const cv::Mat viaOpenCv = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  EXPECT_LE(cv::norm(bgr.value(), viaOpenCv, cv::NORM_INF), 2)
      << "TurboJPEG and cv::imdecode are both libjpeg-turbo";
  EXPECT_EQ(pool.stats().buffersInUse, 1u);
  const uchar* first = bgr->data;
  bgr = Result<cv::Mat>(cv::Mat());  // the first picture is let go
  auto again = decoder->decode(jpeg.data(), jpeg.size());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->data, first) << "the released buffer is reused";
  auto held = decoder->decode(jpeg.data(), jpeg.size());
  ASSERT_TRUE(held.ok());
  EXPECT_NE(held->data, again->data);
  EXPECT_EQ(decoder->warnings(), 0u);
}

TEST(JpegDecoder, GrayJpegsComeOutAsBgr) {
  auto decoder = JpegDecoder::create();
  ASSERT_TRUE(decoder.ok());
  cv::Mat gray(120, 160, CV_8UC1, cv::Scalar(77));
  const std::vector<uchar> jpeg = encodeJpeg(gray);
  auto bgr = decoder->decode(jpeg.data(), jpeg.size());
  ASSERT_TRUE(bgr.ok()) << bgr.error().message;
  EXPECT_EQ(bgr->type(), CV_8UC3);
  EXPECT_NEAR(cv::mean(bgr.value())[0], 77, 1);
  EXPECT_NEAR(cv::mean(bgr.value())[2], 77, 1);
}

TEST(JpegDecoder, BadFramesAreErrorsThatSayWhat) {
  auto decoder = JpegDecoder::create();
  ASSERT_TRUE(decoder.ok());
  auto empty = decoder->decode(nullptr, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("empty"));

  const std::string text = "this is not a JPEG image at all";
  auto notJpeg = decoder->decode(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_FALSE(notJpeg.ok());
  EXPECT_THAT(notJpeg.error().message, HasSubstr("not a JPEG"));

  const std::vector<uchar> jpeg = encodeJpeg(testPicture(cv::Size(160, 120)));
  auto wrongSize = decoder->decode(jpeg.data(), jpeg.size(), cv::Size(640, 480));
  ASSERT_FALSE(wrongSize.ok());
  EXPECT_THAT(wrongSize.error().message, HasSubstr("160x120"));
  EXPECT_THAT(wrongSize.error().message, HasSubstr("640x480"));

  // A header that claims 40000x40000 (a damaged frame) is refused before anything is allocated.
  std::vector<uchar> huge = jpeg;
  bool patched = false;
  for (size_t i = 0; i + 8 < huge.size(); ++i) {
    if (huge[i] == 0xFF &&
        (huge[i + 1] == 0xC0 || huge[i + 1] == 0xC2)) {  // SOF0/SOF2: length, precision, h, w
      huge[i + 5] = 0x9C;
      huge[i + 6] = 0x40;
      huge[i + 7] = 0x9C;
      huge[i + 8] = 0x40;
      patched = true;
      break;
    }
  }
  ASSERT_TRUE(patched);
  const uint64_t inUse = FrameBufferPool::shared().stats().buffersInUse;
  auto tooLarge = decoder->decode(huge.data(), huge.size());
  ASSERT_FALSE(tooLarge.ok());
  EXPECT_THAT(tooLarge.error().message, HasSubstr("40000x40000"));
  EXPECT_EQ(FrameBufferPool::shared().stats().buffersInUse, inUse);
}

TEST(JpegDecoder, AFrameCutShortStillGivesAPictureAndIsCounted) {
  auto decoder = JpegDecoder::create();
  ASSERT_TRUE(decoder.ok());
  const cv::Mat original = testPicture(cv::Size(320, 240));
  std::vector<uchar> jpeg = encodeJpeg(original);
  jpeg.resize(jpeg.size() * 3 / 4);  // the end of the frame lost, as in a broken USB transfer
  auto bgr = decoder->decode(jpeg.data(), jpeg.size());
  ASSERT_TRUE(bgr.ok()) << bgr.error().message;
  EXPECT_EQ(bgr->size(), cv::Size(320, 240));
  EXPECT_EQ(decoder->warnings(), 1u);
  EXPECT_FALSE(decoder->lastWarning().empty());
  // The top of the picture, decoded before the cut, is the original's.
  EXPECT_GT(cv::PSNR(bgr.value()(cv::Rect(0, 0, 320, 60)), original(cv::Rect(0, 0, 320, 60))), 30);
}

}  // namespace
}  // namespace facefilter
