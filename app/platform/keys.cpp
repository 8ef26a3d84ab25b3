#include "app/platform/keys.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>

namespace facefilter {
namespace {

// The index ImGui 1.86 keeps the key's state under: its key map for the keys it names, the GLFW backend's
// key code (io.KeysDown[GLFW_KEY_*]) for the others.
int imguiKeyIndex(Key key) {
  switch (key) {
    case Key::kTab: return ImGui::GetKeyIndex(ImGuiKey_Tab);
    case Key::kEscape: return ImGui::GetKeyIndex(ImGuiKey_Escape);
    case Key::kC: return ImGui::GetKeyIndex(ImGuiKey_C);
    case Key::kV: return ImGui::GetKeyIndex(ImGuiKey_V);
    case Key::kB: return GLFW_KEY_B;
    case Key::kD: return GLFW_KEY_D;
    case Key::kH: return GLFW_KEY_H;
    case Key::kI: return GLFW_KEY_I;
    case Key::kP: return GLFW_KEY_P;
    case Key::kR: return GLFW_KEY_R;
    case Key::kS: return GLFW_KEY_S;
  }
  return -1;
}

}  // namespace

bool keyPressed(Key key) {
  const int index = imguiKeyIndex(key);
  return index >= 0 && ImGui::IsKeyPressed(index, /*repeat=*/false);
}

}  // namespace facefilter
