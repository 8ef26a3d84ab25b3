#include "app/platform/egl_context.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "app/gl/gl.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

std::string eglErrorText(EGLint code) {
  switch (code) {
    case EGL_SUCCESS:
      return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED:
      return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS:
      return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC:
      return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE:
      return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONFIG:
      return "EGL_BAD_CONFIG";
    case EGL_BAD_CONTEXT:
      return "EGL_BAD_CONTEXT";
    case EGL_BAD_DISPLAY:
      return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH:
      return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER:
      return "EGL_BAD_PARAMETER";
    case EGL_BAD_SURFACE:
      return "EGL_BAD_SURFACE";
    default: {
      char hex[16];
      std::snprintf(hex, sizeof hex, "0x%04x", static_cast<unsigned>(code));
      return hex;
    }
  }
}

std::string lastEglError() {
  return eglErrorText(eglGetError());
}

// Extension lists are space-separated names; a name may be the prefix of another.
bool hasExtension(const char* list, const char* name) {
  if (list == nullptr) return false;
  const size_t n = std::strlen(name);
  for (const char* p = list; (p = std::strstr(p, name)) != nullptr; p += n) {
    const bool starts = p == list || p[-1] == ' ';
    const bool ends = p[n] == '\0' || p[n] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

struct MadeContext {
  EGLContext context = EGL_NO_CONTEXT;
  EGLSurface surface = EGL_NO_SURFACE;
};

// Makes a GL 3.3 core context current on the initialised display `d`, without a surface where the display
// allows it, else on a pbuffer that is never drawn to (rendering goes to framebuffer objects).
Result<MadeContext> makeCurrentContext(EGLDisplay d) {
  const bool surfaceless = hasExtension(eglQueryString(d, EGL_EXTENSIONS), "EGL_KHR_surfaceless_context");
  if (eglBindAPI(EGL_OPENGL_API) != EGL_TRUE)
    return makeError("eglBindAPI(EGL_OPENGL_API): " + lastEglError());
  const EGLint configAttributes[] = {EGL_SURFACE_TYPE,
                                     surfaceless ? 0 : EGL_PBUFFER_BIT,
                                     EGL_RENDERABLE_TYPE,
                                     EGL_OPENGL_BIT,
                                     EGL_RED_SIZE,
                                     8,
                                     EGL_GREEN_SIZE,
                                     8,
                                     EGL_BLUE_SIZE,
                                     8,
                                     EGL_NONE};
  EGLConfig config = nullptr;
  EGLint configs = 0;
  if (eglChooseConfig(d, configAttributes, &config, 1, &configs) != EGL_TRUE || configs == 0) {
    return makeError("no config for desktop OpenGL (" + lastEglError() + ")");
  }
  // The window asks GLFW for the same: 3.3 core, forward compatible.
  const EGLint contextAttributes[] = {EGL_CONTEXT_MAJOR_VERSION,
                                      3,
                                      EGL_CONTEXT_MINOR_VERSION,
                                      3,
                                      EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                      EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                      EGL_CONTEXT_OPENGL_FORWARD_COMPATIBLE,
                                      EGL_TRUE,
                                      EGL_NONE};
  MadeContext made;
  made.context = eglCreateContext(d, config, EGL_NO_CONTEXT, contextAttributes);
  if (made.context == EGL_NO_CONTEXT) return makeError("no OpenGL 3.3 core context (" + lastEglError() + ")");
  if (!surfaceless) {
    const EGLint pbufferAttributes[] = {EGL_WIDTH, 16, EGL_HEIGHT, 16, EGL_NONE};
    made.surface = eglCreatePbufferSurface(d, config, pbufferAttributes);
    if (made.surface == EGL_NO_SURFACE) {
      const std::string why = lastEglError();
      eglDestroyContext(d, made.context);
      return makeError("no surfaceless contexts and no pbuffer (" + why + ")");
    }
  }
  if (eglMakeCurrent(d, made.surface, made.surface, made.context) != EGL_TRUE) {
    const std::string why = lastEglError();
    if (made.surface != EGL_NO_SURFACE) eglDestroySurface(d, made.surface);
    eglDestroyContext(d, made.context);
    return makeError("eglMakeCurrent: " + why);
  }
  return made;
}

// One display to try: where it came from, and the display (EGL_NO_DISPLAY when getting it failed).
struct Candidate {
  std::string origin;
  EGLDisplay display = EGL_NO_DISPLAY;
};

std::vector<Candidate> candidateDisplays(std::vector<std::string>& failures) {
  std::vector<Candidate> out;
  // NULL where the library has no client extensions (EGL 1.4 without EGL_EXT_client_extensions).
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const auto getPlatformDisplay =
      reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
  const bool platforms = getPlatformDisplay != nullptr && hasExtension(client, "EGL_EXT_platform_base");
  if (platforms && hasExtension(client, "EGL_MESA_platform_surfaceless")) {
    out.push_back({"Mesa surfaceless",
                   getPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr)});
  } else {
    failures.emplace_back("Mesa surfaceless: not offered");
  }
  const auto queryDevices =
      reinterpret_cast<PFNEGLQUERYDEVICESEXTPROC>(eglGetProcAddress("eglQueryDevicesEXT"));
  if (platforms && queryDevices != nullptr && hasExtension(client, "EGL_EXT_platform_device")) {
    EGLDeviceEXT devices[16];
    EGLint count = 0;
    if (queryDevices(16, devices, &count) != EGL_TRUE || count == 0)
      failures.emplace_back("EGL devices: none");
    for (EGLint i = 0; i < count; ++i) {
      out.push_back({"EGL device " + std::to_string(i),
                     getPlatformDisplay(EGL_PLATFORM_DEVICE_EXT, devices[i], nullptr)});
    }
  } else {
    failures.emplace_back("EGL devices: not offered");
  }
  out.push_back({"default display, pbuffer", eglGetDisplay(EGL_DEFAULT_DISPLAY)});
  return out;
}

}  // namespace

