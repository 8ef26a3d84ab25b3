#pragma once
// The one owner of the window, the OpenGL context + loader, and the Dear ImGui context with its
// GLFW/OpenGL3 backends. Create one per process on the main thread; everything here is main-thread only.
// Headless mode with a display uses an invisible window: the same renderer, nothing shown (without a
// display it uses EglContext instead: egl_context.hpp).

#include <memory>
#include <string>

#include "app/platform/gl_context.hpp"
#include "engine/core/result.hpp"

struct GLFWwindow;

namespace facefilter {

enum class WindowVisibility { kShown, kHidden };
enum class VSync { kOn, kOff };

struct WindowParams {
  std::string title = "facefilter";
  int width = 1280;  // window (screen) units; the framebuffer may be larger on HiDPI screens
  int height = 800;
  WindowVisibility visibility = WindowVisibility::kShown;
  VSync vsync = VSync::kOn;
  bool imguiIniFile = false;  // ImGui's own layout file; off: our config file holds what we persist
};

class AppWindow final : public GlContext {
 public:
  // Fails with a message naming what is missing (no DISPLAY, no GL 3.3 core context, loader failure).
  static Result<std::unique_ptr<AppWindow>> create(const WindowParams& params);
  ~AppWindow() override;

  bool shouldClose() const;
  void requestClose();
  void pollEvents() override;
  // Starts an ImGui frame (call once per frame after pollEvents) and ends it with renderImGui().
  void beginImGuiFrame() override;
  void renderImGui();  // draws ImGui into the default framebuffer
  void swapBuffers();

  FramebufferSize framebufferSize() const override;
  WindowSize windowSize() const override;
  GLFWwindow* handle() const { return window_; }

 private:
  AppWindow() = default;
  GLFWwindow* window_ = nullptr;
  bool glfwInitialised_ = false;
  bool imguiInitialised_ = false;
};

}  // namespace facefilter
