#include "engine/capture/v4l2/camera_list.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string_view>

namespace facefilter {
namespace {

// "video12" -> 12; -1 for other names (v4l-subdev0, vbi0, radio0 share the class folder).
int nodeNumber(const std::string& name) {
  constexpr std::string_view kPrefix = "video";
  if (name.size() <= kPrefix.size() || name.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  int n = 0;
  for (size_t i = kPrefix.size(); i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return -1;
    n = n * 10 + (name[i] - '0');
    if (n > 1'000'000) return -1;
  }
  return n;
}

std::string baseName(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// QUERYCAP's strings are fixed-size arrays, NUL-terminated unless full.
std::string capText(const uint8_t* text, size_t size) {
  const auto* p = reinterpret_cast<const char*>(text);
  return std::string(p, strnlen(p, size));
}

// v4l2loopback gives each of its nodes its own sysfs attributes (format, buffers, max_openers); a driver
// that registers a parent device shows as device/driver. Either marks the node as a loopback device, also
// when the node cannot be opened.
bool loopbackInSysfs(VideoDeviceIo& io, const std::string& sysNode) {
  if (io.exists(sysNode + "/max_openers")) return true;
  const auto driver = io.readLink(sysNode + "/device/driver");
  return driver && baseName(*driver) == "v4l2loopback";
}

}  // namespace

std::vector<VideoNode> listVideoNodes(VideoDeviceIo& io) {
  std::vector<VideoNode> out;
  for (const std::string& entry : io.listDir(kVideo4LinuxClass)) {
    const int n = nodeNumber(entry);
    if (n < 0) continue;
    const std::string sysNode = std::string(kVideo4LinuxClass) + "/" + entry;
    VideoNode node;
    node.path = "/dev/" + entry;
    node.number = n;
    node.name = io.readText(sysNode + "/name").value_or("");
    node.loopback = loopbackInSysfs(io, sysNode);
    if (const auto driver = io.readLink(sysNode + "/device/driver")) node.driver = baseName(*driver);
    out.push_back(std::move(node));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

std::vector<CameraInfo> listCameras(VideoDeviceIo& io) {
  std::vector<CameraInfo> out;
  for (const VideoNode& node : listVideoNodes(io)) {
    CameraInfo c;
    c.path = node.path;
    c.number = node.number;
    c.name = node.name;
    c.loopback = node.loopback;
    c.driver = node.driver;

    const int fd = io.openCapture(c.path);
    if (fd < 0) {
      c.problem = errnoText(-fd);
      if (fd == -EACCES)
        c.problem += " (add yourself to the `video` group: sudo usermod -aG video $USER, then log in again)";
      out.push_back(std::move(c));
      continue;
    }
    v4l2_capability cap{};
    const int r = io.queryCap(fd, cap);
    io.close(fd);
    if (r < 0) {
      c.problem = "VIDIOC_QUERYCAP: " + errnoText(-r);
      out.push_back(std::move(c));
      continue;
    }
    // device_caps describe this node; capabilities the whole device (all of a UVC camera's nodes alike).
    const uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
    c.captures = (caps & V4L2_CAP_VIDEO_CAPTURE) != 0;
    c.metadata = !c.captures && (caps & V4L2_CAP_META_CAPTURE) != 0;
    c.driver = capText(cap.driver, sizeof cap.driver);
    c.bus = capText(cap.bus_info, sizeof cap.bus_info);
    if (c.name.empty()) c.name = capText(cap.card, sizeof cap.card);
    if (c.driver == "v4l2 loopback") c.loopback = true;
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

std::string lowerText(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

// What is there, for messages: "/dev/video0 \"HD Pro Webcam C920\", /dev/video1 (metadata node)".
std::string inventory(const std::vector<CameraInfo>& all) {
  if (all.empty()) return "no video device at all";
  std::string s;
  for (const auto& c : all) {
    if (!s.empty()) s += ", ";
    s += c.path + " " + quoted(c.name);
    if (c.loopback)
      s += " (virtual camera)";
    else if (c.metadata)
      s += " (metadata node)";
    else if (!c.problem.empty())
      s += " (" + c.problem + ")";
    else if (!c.captures)
      s += " (no video capture)";
  }
  return s;
}

// A UVC camera's metadata node shares its bus with the camera's video node.
std::string videoNodeOf(const std::vector<CameraInfo>& all, const CameraInfo& metadata) {
  for (const auto& c : all)
    if (c.captures && !c.bus.empty() && c.bus == metadata.bus) return c.path;
  return "";
}

Result<CameraInfo> checkChosen(const std::vector<CameraInfo>& all, const CameraInfo& c,
                               const std::string& asked, bool byPath) {
  if (!c.problem.empty()) return makeError(asked + " (" + c.path + "): cannot be opened: " + c.problem);
  if (c.metadata) {
    const std::string video = videoNodeOf(all, c);
    return makeError(asked + " (" + c.path + ") is the metadata node of " + quoted(c.name) +
                     ", it carries no video" +
                     (video.empty() ? std::string("") : "; its video is " + video + ": use camera:" + video));
  }
  if (c.loopback && !byPath) {
    return makeError(
        asked + " (" + c.path + ") is a virtual camera (v4l2loopback" +
        (c.name.empty() ? std::string("") : ", " + quoted(c.name)) +
        "), perhaps facefilter's own output; to read it anyway name it by path: camera:" + c.path);
  }
  if (!c.captures) {
    return makeError(asked + " (" + c.path + ", " + quoted(c.name) + ") does not capture video" +
                     (c.loopback ? " yet (a virtual camera with no program writing to it)" : ""));
  }
  return c;
}

}  // namespace

Result<CameraInfo> findCamera(VideoDeviceIo& io, const SourceSpec& spec) {
  const std::vector<CameraInfo> all = listCameras(io);
  switch (spec.cameraSelect) {
    case CameraSelect::kFirst: {
      for (const auto& c : all)
        if (c.realCamera() && c.problem.empty()) return c;
      std::string why = "no camera: ";
      why += all.empty()
                 ? "the kernel lists no video device (" + std::string(kVideo4LinuxClass) + " is empty)"
                 : "none of the video devices is a camera (" + inventory(all) + ")";
      const bool denied =
          std::any_of(all.begin(), all.end(), [](const auto& c) { return !c.problem.empty(); });
      why += denied ? "; some could not be opened: see the reason beside each"
                    : "; plug one in, or choose another source (demo, a video file)";
      return makeError(why);
    }
    case CameraSelect::kNumber: {
      const std::string path = "/dev/video" + std::to_string(spec.cameraIndex);
      const std::string asked = "camera " + std::to_string(spec.cameraIndex);
      for (const auto& c : all)
        if (c.number == spec.cameraIndex) return checkChosen(all, c, asked, false);
      return makeError(asked + ": no camera at " + path + ", it does not exist (" +
                       (all.empty() ? std::string("there is no video device at all")
                                    : "video devices: " + inventory(all)) +
                       "); plug the camera in, or see `facefilter-cli cameras`");
    }
    case CameraSelect::kPath: {
      for (const auto& c : all)
        if (c.path == spec.path) return checkChosen(all, c, "camera " + spec.path, true);
      // Not a /dev/videoN name as sysfs lists it: a link such as /dev/v4l/by-id/..., asked directly.
      if (!io.exists(spec.path))
        return makeError("camera " + spec.path +
                         ": does not exist; plug the camera in, or see `facefilter-cli cameras`");
      if (const auto target = io.readLink(spec.path)) {
        const std::string node = baseName(*target);
        for (const auto& c : all)
          if ("/dev/" + node == c.path) return checkChosen(all, c, "camera " + spec.path, true);
      }
      return makeError("camera " + spec.path + ": is not a video device the kernel lists in " +
                       std::string(kVideo4LinuxClass));
    }
    case CameraSelect::kName: {
      const std::string want = lowerText(spec.cameraName);
      std::vector<const CameraInfo*> exact, partial;
      bool loopbackMatched = false;
      for (const auto& c : all) {
        const std::string name = lowerText(c.name);
        if (name.find(want) == std::string::npos) continue;
        if (c.loopback) {
          loopbackMatched = true;
          continue;  // by path only
        }
        if (!c.captures) continue;  // a metadata node has its camera's name too
        (name == want ? exact : partial).push_back(&c);
      }
      const auto& matches = exact.empty() ? partial : exact;
      const std::string asked = "camera " + quoted(spec.cameraName);
      if (matches.size() == 1) return checkChosen(all, *matches.front(), asked, false);
      if (matches.empty()) {
        return makeError(
            asked + ": no camera's name holds it (" + inventory(all) + ")" +
            (loopbackMatched ? "; a virtual camera does, but is read only when named by path" : "") +
            "; see `facefilter-cli cameras`");
      }
      // Two cameras of one model have one name: the first is taken (their bus tells them apart).
      if (exact.size() > 1) return checkChosen(all, *matches.front(), asked, false);
      std::string list;
      for (const auto* c : matches) list += (list.empty() ? "" : ", ") + c->path + " " + quoted(c->name);
      return makeError(asked + " matches several cameras (" + list +
                       "); give more of the name, or the path (camera:/dev/videoN)");
    }
  }
  return makeError("findCamera: unknown camera selection");
}

std::string describeCamera(const CameraInfo& c) {
  std::string s = c.path + "  " + (c.name.empty() ? "(no name)" : c.name) + "  (";
  s += c.driver.empty() ? "driver unknown" : c.driver;
  if (!c.bus.empty()) s += ", " + c.bus;
  s += ")";
  if (c.loopback)
    s += c.captures ? "  virtual camera (v4l2loopback)" : "  virtual camera (v4l2loopback), no producer";
  else if (c.metadata)
    s += "  metadata node, no video";
  else if (!c.captures && c.problem.empty())
    s += "  no video capture";
  if (!c.problem.empty()) s += "  cannot be asked: " + c.problem;
  return s;
}

}  // namespace facefilter