Result<std::unique_ptr<EglContext>> EglContext::create(const EglParams& params) {
  std::unique_ptr<EglContext> c(new EglContext());
  c->width_ = params.width;
  c->height_ = params.height;
  std::vector<std::string> failures;
  for (const Candidate& candidate : candidateDisplays(failures)) {
    if (candidate.display == EGL_NO_DISPLAY) {
      failures.push_back(candidate.origin + ": no display (" + lastEglError() + ")");
      continue;
    }
    EGLint major = 0, minor = 0;
    if (eglInitialize(candidate.display, &major, &minor) != EGL_TRUE) {
      failures.push_back(candidate.origin + ": eglInitialize " + lastEglError());
      continue;
    }
    auto made = makeCurrentContext(candidate.display);
    if (!made) {
      failures.push_back(candidate.origin + ": " + made.error().message);
      eglTerminate(candidate.display);
      continue;
    }
    c->display_ = candidate.display;
    c->context_ = made->context;
    c->surface_ = made->surface;
    c->origin_ = candidate.origin;
    break;
  }
  if (c->context_ == nullptr) {
    std::string tried;
    for (const std::string& f : failures) tried += (tried.empty() ? "" : "; ") + f;
    return makeError("EglContext::create: no EGL driver gives an OpenGL 3.3 core context (" + tried +
                     "). Headless without a display needs EGL: install the Debian packages libegl1 and "
                     "libegl-mesa0 (Mesa's EGL driver) or the GPU driver's EGL library; or give it a "
                     "display (xvfb-run -a facefilter --headless ...)");
  }
  const int glVersion = gladLoadGL(eglGetProcAddress);
  if (glVersion == 0 || GLAD_VERSION_MAJOR(glVersion) * 10 + GLAD_VERSION_MINOR(glVersion) < 33) {
    return makeError("EglContext::create: gladLoadGL did not load OpenGL 3.3 core functions through " +
                     c->origin_);
  }

  // Dear ImGui's OpenGL 3 backend loads its own functions through libGL.so.1's glXGetProcAddressARB. Under
  // glvnd (Debian's libGL, libEGL) those are libGLdispatch's stubs, shared with libEGL: they call into
  // whichever context is current on the thread, this EGL one included, with no X display involved.
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing of ImGui's is persisted headless
  io.DisplaySize = ImVec2(static_cast<float>(c->width_), static_cast<float>(c->height_));
  ImGui::StyleColorsDark();
  c->imguiInitialised_ = true;  // from here the destructor shuts ImGui down
  if (!ImGui_ImplOpenGL3_Init("#version 330 core")) {
    ImGui::DestroyContext();
    c->imguiInitialised_ = false;
    return makeError("EglContext::create: Dear ImGui's OpenGL 3 backend did not initialise");
  }
  logger("render")->info("OpenGL {} on {} through EGL ({})", c->glVersion(), c->glRenderer(), c->origin_);
  return c;
}

EglContext::~EglContext() {
  if (imguiInitialised_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui::DestroyContext();
  }
  if (display_ == nullptr) return;
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (surface_ != nullptr) eglDestroySurface(display_, surface_);
  if (context_ != nullptr) eglDestroyContext(display_, context_);
  eglTerminate(display_);
  eglReleaseThread();
}

void EglContext::beginImGuiFrame() {
  ImGui_ImplOpenGL3_NewFrame();
  // No platform backend: the display size is ours to set; io.DeltaTime keeps its default (nothing
  // headless is animated by ImGui).
  ImGui::GetIO().DisplaySize = ImVec2(static_cast<float>(width_), static_cast<float>(height_));
  ImGui::NewFrame();
}

FramebufferSize EglContext::framebufferSize() const {
  FramebufferSize s;
  s.width = width_;
  s.height = height_;
  return s;
}

WindowSize EglContext::windowSize() const {
  return WindowSize{width_, height_};
}

}  // namespace facefilter
