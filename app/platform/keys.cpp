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

// Named keys through ImGui's key map, letters as above.
int imguiKeyIndex(Key key) {
  switch (key) {
    case Key::kTab:
      return ImGui::GetKeyIndex(ImGuiKey_Tab);
    case Key::kEscape:
      return ImGui::GetKeyIndex(ImGuiKey_Escape);
    case Key::kB:
      return letterIndex('B');
    case Key::kC:
      return letterIndex('C');
    case Key::kD:
      return letterIndex('D');
    case Key::kH:
      return letterIndex('H');
    case Key::kI:
      return letterIndex('I');
    case Key::kP:
      return letterIndex('P');
    case Key::kR:
      return letterIndex('R');
    case Key::kS:
      return letterIndex('S');
    case Key::kV:
      return letterIndex('V');
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
