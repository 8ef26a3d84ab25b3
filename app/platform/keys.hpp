#pragma once
// The app's keyboard shortcuts as Dear ImGui reports them. ImGui 1.86 names only the keys its own widgets
// use (ImGuiKey_Tab, ImGuiKey_Escape, ImGuiKey_A/C/V/X/Y/Z, ...) and indexes every other key by the
// backend's code (GLFW_KEY_*); this file is the one place that knows how each key is looked up, so an ImGui
// with a named key for every letter (1.87+) or another backend changes only keys.cpp.
// Main thread, inside an ImGui frame.

namespace facefilter {

enum class Key { kTab, kEscape };

// True in the frame the key went down (held keys do not repeat).
bool keyPressed(Key key);

// The same for a letter key, 'A'..'Z' in either case (the settings table names shortcuts by letter);
// false for anything else.
bool letterPressed(char letter);

}  // namespace facefilter
