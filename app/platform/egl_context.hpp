#pragma once
// The GL 3.3 core context of a headless run without a display: EGL, no window and no surface (or a tiny
// pbuffer that is never drawn to), with glad loaded through eglGetProcAddress and Dear ImGui's core and
// OpenGL 3 backend (no platform backend: the display size is set here). Everything is drawn into the scene
// renderer's offscreen framebuffer, as in the hidden window, with the same renderer and shaders.
// Create one per process on the main thread; everything here is main-thread only.

#include <memory>
#include <string>

#include "app/platform/gl_context.hpp"
#include "engine/core/result.hpp"

namespace facefilter {

struct EglParams {
  int width = 1280;  // the size ImGui lays out in (nothing is shown)
  int height = 800;
};

class EglContext final : public GlContext {
 public:
  // Tries Mesa's surfaceless platform (EGL_MESA_platform_surfaceless), then each EGL device
  // (EGL_EXT_platform_device: NVIDIA's driver offers it), then the default display with a pbuffer. Fails
  // with one message naming what each try said and the Debian packages that provide EGL.
  static Result<std::unique_ptr<EglContext>> create(const EglParams& params);
  ~EglContext() override;

  void pollEvents() override {}
  void beginImGuiFrame() override;
  FramebufferSize framebufferSize() const override;
  WindowSize windowSize() const override;
  // Which try gave the context ("Mesa surfaceless", "EGL device 0", "default display, pbuffer").
  const std::string& origin() const { return origin_; }

 private:
  EglContext() = default;
  void* display_ = nullptr;  // EGLDisplay, initialised
  void* context_ = nullptr;  // EGLContext, current
  void* surface_ = nullptr;  // EGLSurface: the pbuffer where the display makes no surfaceless contexts
  int width_ = 0, height_ = 0;
  std::string origin_;
  bool imguiInitialised_ = false;
};

}  // namespace facefilter
