#include "engine/capture/v4l2/camera_modes.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>

namespace facefilter {
namespace {

// A camera that gives 29.97 frames/s reaches an asked 30.
bool reaches(const CameraMode& m, double fps) {
  return m.fps() >= fps * 0.99;
}

bool matchesFormat(uint32_t fourcc, CameraFormat format) {
  switch (format) {
    case CameraFormat::kAuto:
      return true;
    case CameraFormat::kMjpg:
      return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG;
    case CameraFormat::kYuyv:
      return fourcc == V4L2_PIX_FMT_YUYV;
  }
  return false;
}

const char* formatName(CameraFormat format) {
  return format == CameraFormat::kMjpg ? "MJPG" : "YUYV";
}

// At one size, the uncompressed format costs no decoding: it is taken where it reaches the rate.
int formatRank(uint32_t fourcc) {
  if (fourcc == V4L2_PIX_FMT_YUYV) return 0;
  if (fourcc == V4L2_PIX_FMT_NV12) return 1;
  return 2;
}

std::string sizeText(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

double sizeDistance(const CameraMode& m, int w, int h) {
  return std::abs(std::log(static_cast<double>(m.width) / w)) +
         std::abs(std::log(static_cast<double>(m.height) / h));
}

// Sizes tried inside a stepwise or continuous range: the ones cameras and calls use.
constexpr std::array<std::pair<int, int>, 14> kCommonSizes = {{{160, 120},
                                                               {320, 240},
                                                               {424, 240},
                                                               {640, 360},
                                                               {640, 480},
                                                               {800, 600},
                                                               {960, 540},
                                                               {1024, 576},
                                                               {1280, 720},
                                                               {1280, 960},
                                                               {1600, 900},
                                                               {1920, 1080},
                                                               {2560, 1440},
                                                               {3840, 2160}}};

std::vector<std::pair<int, int>> frameSizes(VideoDeviceIo& io, int fd, uint32_t fourcc) {
  std::vector<std::pair<int, int>> sizes;
  for (uint32_t index = 0; index < 256; ++index) {
    v4l2_frmsizeenum s{};
    s.index = index;
    s.pixel_format = fourcc;
    if (io.enumFrameSizes(fd, s) < 0) break;
    if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      sizes.emplace_back(static_cast<int>(s.discrete.width), static_cast<int>(s.discrete.height));
      continue;
    }
    const auto& r = s.stepwise;
    const uint32_t stepW = std::max<uint32_t>(r.step_width, 1), stepH = std::max<uint32_t>(r.step_height, 1);
    for (const auto& [w, h] : kCommonSizes) {
      const auto uw = static_cast<uint32_t>(w), uh = static_cast<uint32_t>(h);
      if (uw < r.min_width || uw > r.max_width || uh < r.min_height || uh > r.max_height) continue;
      if ((uw - r.min_width) % stepW != 0 || (uh - r.min_height) % stepH != 0) continue;
      sizes.emplace_back(w, h);
    }
    sizes.emplace_back(static_cast<int>(r.max_width), static_cast<int>(r.max_height));
    break;  // a stepwise or continuous answer is the only one
  }
  return sizes;
}

void addIntervals(VideoDeviceIo& io, int fd, uint32_t fourcc, int w, int h, std::vector<CameraMode>& out) {
  CameraMode m;
  m.fourcc = fourcc;
  m.width = w;
  m.height = h;
  bool any = false;
  for (uint32_t index = 0; index < 256; ++index) {
    v4l2_frmivalenum iv{};
    iv.index = index;
    iv.pixel_format = fourcc;
    iv.width = static_cast<uint32_t>(w);
    iv.height = static_cast<uint32_t>(h);
    if (io.enumFrameIntervals(fd, iv) < 0) break;
    any = true;
    if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      m.intervalNumerator = iv.discrete.numerator;
      m.intervalDenominator = iv.discrete.denominator;
      out.push_back(m);
      continue;
    }
    // Stepwise or continuous: the fastest rate, 30 fps where it lies inside, the slowest.
    const auto& r = iv.stepwise;
    std::set<std::pair<uint32_t, uint32_t>> seen;
    const auto add = [&](uint32_t num, uint32_t den) {
      if (num == 0 || den == 0 || !seen.insert({num, den}).second) return;
      m.intervalNumerator = num;
      m.intervalDenominator = den;
      out.push_back(m);
    };
    add(r.min.numerator, r.min.denominator);
    const double minS = static_cast<double>(r.min.numerator) / std::max<uint32_t>(r.min.denominator, 1);
    const double maxS = static_cast<double>(r.max.numerator) / std::max<uint32_t>(r.max.denominator, 1);
    if (minS < 1.0 / 30 && 1.0 / 30 < maxS) add(1, 30);
    add(r.max.numerator, r.max.denominator);
    break;
  }
  if (!any) {
    // A driver that does not list intervals: the mode is kept with its rate unknown (0).
    m.intervalNumerator = 0;
    m.intervalDenominator = 0;
    out.push_back(m);
  }
}

}  // namespace

