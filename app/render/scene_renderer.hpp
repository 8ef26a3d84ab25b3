#pragma once
// Renders one picture of the scene at the video's resolution into an offscreen target: the video frame,
// the filters on every face (sprites and masks, fading with track confidence), and the debug overlays.
// Two debug views change the picture itself: "raw vs smoothed" splits it into two zoomed panels (raw
// keypoints left, smoothed right, filters left out), and "crop" adds an inset per face showing the image the
// CNN was fed (the warped crop, at the model's input size and colour).
// The window shows the target letterboxed (aspect kept, HiDPI: framebuffer pixels); the recorder reads
// the same target back, so recordings hold what the window shows, without the panel.
// Main (GL) thread only.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/gl/shader_program.hpp"
#include "app/render/filter_library.hpp"
#include "app/render/model_renderer.hpp"
#include "app/render/overlay_drawer.hpp"
#include "app/render/shade_mask_renderer.hpp"
#include "app/render/sprite_renderer.hpp"
#include "app/render/video_texture.hpp"
#include "engine/core/frame.hpp"
#include "engine/pipeline/frame_result.hpp"
#include "settings/app_config.hpp"

namespace facefilter {

// Which filters go on which face: `all` on every face unless the face's track id has an override
// (an empty vector there means no filter on that face).
struct FilterAssignment {
  std::vector<std::string> all;
  std::map<int, std::vector<std::string>> perTrack;
  const std::vector<std::string>& forTrack(int trackId) const;
  bool operator==(const FilterAssignment&) const = default;
};
std::vector<std::string> splitFilterList(const std::string& commaSeparated);
std::string joinFilterList(const std::vector<std::string>& names);

// The CNN's input, for the crop view: its side in pixels and its channels (1 = gray). size 0: no inset.
struct CnnInput {
  int size = 0;
  int channels = 1;
};

struct SceneStats {
  int facesDrawn = 0;
  int spritesDrawn = 0;
  int masksDrawn = 0;
  int modelsDrawn = 0;  // 3D models, counted once per face they are drawn on
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
  // What the crop view shows (set when a model is loaded).
  void setCnnInput(CnnInput input) { cnnInput_ = input; }

  const gl::RenderTarget& target() const { return target_; }
  bool hasFrame() const { return !video_.empty(); }
  const FramePtr& frame() const { return frame_; }

 private:
  struct CropInset {
    gl::Texture texture;
    int size = 0;
    int trackId = 0;
    uint64_t frameId = 0;
    CropWindow window;  // target pixels
    float presence = -1;
  };

  SceneRenderer(gl::ShaderProgram video, gl::ShaderProgram present, SpriteRenderer sprites,
                ShadeMaskRenderer shadeMasks, ModelRenderer models);
  void drawDebug(ImDrawList& dl, const FrameResult& result, const ViewSettings& view) const;
  void drawSideBySide(ImDrawList& dl, const FrameResult& result);
  void updateCropInsets(const FrameResult& result);
  void drawCropInsets(ImDrawList& dl) const;

  gl::ShaderProgram videoProgram_;
  gl::ShaderProgram presentProgram_;
  SpriteRenderer sprites_;
  ShadeMaskRenderer shadeMasks_;
  ModelRenderer models_;
  gl::VertexArray emptyVao_;
  VideoTexture video_;
  gl::RenderTarget target_;
  OverlayDrawer overlay_;
  FramePtr frame_;
  CnnInput cnnInput_;
  std::vector<CropInset> crops_;
  size_t cropsShown_ = 0;
  std::optional<cv::Rect2f>
      zoomRegion_;  // the raw-vs-smoothed panels' region, kept while the face stays in it
};

// The rectangle (x, y, w, h in framebuffer pixels, y from the bottom) that shows a w x h picture in a
// framebuffer with its aspect kept, centred.
struct Viewport {
  int x = 0, y = 0, width = 0, height = 0;
};
Viewport letterbox(int pictureWidth, int pictureHeight, int framebufferWidth, int framebufferHeight);

// The raw-vs-smoothed view: the target split into two halves, each showing `region` of the frame
// (target pixels, as the video is drawn) letterboxed into `left` / `right`.
struct SideBySideLayout {
  cv::Rect2f region;
  cv::Rect2f leftHalf, rightHalf;  // the two halves of the target
  cv::Rect2f left, right;          // where the region lands in each half
  cv::Point2f toLeft(cv::Point2f p) const;
  cv::Point2f toRight(cv::Point2f p) const;
};
SideBySideLayout sideBySideLayout(int targetWidth, int targetHeight, const cv::Rect2f& region);

// The region to zoom to for faces whose keypoints lie in `faceBounds`: centred on them, 1.6 times as large,
// of the panels' aspect (width / height), inside the frame where it fits.
cv::Rect2f zoomRegion(const cv::Rect2f& faceBounds, float panelAspect, cv::Size frame);
// Keeps `previous` while the faces stay well inside it and its size still suits them, so that the zoomed
// view holds still and the keypoints' own motion (what the view is for) is what moves.
cv::Rect2f steadyZoomRegion(const std::optional<cv::Rect2f>& previous, const cv::Rect2f& faceBounds,
                            float panelAspect, cv::Size frame);

// Where the crop inset number `index` goes in a target of that size (top-right corner, stacked downwards);
// an empty rectangle when it does not fit.
cv::Rect cropInsetRect(int targetWidth, int targetHeight, int index);

}  // namespace facefilter
