#pragma once
// GLSL programs built from shader files in `shaders/`, loaded at start. A compile or link failure is an
// Error whose message names the file and the line, e.g. "shaders/sprite.frag:12: error: ...".
// Main (GL) thread only.

#include <filesystem>
#include <string>

#include "app/gl/gl_objects.hpp"
#include "engine/core/result.hpp"

namespace facefilter::gl {

class ShaderProgram {
 public:
  // Compiles `vertexPath` and `fragmentPath` and links them.
  static Result<ShaderProgram> fromFiles(const std::filesystem::path& vertexPath,
                                         const std::filesystem::path& fragmentPath);
  // Same, from source text; `vertexName`/`fragmentName` name the sources in errors.
  static Result<ShaderProgram> fromSources(const std::string& vertexSource, const std::string& vertexName,
                                           const std::string& fragmentSource,
                                           const std::string& fragmentName);

  GLuint id() const { return program_.id(); }
  GLint uniform(const char* name) const { return glGetUniformLocation(program_.id(), name); }

 private:
  explicit ShaderProgram(Program p) : program_(std::move(p)) {}
  Program program_;
};

// Rewrites a driver's compile log ("0:12(5): error: x" from Mesa, "0(12) : error x" from NVIDIA) so that
// each message starts with "<name>:<line>: ". Pure, for tests.
std::string annotateShaderLog(const std::string& log, const std::string& name);

// The folder holding the app's shader files: $FACEFILTER_SHADER_DIR when set, else where
// engine/core/data_paths.hpp finds shaders/video.vert. The error lists the places tried.
Result<std::filesystem::path> findShaderDir();

}  // namespace facefilter::gl
