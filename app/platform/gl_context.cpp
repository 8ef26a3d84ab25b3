#include "app/platform/gl_context.hpp"

#include <cstdlib>

#include "app/gl/gl.hpp"

namespace facefilter {
namespace {

bool setAndNotEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

std::string glString(GLenum name) {
  const auto* v = reinterpret_cast<const char*>(glGetString(name));
  return v ? v : "?";
}

}  // namespace

bool hasDisplay() {
  return setAndNotEmpty("DISPLAY") || setAndNotEmpty("WAYLAND_DISPLAY");
}

GlPlatform resolveGlPlatform(GlPlatform requested) {
  if (requested != GlPlatform::kAuto) return requested;
  return hasDisplay() ? GlPlatform::kWindow : GlPlatform::kEgl;
}

const char* glPlatformName(GlPlatform platform) {
  switch (platform) {
    case GlPlatform::kAuto:
      return "auto";
    case GlPlatform::kEgl:
      return "egl";
    case GlPlatform::kWindow:
      return "window";
  }
  return "?";
}

std::string GlContext::glVersion() const {
  return glString(GL_VERSION);
}
std::string GlContext::glRenderer() const {
  return glString(GL_RENDERER);
}

}  // namespace facefilter
