#include "engine/capture/camera_source.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/capture/video_file_source.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {

Result<std::unique_ptr<FrameSource>> openSource(const SourceSpec& spec) {
  switch (spec.kind) {
    case SourceKind::kDefault: {
      SourceSpec camera;
      camera.kind = SourceKind::kCamera;
      auto opened = CameraSource::open(camera);
      if (opened) return opened;
      logger("capture")->warn("{}; falling back to the demo clip", opened.error().message);
      auto demo = VideoFileSource::open(kDemoVideoPath);
      if (!demo) {
        return makeError(opened.error().message + "; and the demo clip is missing too (" +
                         demo.error().message + "): install Debian's opencv-doc package");
      }
      return demo;
    }
    case SourceKind::kCamera:
      return CameraSource::open(spec);
    case SourceKind::kDemo: {
      auto demo = VideoFileSource::open(spec.path.empty() ? kDemoVideoPath : spec.path);
      if (!demo)
        return makeError(demo.error().message + ": install Debian's opencv-doc package for the demo clip");
      return demo;
    }
    case SourceKind::kVideoFile:
      return VideoFileSource::open(spec.path);
    case SourceKind::kImage:
      return ImageSource::open(spec.path);
    case SourceKind::kFolder:
      return FolderSource::open(spec.path);
  }
  return makeError("openSource: unknown source kind");
}

}  // namespace facefilter
