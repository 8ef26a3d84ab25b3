#include "app/render/overlay_drawer.hpp"

#include <imgui_impl_opengl3.h>

namespace facefilter {

OverlayDrawer::OverlayDrawer() : list_(std::make_unique<ImDrawList>(ImGui::GetDrawListSharedData())) {}
OverlayDrawer::~OverlayDrawer() = default;

ImDrawList& OverlayDrawer::begin(int width, int height) {
  width_ = width;
  height_ = height;
  list_->_ResetForNewFrame();
  list_->PushTextureID(ImGui::GetIO().Fonts->TexID);
  list_->PushClipRect(ImVec2(0, 0), ImVec2(static_cast<float>(width), static_cast<float>(height)));
  return *list_;
}

void OverlayDrawer::render() {
  if (list_->CmdBuffer.Size == 0 || list_->VtxBuffer.Size == 0) return;
  ImDrawList* lists[] = {list_.get()};
  ImDrawData data;
  data.Valid = true;
  data.CmdLists = lists;
  data.CmdListsCount = 1;
  data.TotalVtxCount = list_->VtxBuffer.Size;
  data.TotalIdxCount = list_->IdxBuffer.Size;
  data.DisplayPos = ImVec2(0, 0);
  data.DisplaySize = ImVec2(static_cast<float>(width_), static_cast<float>(height_));
  data.FramebufferScale = ImVec2(1, 1);
  ImGui_ImplOpenGL3_RenderDrawData(&data);
}

}  // namespace facefilter
