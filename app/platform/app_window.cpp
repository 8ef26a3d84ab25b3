#include "app/platform/app_window.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <cstdlib>
#include <mutex>

#include "app/gl/gl.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {
namespace {

// GLFW reports errors through a global callback; keep the last one for our error message.
std::mutex gGlfwErrorMutex;
std::string gGlfwLastError;

void onGlfwError(int code, const char* description) {
  {
    std::lock_guard lock(gGlfwErrorMutex);
    gGlfwLastError = std::to_string(code) + ": " + (description ? description : "");
  }
  logger("render")->warn("GLFW error {}", gGlfwLastError);
}

std::string lastGlfwError() {
  std::lock_guard lock(gGlfwErrorMutex);
  return gGlfwLastError.empty() ? std::string("no detail") : gGlfwLastError;
}

}  // namespace

Result<std::unique_ptr<AppWindow>> AppWindow::create(const WindowParams& params) {
  glfwSetErrorCallback(onGlfwError);
  std::unique_ptr<AppWindow> w(new AppWindow());
  if (glfwInit() != GLFW_TRUE) {
    const char* display = std::getenv("DISPLAY");
    return makeError(
        "AppWindow::create: glfwInit failed (" + lastGlfwError() +
        "); DISPLAY=" + (display ? display : "<unset>") +
        ". Run under a desktop session or xvfb-run -a; facefilter --headless ... needs no display");
  }
  w->glfwInitialised_ = true;
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  glfwWindowHint(GLFW_VISIBLE, params.visibility == WindowVisibility::kShown ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);  // HiDPI: window units follow the content scale
  glfwWindowHint(GLFW_RESIZABLE, GLFW_TRUE);
  w->window_ = glfwCreateWindow(params.width, params.height, params.title.c_str(), nullptr, nullptr);
  if (w->window_ == nullptr) {
    return makeError("AppWindow::create: cannot create a window with an OpenGL 3.3 core context (" +
                     lastGlfwError() + "); check the GPU driver (glxinfo | grep 'core profile')");
  }
  glfwMakeContextCurrent(w->window_);
  if (gladLoadGL(glfwGetProcAddress) == 0) {
    return makeError("AppWindow::create: gladLoadGL failed to load OpenGL 3.3 core functions");
  }
  glfwSwapInterval(params.vsync == VSync::kOn ? 1 : 0);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  if (!params.imguiIniFile) io.IniFilename = nullptr;
  ImGui::StyleColorsDark();
  float xscale = 1, yscale = 1;
  glfwGetWindowContentScale(w->window_, &xscale, &yscale);
  if (xscale > 1.01f) {
    ImGui::GetStyle().ScaleAllSizes(xscale);
    io.FontGlobalScale = xscale;
  }
  if (!ImGui_ImplGlfw_InitForOpenGL(w->window_, true) || !ImGui_ImplOpenGL3_Init("#version 330 core")) {
    return makeError("AppWindow::create: Dear ImGui backend initialisation failed");
  }
  w->imguiInitialised_ = true;
  logger("render")->info("OpenGL {} on {}", w->glVersion(), w->glRenderer());
  return w;
}

AppWindow::~AppWindow() {
  if (imguiInitialised_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_ != nullptr) glfwDestroyWindow(window_);
  if (glfwInitialised_) glfwTerminate();
}

bool AppWindow::shouldClose() const {
  return glfwWindowShouldClose(window_) == GLFW_TRUE;
}
void AppWindow::requestClose() {
  glfwSetWindowShouldClose(window_, GLFW_TRUE);
}
void AppWindow::pollEvents() {
  glfwPollEvents();
}

void AppWindow::beginImGuiFrame() {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void AppWindow::renderImGui() {
  ImGui::Render();
  const FramebufferSize fb = framebufferSize();
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  glViewport(0, 0, fb.width, fb.height);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void AppWindow::swapBuffers() {
  glfwSwapBuffers(window_);
}

FramebufferSize AppWindow::framebufferSize() const {
  FramebufferSize s;
  int ww = 0, wh = 0;
  glfwGetFramebufferSize(window_, &s.width, &s.height);
  glfwGetWindowSize(window_, &ww, &wh);
  if (ww > 0 && wh > 0) {
    s.scaleX = static_cast<float>(s.width) / static_cast<float>(ww);
    s.scaleY = static_cast<float>(s.height) / static_cast<float>(wh);
  }
  return s;
}

WindowSize AppWindow::windowSize() const {
  WindowSize s;
  glfwGetWindowSize(window_, &s.width, &s.height);
  return s;
}

}  // namespace facefilter
