// engine/core/data_paths: where the programs find their shipped data. This test runs from the build tree, so
// the source tree's folders serve; tests/install covers an installed, moved tree.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "engine/core/data_paths.hpp"

namespace fs = std::filesystem;
using namespace facefilter;

namespace {

// Sets (or with nullopt unsets) an environment variable for one test, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

fs::path sourceDir() {
  return fs::weakly_canonical(FACEFILTER_TEST_SOURCE_DIR);
}

// A fresh folder under the system's temporary folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("facefilter-data-paths-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST(DataPaths, FromTheBuildTreeTheSourceTreeServes) {
  const auto source = sourceTreeDir();
  ASSERT_TRUE(source.has_value()) << "this test runs from the build tree";
  EXPECT_EQ(fs::weakly_canonical(*source), sourceDir());

  auto shaders = findDataFolder(DataFolder::kShaders, "video.vert");
  ASSERT_TRUE(shaders) << shaders.error().message;
  EXPECT_EQ(fs::weakly_canonical(shaders.value()), sourceDir() / "shaders");

  auto filters = findDataFolder(DataFolder::kFilters);
  ASSERT_TRUE(filters) << filters.error().message;
  EXPECT_EQ(fs::weakly_canonical(filters.value()), sourceDir() / "assets" / "filters");

  auto model = findDataFile(DataFolder::kModels, "ffnet.pt");
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_EQ(fs::weakly_canonical(model.value()), sourceDir() / "assets" / "models" / "ffnet.pt");
}

TEST(DataPaths, InstalledLayoutFirstThenSourceThenXdgDataDirs) {
  const ScopedEnv xdg("XDG_DATA_DIRS", "/opt/a:relative/ignored::/opt/b/");
  const auto c = dataFolderCandidates(DataFolder::kModels);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], (executableDir() / ".." / "share" / "facefilter" / "models").lexically_normal());
  EXPECT_EQ(fs::weakly_canonical(c[1]), sourceDir() / "assets" / "models");
  EXPECT_EQ(c[2], fs::path("/opt/a/facefilter/models"));
  EXPECT_EQ(c[3], fs::path("/opt/b/facefilter/models"));
}

TEST(DataPaths, XdgDataDirsDefaultsWhenUnsetOrEmpty) {
  for (const std::optional<std::string>& value :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    const ScopedEnv xdg("XDG_DATA_DIRS", value);
    const auto c = dataFolderCandidates(DataFolder::kShaders);
    ASSERT_EQ(c.size(), 4u);
    EXPECT_EQ(c[2], fs::path("/usr/local/share/facefilter/shaders"));
    EXPECT_EQ(c[3], fs::path("/usr/share/facefilter/shaders"));
  }
}

TEST(DataPaths, XdgDataDirsServeWhatTheEarlierPlacesLack) {
  TempDir tmp;
  fs::create_directories(tmp.path / "facefilter" / "filters");
  std::ofstream(tmp.path / "facefilter" / "filters" / "only-here.json") << "{}";
  const ScopedEnv xdg("XDG_DATA_DIRS", "/nonexistent-facefilter-dir:" + tmp.path.string());
  auto found = findDataFile(DataFolder::kFilters, "only-here.json");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found.value(), tmp.path / "facefilter" / "filters" / "only-here.json");
}

TEST(DataPaths, NothingFoundListsEveryPlaceTried) {
  const ScopedEnv xdg("XDG_DATA_DIRS", "/nonexistent-facefilter-dir");
  auto missing = findDataFile(DataFolder::kModels, "no-such-model.pt");
  ASSERT_FALSE(missing);
  const std::string& m = missing.error().message;
  EXPECT_NE(m.find("'models/no-such-model.pt'"), std::string::npos) << m;
  for (const fs::path& c : dataFolderCandidates(DataFolder::kModels)) {
    EXPECT_NE(m.find((c / "no-such-model.pt").string()), std::string::npos) << c << " not in: " << m;
  }
  EXPECT_NE(m.find("/nonexistent-facefilter-dir/facefilter/models/no-such-model.pt"), std::string::npos) << m;
}

TEST(DataPaths, FolderNames) {
  EXPECT_STREQ(toString(DataFolder::kShaders), "shaders");
  EXPECT_STREQ(toString(DataFolder::kFilters), "filters");
  EXPECT_STREQ(toString(DataFolder::kModels), "models");
}
