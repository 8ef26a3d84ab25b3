#pragma once
// Filters on disk: every <root>/<name>/filter.json with its art. A user adds a filter by adding a folder;
// poll() notices new, removed and edited folders (by modification times) and reloads them. A malformed
// filter (bad JSON, unknown keys, out-of-range indices, missing or corrupt PNG or .glb) is kept as an entry
// with its error, so the UI can show it, and is otherwise skipped. Headless; one thread at a time.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "engine/core/result.hpp"
#include "engine/filters/filter_description.hpp"
#include "engine/filters/model_asset.hpp"

namespace facefilter {

struct LoadedFilter {
  FilterDescription description;
  cv::Mat art;                              // 8-bit RGBA (R first), top row first; empty for a 3D model
  std::shared_ptr<const ModelAsset> model;  // 3D models (FilterKind::kModel) only
  std::filesystem::path folder;
};

// Loads <folder>/filter.json and its art (or, for a 3D model, its .glb). Errors name the file and what is
// wrong.
Result<LoadedFilter> loadFilter(const std::filesystem::path& folder);

struct FilterEntry {
  std::string name;  // folder name (unique key)
  std::filesystem::path folder;
  std::shared_ptr<const LoadedFilter> filter;  // null when it failed to load
  std::string error;                           // why it failed, empty when loaded
  uint64_t version = 0;                        // bumped on every (re)load
  int64_t stampNs = 0;                         // newest mtime of the folder's files when loaded
};

class FilterCatalog {
 public:
  // Folders later in the list override same-named filters in earlier ones (e.g. built-ins, then the user's).
  explicit FilterCatalog(std::vector<std::filesystem::path> roots) : roots_(std::move(roots)) {}

  // Rescans the roots; returns true if anything was added, removed or reloaded.
  bool poll();
  const std::vector<FilterEntry>& entries() const { return entries_; }
  const FilterEntry* find(const std::string& name) const;
  const std::vector<std::filesystem::path>& roots() const { return roots_; }

 private:
  std::vector<std::filesystem::path> roots_;
  std::vector<FilterEntry> entries_;
  uint64_t nextVersion_ = 1;
};

// The newest modification time (ns on the file clock) among a folder's regular files; 0 if none.
int64_t newestStampNs(const std::filesystem::path& folder);

}  // namespace facefilter
