#pragma once
// What the session's code shared by both modes needs from the owner of the OpenGL context and the Dear ImGui
// context: the window (AppWindow: interactive, or headless where there is a display) or, headless without
// a display, EGL (EglContext). Main thread only, like the owners themselves.

#include <string>

namespace facefilter {

struct FramebufferSize {
  int width = 0;  // pixels
  int height = 0;
  float scaleX = 1;  // framebuffer pixels per window unit (2 on a typical HiDPI screen)
  float scaleY = 1;
};

struct WindowSize {
  int width = 0;  // window (screen) units
  int height = 0;
};

// How a headless run makes its GL context. kAuto: EGL when there is no display (hasDisplay()), else the
// hidden window. An interactive run always has the window.
enum class GlPlatform { kAuto, kEgl, kWindow };

// DISPLAY or WAYLAND_DISPLAY is set and not empty.
bool hasDisplay();
// kAuto resolved with hasDisplay(); the others as they are.
GlPlatform resolveGlPlatform(GlPlatform requested);
const char* glPlatformName(GlPlatform platform);  // "auto", "egl", "window"

class GlContext {
 public:
  virtual ~GlContext() = default;
  GlContext() = default;
  GlContext(const GlContext&) = delete;
  GlContext& operator=(const GlContext&) = delete;

  // Window events (none without a window).
  virtual void pollEvents() = 0;
  // Starts an ImGui frame; the caller ends it (ImGui::EndFrame, or the window's renderImGui).
  virtual void beginImGuiFrame() = 0;
  // The default framebuffer's size; without a window, the size ImGui lays out in (nothing is shown).
  virtual FramebufferSize framebufferSize() const = 0;
  virtual WindowSize windowSize() const = 0;
  // GL_VERSION and GL_RENDERER of the current context.
  std::string glVersion() const;
  std::string glRenderer() const;
};

}  // namespace facefilter
