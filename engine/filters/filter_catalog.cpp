#include "engine/filters/filter_catalog.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace facefilter {

Result<LoadedFilter> loadFilter(const std::filesystem::path& folder) {
  const auto jsonPath = folder / "filter.json";
  std::ifstream in(jsonPath, std::ios::binary);
  if (!in) return makeError("filter " + folder.string() + ": cannot read " + jsonPath.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  auto desc = parseFilterDescription(ss.str(), jsonPath.string(), folder.filename().string());
  if (!desc) return desc.error();

  if (desc->kind == FilterKind::kModel) {
    const auto modelPath = folder / desc->modelFile;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(modelPath, ec)) {
      return makeError("filter " + jsonPath.string() + ": model file '" + desc->modelFile +
                       "' not found in " + folder.string());
    }
    auto model = loadModelAsset(modelPath);
    if (!model) return makeError("filter " + jsonPath.string() + ": " + model.error().message);
    LoadedFilter f;
    f.description = std::move(desc).value();
    f.model = std::make_shared<const ModelAsset>(std::move(model).value());
    f.folder = folder;
    return f;
  }

  const auto artPath = folder / desc->artFile;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(artPath, ec)) {
    return makeError("filter " + jsonPath.string() + ": art file '" + desc->artFile + "' not found in " +
                     folder.string());
  }
  cv::Mat art;
  try {
    art = cv::imread(artPath.string(), cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return makeError("filter " + jsonPath.string() + ": cannot decode " + artPath.string() + ": " + e.err);
  }
  if (art.empty()) {
    return makeError("filter " + jsonPath.string() + ": cannot decode " + artPath.string() +
                     " (corrupt or not an image)");
  }
  if (art.depth() == CV_16U) art.convertTo(art, CV_8U, 1.0 / 257.0);
  if (art.depth() != CV_8U)
    return makeError("filter " + artPath.string() + ": only 8- or 16-bit images are supported");
  cv::Mat rgba;
  switch (art.channels()) {
    case 1:
      cv::cvtColor(art, rgba, cv::COLOR_GRAY2RGBA);
      break;
    case 3:
      cv::cvtColor(art, rgba, cv::COLOR_BGR2RGBA);
      break;
    case 4:
      cv::cvtColor(art, rgba, cv::COLOR_BGRA2RGBA);
      break;
    default:
      return makeError("filter " + artPath.string() + ": unsupported channel count " +
                       std::to_string(art.channels()));
  }
  if (rgba.cols > 8192 || rgba.rows > 8192) {
    return makeError("filter " + artPath.string() + ": art larger than 8192 px a side");
  }
  LoadedFilter f;
  f.description = std::move(desc).value();
  f.art = rgba;
  f.folder = folder;
  return f;
}

int64_t newestStampNs(const std::filesystem::path& folder) {
  // The file clock's epoch is not the Unix epoch (libstdc++: 2174), so counts are often negative.
  int64_t newest = std::numeric_limits<int64_t>::min();
  bool any = false;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec)) {
    std::error_code fe;
    if (!e.is_regular_file(fe)) continue;
    const auto t = e.last_write_time(fe);
    if (fe) continue;
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    newest = std::max(newest, ns);
    any = true;
  }
  return any ? newest : 0;
}

bool FilterCatalog::poll() {
  std::map<std::string, std::filesystem::path> found;  // later roots override earlier ones
  for (const auto& root : roots_) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
      std::error_code fe;
      if (e.is_directory(fe) && std::filesystem::exists(e.path() / "filter.json", fe)) {
        found[e.path().filename().string()] = e.path();
      }
    }
  }
  bool changed = false;
  const auto removed = std::remove_if(entries_.begin(), entries_.end(), [&](const FilterEntry& e) {
    const auto it = found.find(e.name);
    return it == found.end() || it->second != e.folder;
  });
  if (removed != entries_.end()) {
    entries_.erase(removed, entries_.end());
    changed = true;
  }
  for (const auto& [name, folder] : found) {
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const FilterEntry& e) { return e.name == name; });
    const int64_t stamp = newestStampNs(folder);
    if (it != entries_.end() && it->stampNs == stamp) continue;
    FilterEntry entry;
    entry.name = name;
    entry.folder = folder;
    entry.stampNs = stamp;
    entry.version = nextVersion_++;
    auto loaded = loadFilter(folder);
    if (loaded) {
      entry.filter = std::make_shared<const LoadedFilter>(std::move(loaded).value());
    } else {
      entry.error = loaded.error().message;
    }
    if (it != entries_.end()) {
      *it = std::move(entry);
    } else {
      entries_.push_back(std::move(entry));
    }
    changed = true;
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const FilterEntry& a, const FilterEntry& b) { return a.name < b.name; });
  return changed;
}

const FilterEntry* FilterCatalog::find(const std::string& name) const {
  for (const auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

}  // namespace facefilter
