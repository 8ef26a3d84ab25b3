#include "app/gl/shader_program.hpp"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "engine/core/data_paths.hpp"
#include "engine/core/logging.hpp"

namespace facefilter::gl {
namespace {

Result<std::string> readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return makeError("ShaderProgram: cannot read shader file '" + path.string() +
                     "' (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ShaderHandle {
  GLuint id = 0;
  ~ShaderHandle() {
    if (id != 0) glDeleteShader(id);
  }
};

Status compile(ShaderHandle& shader, GLenum stage, const std::string& source, const std::string& name) {
  shader.id = glCreateShader(stage);
  const char* text = source.c_str();
  glShaderSource(shader.id, 1, &text, nullptr);
  glCompileShader(shader.id);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader.id, GL_COMPILE_STATUS, &ok);
  if (ok == GL_TRUE) return Ok{};
  GLint length = 0;
  glGetShaderiv(shader.id, GL_INFO_LOG_LENGTH, &length);
  std::string log(static_cast<size_t>(std::max(length, 1)), '\0');
  glGetShaderInfoLog(shader.id, length, nullptr, log.data());
  log.resize(std::strlen(log.c_str()));
  return makeError("shader compile failed:\n" + annotateShaderLog(log, name));
}

}  // namespace

std::string annotateShaderLog(const std::string& log, const std::string& name) {
  // Mesa: "0:12(5): error: ...", NVIDIA: "0(12) : error C0000: ...", ANGLE/others: "ERROR: 0:12: ...".
  static const std::regex mesa(R"(^\s*\d+:(\d+)\(\d+\):\s*(.*)$)");
  static const std::regex nvidia(R"(^\s*\d+\((\d+)\)\s*:\s*(.*)$)");
  static const std::regex generic(R"(^\s*(?:ERROR|WARNING):\s*\d+:(\d+):\s*(.*)$)");
  std::istringstream in(log);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::smatch m;
    if (std::regex_match(line, m, mesa) || std::regex_match(line, m, nvidia) ||
        std::regex_match(line, m, generic)) {
      out += name + ":" + m[1].str() + ": " + m[2].str() + "\n";
    } else {
      out += name + ": " + line + "\n";
    }
  }
  return out;
}

Result<ShaderProgram> ShaderProgram::fromFiles(const std::filesystem::path& vertexPath,
                                               const std::filesystem::path& fragmentPath) {
  auto vs = readText(vertexPath);
  if (!vs) return vs.error();
  auto fs = readText(fragmentPath);
  if (!fs) return fs.error();
  return fromSources(vs.value(), vertexPath.string(), fs.value(), fragmentPath.string());
}

Result<ShaderProgram> ShaderProgram::fromSources(const std::string& vertexSource,
                                                 const std::string& vertexName,
                                                 const std::string& fragmentSource,
                                                 const std::string& fragmentName) {
  ShaderHandle vs, fs;
  if (auto s = compile(vs, GL_VERTEX_SHADER, vertexSource, vertexName); !s) return s.error();
  if (auto s = compile(fs, GL_FRAGMENT_SHADER, fragmentSource, fragmentName); !s) return s.error();
  Program program = Program::create();
  glAttachShader(program.id(), vs.id);
  glAttachShader(program.id(), fs.id);
  glLinkProgram(program.id());
  glDetachShader(program.id(), vs.id);
  glDetachShader(program.id(), fs.id);
  GLint ok = GL_FALSE;
  glGetProgramiv(program.id(), GL_LINK_STATUS, &ok);
  if (ok != GL_TRUE) {
    GLint length = 0;
    glGetProgramiv(program.id(), GL_INFO_LOG_LENGTH, &length);
    std::string log(static_cast<size_t>(std::max(length, 1)), '\0');
    glGetProgramInfoLog(program.id(), length, nullptr, log.data());
    return makeError("shader link failed (" + vertexName + " + " + fragmentName + "): " + log);
  }
  return ShaderProgram(std::move(program));
}

Result<std::filesystem::path> findShaderDir() {
  // $FACEFILTER_SHADER_DIR first: a developer trying shader edits on an installed program.
  if (const char* env = std::getenv("FACEFILTER_SHADER_DIR"); env != nullptr && *env != '\0') {
    std::error_code ec;
    if (std::filesystem::is_regular_file(std::filesystem::path(env) / "video.vert", ec))
      return std::filesystem::path(env);
    return makeError(std::string("findShaderDir: $FACEFILTER_SHADER_DIR is '") + env +
                     "', which holds no video.vert; unset it to use the shaders facefilter ships");
  }
  auto dir = findDataFolder(DataFolder::kShaders, "video.vert");
  if (!dir) return makeError("findShaderDir: " + dir.error().message);
  logger("render")->info("shaders from {}", dir->string());
  return dir;
}

}  // namespace facefilter::gl
