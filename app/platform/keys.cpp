#include "app/platform/keys.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>

namespace facefilter {
namespace {

// The index ImGui 1.86 keeps a letter's state under: the GLFW backend's key code (io.KeysDown[GLFW_KEY_*]),
// which for letters is the upper-case ASCII code. -1: not a letter.
int letterIndex(char letter) {
  if (letter >= 'a' && letter <= 'z') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter > 'Z') return -1;
  return GLFW_KEY_A + (letter - 'A');
}

// The keys ImGui 1.86 names, through its key map.
int imguiKeyIndex(Key key) {
  switch (key) {
    case Key::kTab:
      return ImGui::GetKeyIndex(ImGuiKey_Tab);
    case Key::kEscape:
      return ImGui::GetKeyIndex(ImGuiKey_Escape);
  }
  return -1;
}

bool pressed(int index) {
  return index >= 0 && ImGui::IsKeyPressed(index, /*repeat=*/false);
}

}  // namespace

bool keyPressed(Key key) {
  return pressed(imguiKeyIndex(key));
}

bool letterPressed(char letter) {
  return pressed(letterIndex(letter));
}

}  // namespace facefilter
