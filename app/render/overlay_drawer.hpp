#pragma once
// Debug overlays (points, indices, boxes, crops, raw detections, pose axes) drawn with an ImGui draw list
// in frame pixels and rendered into the bound scene target, so they are recorded with the video.
// Needs the ImGui context (AppWindow) and one ImGui frame begun before the first use. Main thread only.

#include <memory>

#include <imgui.h>

namespace facefilter {

class OverlayDrawer {
 public:
  OverlayDrawer();
  ~OverlayDrawer();
  OverlayDrawer(const OverlayDrawer&) = delete;
  OverlayDrawer& operator=(const OverlayDrawer&) = delete;
  OverlayDrawer(OverlayDrawer&&) noexcept = default;
  OverlayDrawer& operator=(OverlayDrawer&&) noexcept = default;

  // Starts a new list for a target of width x height pixels.
  ImDrawList& begin(int width, int height);
  // Renders the list into the bound framebuffer (viewport 0,0,width,height).
  void render();

 private:
  std::unique_ptr<ImDrawList> list_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace facefilter