bool decodableFormat(uint32_t fourcc) {
  return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG || fourcc == V4L2_PIX_FMT_YUYV ||
         fourcc == V4L2_PIX_FMT_NV12;
}

bool compressedFormat(uint32_t fourcc) {
  return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG || fourcc == V4L2_PIX_FMT_H264;
}

std::string fpsText(double fps) {
  char buf[32];
  if (std::abs(fps - std::round(fps)) < 0.005)
    std::snprintf(buf, sizeof buf, "%.0f", fps);
  else
    std::snprintf(buf, sizeof buf, "%.3g", fps);
  return buf;
}

std::string describeMode(const CameraMode& m) {
  std::string s = fourccText(m.fourcc);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  s += " " + sizeText(m.width, m.height);
  s += m.fps() > 0 ? "@" + fpsText(m.fps()) : " (rate unknown)";
  return s;
}

std::string modeSpecText(const std::string& device, const CameraMode& m) {
  std::string s = "camera:" + device + ":" + sizeText(m.width, m.height);
  if (m.fps() > 0) s += "@" + std::to_string(static_cast<int>(std::lround(m.fps())));
  if (matchesFormat(m.fourcc, CameraFormat::kMjpg)) s += ":mjpg";
  if (m.fourcc == V4L2_PIX_FMT_YUYV) s += ":yuyv";
  return s;
}

Result<std::vector<CameraMode>> enumerateModes(VideoDeviceIo& io, int fd, const std::string& device) {
  std::vector<CameraMode> modes;
  int firstError = 0;
  for (uint32_t index = 0; index < 64; ++index) {
    v4l2_fmtdesc d{};
    d.index = index;
    d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    const int r = io.enumFormat(fd, d);
    if (r < 0) {
      if (index == 0) firstError = r;
      break;
    }
    for (const auto& [w, h] : frameSizes(io, fd, d.pixelformat))
      addIntervals(io, fd, d.pixelformat, w, h, modes);
  }
  if (modes.empty()) {
    return makeError(device + ": lists no video format (VIDIOC_ENUM_FMT: " +
                     (firstError < 0 && firstError != -EINVAL ? errnoText(-firstError) : "no entries") +
                     "); it is not a camera that delivers video");
  }
  return modes;
}

