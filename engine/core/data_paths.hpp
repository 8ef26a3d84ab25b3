#pragma once
// Where the programs find the data they ship: shaders, built-in filters, the keypoint model. One rule for
// the app, the CLI and the bench, in this order:
//   1. installed: <exe dir>/../share/facefilter/<folder> (the relative path from the install's bin/ to its
//      data, compiled in), the exe from /proc/self/exe, so an installed tree works wherever it is copied
//      (no install prefix is compiled in);
//   2. run from the build tree (the executable lies inside the build directory CMake configured): the source
//      tree's folders, so that edits to shaders, filters and the model are picked up without installing;
//   3. each absolute entry of $XDG_DATA_DIRS (default /usr/local/share:/usr/share) + /facefilter/<folder>.
// The first candidate that holds what the caller looks for wins. The shared test data (engine/core/data_dir)
// is not shipped and does not go through here.
//
// Any thread may call these; they read the file system and the environment, nothing else.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace facefilter {

enum class DataFolder {
  kShaders,  // installed share/facefilter/shaders; source tree shaders/
  kFilters,  // installed share/facefilter/filters; source tree assets/filters/
  kModels,   // installed share/facefilter/models; source tree assets/models/
};

// The folder's name under share/facefilter ("shaders", "filters", "models").
const char* toString(DataFolder folder);

// The folder holding the running executable (from /proc/self/exe); empty when it cannot be read.
std::filesystem::path executableDir();

// The source tree, only when the running executable lies inside the build tree it was compiled in; empty
// otherwise (an installed or copied program never reads the source tree).
std::optional<std::filesystem::path> sourceTreeDir();

// The candidate folders for `folder`, in search order; they need not exist.
std::vector<std::filesystem::path> dataFolderCandidates(DataFolder folder);

// The first candidate folder that holds the regular file `file` (e.g. kShaders, "video.vert"), or with an
// empty `file` the first that exists. The error names what was looked for and every place tried.
Result<std::filesystem::path> findDataFolder(DataFolder folder, const std::string& file = {});

// The file `name` inside the first candidate folder that holds it, e.g. (kModels, "ffnet.pt").
Result<std::filesystem::path> findDataFile(DataFolder folder, const std::string& name);

}  // namespace facefilter
