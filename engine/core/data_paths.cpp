#include "engine/core/data_paths.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

// Both are set by engine/CMakeLists.txt; the fallbacks keep the file compilable on its own, where no
// executable counts as being in a build tree.
#ifndef FACEFILTER_SOURCE_DIR
#define FACEFILTER_SOURCE_DIR ""
#endif
#ifndef FACEFILTER_BINARY_DIR
#define FACEFILTER_BINARY_DIR ""
#endif
#ifndef FACEFILTER_DATA_FROM_BINDIR
#define FACEFILTER_DATA_FROM_BINDIR "../share/facefilter"
#endif

namespace facefilter {

namespace {

namespace fs = std::filesystem;

// The source tree keeps the shipped data under other names than the install does.
fs::path sourceTreeFolder(DataFolder folder) {
  switch (folder) {
    case DataFolder::kShaders:
      return "shaders";
    case DataFolder::kFilters:
      return fs::path("assets") / "filters";
    case DataFolder::kModels:
      return fs::path("assets") / "models";
  }
  return {};
}

// True when `path` is `dir` or lies below it; both already made absolute and normal.
bool isWithin(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (d->empty()) continue;  // the empty last element of a path ending in '/'
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

// Resolves symbolic links where the path exists, so that a build dir reached through a link still matches.
fs::path canonicalOrNormal(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

std::vector<fs::path> xdgDataDirs() {
  const char* env = std::getenv("XDG_DATA_DIRS");
  // The XDG base directory spec's default when the variable is unset or empty.
  const std::string_view value = env != nullptr && *env != '\0' ? env : "/usr/local/share:/usr/share";
  std::vector<fs::path> dirs;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string_view::npos) end = value.size();
    const fs::path entry(value.substr(start, end - start));
    // The spec says relative entries are invalid and to be ignored: they would depend on the working folder.
    if (entry.is_absolute()) dirs.push_back(entry);
    start = end + 1;
  }
  return dirs;
}

}  // namespace

const char* toString(DataFolder folder) {
  switch (folder) {
    case DataFolder::kShaders:
      return "shaders";
    case DataFolder::kFilters:
      return "filters";
    case DataFolder::kModels:
      return "models";
  }
  return "?";
}

fs::path executableDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::optional<fs::path> sourceTreeDir() {
  const std::string_view source = FACEFILTER_SOURCE_DIR, binary = FACEFILTER_BINARY_DIR;
  if (source.empty() || binary.empty()) return std::nullopt;
  const fs::path exe = executableDir();
  if (exe.empty() || !isWithin(canonicalOrNormal(exe), canonicalOrNormal(fs::path(binary))))
    return std::nullopt;
  return fs::path(source);
}

std::vector<fs::path> dataFolderCandidates(DataFolder folder) {
  std::vector<fs::path> candidates;
  const auto add = [&candidates](fs::path p) {
    p = p.lexically_normal();
    if (std::find(candidates.begin(), candidates.end(), p) == candidates.end()) candidates.push_back(p);
  };
  // The installed layout first: it is what an installed program must use even when its prefix lies inside a
  // build tree, and a build tree has no share/facefilter beside its executables' folders.
  if (const fs::path exe = executableDir(); !exe.empty())
    add(exe / FACEFILTER_DATA_FROM_BINDIR / toString(folder));
  if (const auto source = sourceTreeDir()) add(*source / sourceTreeFolder(folder));
  for (const fs::path& dir : xdgDataDirs()) add(dir / "facefilter" / toString(folder));
  return candidates;
}

Result<fs::path> findDataFolder(DataFolder folder, const std::string& file) {
  std::string tried;
  for (const fs::path& dir : dataFolderCandidates(folder)) {
    std::error_code ec;
    const bool found = file.empty() ? fs::is_directory(dir, ec) : fs::is_regular_file(dir / file, ec);
    if (found) return dir;
    tried += "\n  " + (file.empty() ? dir : dir / file).string();
  }
  const std::string what = file.empty() ? std::string("folder '") + toString(folder) + "'"
                                        : std::string("'") + toString(folder) + "/" + file + "'";
  return makeError("facefilter's data: no " + what +
                   " found (is facefilter installed completely? the data lives in <prefix>/share/facefilter "
                   "beside <prefix>/bin, or in $XDG_DATA_DIRS/facefilter); tried:" +
                   tried);
}

Result<fs::path> findDataFile(DataFolder folder, const std::string& name) {
  auto dir = findDataFolder(folder, name);
  if (!dir) return dir.error();
  return dir.value() / name;
}

}  // namespace facefilter