Result<ModeChoice> chooseMode(const std::vector<CameraMode>& modes, const ModeRequest& request) {
  std::vector<CameraMode> usable;
  std::set<std::string> others;
  for (const auto& m : modes) {
    if (decodableFormat(m.fourcc))
      usable.push_back(m);
    else
      others.insert(fourccText(m.fourcc));
  }
  if (usable.empty()) {
    std::string list;
    for (const auto& f : others) list += (list.empty() ? "" : ", ") + f;
    return makeError("the camera offers only " + (list.empty() ? std::string("no format") : list) +
                     ", none of which facefilter decodes (MJPG, YUYV, NV12)");
  }
  ModeChoice choice;
  const double fps = request.fps > 0 ? request.fps : kDefaultFps;
  choice.requestedFps = fps;
  const bool sizeAsked = request.width > 0 && request.height > 0;

  std::vector<CameraMode> candidates;
  for (const auto& m : usable)
    if (matchesFormat(m.fourcc, request.format)) candidates.push_back(m);
  std::vector<std::string> notes;
  if (candidates.empty()) {
    notes.push_back(std::string("the camera has no ") + formatName(request.format) + " mode");
    candidates = usable;
  }

  // Size preference: the asked size, else the nearest (a larger one on a tie); with no size asked, the
  // largest up to 1280x720, else the smallest above it.
  const auto sizeKey = [&](const CameraMode& m) {
    const double area = static_cast<double>(m.width) * m.height;
    if (sizeAsked) return sizeDistance(m, request.width, request.height) - area * 1e-12;
    const bool within = m.width <= kDefaultMaxWidth && m.height <= kDefaultMaxHeight;
    return within ? -area : 1e9 + area;
  };
  const bool anyReaches =
      std::any_of(candidates.begin(), candidates.end(), [&](const auto& m) { return reaches(m, fps); });
  const auto key = [&](const CameraMode& m) {
    if (anyReaches) {
      return std::make_tuple(reaches(m, fps) ? 0 : 1, sizeKey(m), formatRank(m.fourcc), m.fps());
    }
    // Nothing reaches the rate: the fastest near the size (each halving of the rate weighs as much as
    // the size off by a factor of two in both directions).
    const double shortfall = m.fps() > 0 ? std::log(fps / m.fps()) : 10.0;
    const double size = sizeAsked ? sizeDistance(m, request.width, request.height)
                                  : (m.width <= kDefaultMaxWidth && m.height <= kDefaultMaxHeight
                                         ? 0.0
                                         : sizeDistance(m, kDefaultMaxWidth, kDefaultMaxHeight));
    return std::make_tuple(0, 2 * shortfall + size, formatRank(m.fourcc), -m.fps());
  };
  choice.mode = *std::min_element(candidates.begin(), candidates.end(),
                                  [&](const auto& a, const auto& b) { return key(a) < key(b); });
  const CameraMode& c = choice.mode;

  const std::string asked =
      (sizeAsked ? sizeText(request.width, request.height) : std::string()) + "@" + fpsText(fps);
  if (sizeAsked && (c.width != request.width || c.height != request.height)) {
    const bool sizeExists = std::any_of(usable.begin(), usable.end(), [&](const auto& m) {
      return m.width == request.width && m.height == request.height;
    });
    notes.push_back(sizeExists ? sizeText(request.width, request.height) + " does not reach " + fpsText(fps) +
                                     " fps on this camera"
                               : sizeText(request.width, request.height) + " is not a size of this camera");
  }
  const bool forced = request.format != CameraFormat::kAuto;
  if (!reaches(c, fps)) {
    notes.push_back(std::string("no ") + (forced ? std::string(formatName(request.format)) + " " : "") +
                    "mode " + (sizeAsked ? "" : "up to 1280x720 ") + "reaches " + fpsText(fps) + " fps");
  }
  // A forced format that costs the size or the rate: name the mode of another format that has both.
  if (forced &&
      (!reaches(c, fps) || (sizeAsked && (c.width != request.width || c.height != request.height)))) {
    const int w = sizeAsked ? request.width : c.width, h = sizeAsked ? request.height : c.height;
    if (auto other = modeReaching(usable, w, h, fps); other && other->width == w && other->height == h)
      notes.push_back(describeMode(*other) + " would (drop :" +
                      std::string(request.format == CameraFormat::kMjpg ? "mjpg" : "yuyv") + ")");
  }
  if (!notes.empty()) {
    std::string note = "asked " + asked;
    if (request.format != CameraFormat::kAuto) note += std::string(" ") + formatName(request.format);
    note += ": ";
    for (size_t i = 0; i < notes.size(); ++i) note += (i ? "; " : "") + notes[i];
    note += "; using " + describeMode(c);
    choice.note = note;
  }
  return choice;
}

std::optional<CameraMode> modeReaching(const std::vector<CameraMode>& modes, int width, int height,
                                       double fps) {
  std::optional<CameraMode> best;
  const auto better = [&](const CameraMode& a, const CameraMode& b) {
    const double areaA = static_cast<double>(a.width) * a.height,
                 areaB = static_cast<double>(b.width) * b.height;
    const bool sameA = a.width == width && a.height == height, sameB = b.width == width && b.height == height;
    return std::make_tuple(!sameA, -areaA, formatRank(a.fourcc), a.fps()) <
           std::make_tuple(!sameB, -areaB, formatRank(b.fourcc), b.fps());
  };
  for (const auto& m : modes) {
    if (!decodableFormat(m.fourcc) || !reaches(m, fps)) continue;
    if (m.width > width || m.height > height) continue;
    if (!best || better(m, *best)) best = m;
  }
  return best;
}

}  // namespace facefilter
