#pragma once
// Renders one picture of the scene at the video's resolution into an offscreen target: the video frame,
// the filters on every face (sprites and masks, fading with track confidence), and the debug overlays.
// The window shows the target letterboxed (aspect kept, HiDPI: framebuffer pixels); the recorder reads
// the same target back, so recordings hold what the window shows, without the panel.
// Main (GL) thread only.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/config/app_config.hpp"
#include "app/gl/shader_program.hpp"
#include "app/render/filter_library.hpp"
#include "app/render/overlay_drawer.hpp"
#include "app/render/sprite_renderer.hpp"
#include "app/render/video_texture.hpp"
#include "engine/core/frame.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

// Which filters go on which face: `all` on every face unless the face's track id has an override
// (an empty vector there means no filter on that face).
struct FilterAssignment {
  std::vector<std::string> all;
  std::map<int, std::vector<std::string>> perTrack;
  const std::vector<std::string>& forTrack(int trackId) const;
};
std::vector<std::string> splitFilterList(const std::string& commaSeparated);
std::string joinFilterList(const std::vector<std::string>& names);

struct SceneStats {
  int facesDrawn = 0;
  int spritesDrawn = 0;
  int masksDrawn = 0;
};

class SceneRenderer {
 public:
  static Result<SceneRenderer> create(const std::filesystem::path& shaderDir);

  // Uploads `frame` if it is not the one already on the GPU (by id and source).
  void setFrame(const FramePtr& frame);
  // Draws the current frame with `result` (may be null or for another frame) into the target.
  SceneStats render(const FrameResult* result, const ViewSettings& view, const FilterAssignment& filters,
                    const FilterLibrary& library);
  // Draws the target into the window's framebuffer (0), letterboxed into width x height pixels.
  void present(int framebufferWidth, int framebufferHeight) const;

  const gl::RenderTarget& target() const { return target_; }
  bool hasFrame() const { return !video_.empty(); }
  const FramePtr& frame() const { return frame_; }

 private:
  SceneRenderer(gl::ShaderProgram video, SpriteRenderer sprites);
  void drawDebug(ImDrawList& dl, const FrameResult& result, const ViewSettings& view) const;

  gl::ShaderProgram videoProgram_;
  SpriteRenderer sprites_;
  gl::VertexArray emptyVao_;
  VideoTexture video_;
  gl::RenderTarget target_;
  OverlayDrawer overlay_;
  FramePtr frame_;
};

// The rectangle (x, y, w, h in framebuffer pixels, y from the bottom) that shows a w x h picture in a
// framebuffer with its aspect kept, centred.
struct Viewport {
  int x = 0, y = 0, width = 0, height = 0;
};
Viewport letterbox(int pictureWidth, int pictureHeight, int framebufferWidth, int framebufferHeight);

}  // namespace facefilter
