#pragma once
// The filters available to the renderer: the on-disk catalog (engine/filters, polled for changes) plus
// each loaded filter's art as a GL texture and, for masks, its mesh topology; for 3D models, their buffers.
// Main (GL) thread only.

#include <map>
#include <string>
#include <vector>

#include "app/gl/gl_objects.hpp"
#include "app/render/model_renderer.hpp"
#include "engine/filters/filter_catalog.hpp"
#include "engine/filters/filter_geometry.hpp"

namespace facefilter {

struct GpuFilter {
  std::shared_ptr<const LoadedFilter> filter;
  gl::Texture2D art;                 // sprites and masks
  std::shared_ptr<GpuModel> model;   // 3D models only
  MaskMesh mesh;                     // masks only
  std::vector<cv::Point2f> artMesh;  // masks: art pixels of the 68 + forehead points
  uint64_t version = 0;
};

class FilterLibrary {
 public:
  explicit FilterLibrary(std::vector<std::filesystem::path> roots) : catalog_(std::move(roots)) {}
  // Rescans the folders (call every ~0.5 s); uploads new or edited art. Returns true if anything changed.
  bool poll();
  const GpuFilter* find(const std::string& name) const;
  const std::vector<FilterEntry>& entries() const { return catalog_.entries(); }
  const std::vector<std::filesystem::path>& roots() const { return catalog_.roots(); }

 private:
  FilterCatalog catalog_;
  std::map<std::string, GpuFilter> gpu_;
};

// Built-in filters (the filters/ folder engine/core/data_paths.hpp finds: installed, or the source tree's
// assets/filters from a build tree), then the user's ($XDG_CONFIG_HOME/facefilter/filters).
std::vector<std::filesystem::path> defaultFilterRoots();

}  // namespace facefilter
