#include "app/render/filter_library.hpp"

#include <cstdlib>

#include "app/gl/shader_program.hpp"
#include "engine/core/data_paths.hpp"
#include "engine/core/logging.hpp"
#include "settings/app_config.hpp"

namespace facefilter {

bool FilterLibrary::poll() {
  if (!catalog_.poll()) return false;
  std::map<std::string, GpuFilter> next;
  for (const auto& e : catalog_.entries()) {
    if (!e.filter) {
      logger("render")->warn("filter '{}' skipped: {}", e.name, e.error);
      continue;
    }
    auto old = gpu_.find(e.name);
    if (old != gpu_.end() && old->second.version == e.version) {
      next.emplace(e.name, std::move(old->second));
      continue;
    }
    GpuFilter g;
    g.filter = e.filter;
    g.version = e.version;
    if (e.filter->description.kind == FilterKind::kModel) {
      g.model = std::make_shared<GpuModel>(GpuModel::upload(*e.filter->model));
    } else {
      const cv::Mat art = e.filter->art.isContinuous() ? e.filter->art : e.filter->art.clone();
      g.art = gl::makeRgbaTexture(art.cols, art.rows, art.data);
    }
    if (e.filter->description.kind == FilterKind::kMask) {
      g.artMesh = maskArtPoints(e.filter->description.mesh);
      g.mesh = triangulateMask(g.artMesh);
    }
    logger("render")->info("filter '{}' loaded from {}", e.name, e.folder.string());
    next.emplace(e.name, std::move(g));
  }
  gpu_ = std::move(next);
  return true;
}

const GpuFilter* FilterLibrary::find(const std::string& name) const {
  const auto it = gpu_.find(name);
  return it == gpu_.end() ? nullptr : &it->second;
}

std::vector<std::filesystem::path> defaultFilterRoots() {
  std::vector<std::filesystem::path> roots;
  // Without the built-in folder the app still runs with the user's filters; the panel shows none built in.
  if (auto builtIn = findDataFolder(DataFolder::kFilters)) {
    roots.push_back(std::move(builtIn).value());
  } else {
    logger("render")->warn("built-in filters: {}", builtIn.error().message);
  }
  roots.push_back(configDir() / "filters");
  return roots;
}

}  // namespace facefilter
