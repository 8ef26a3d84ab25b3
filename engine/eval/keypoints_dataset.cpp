#include "engine/eval/keypoints_dataset.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace facefilter {
namespace {

bool parseNumber(std::string_view field, float& out) {
  // strtof needs a terminated string; fields are short.
  std::string s(field);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  if (start == s.size()) return false;
  errno = 0;
  char* end = nullptr;
  const float v = std::strtof(s.c_str() + start, &end);
  if (end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v)) return false;
  out = v;
  return true;
}

}  // namespace

Result<std::vector<KeypointsSample>> parseKeypointsCsv(std::string_view text, const std::string& origin,
                                                       const std::string& imageDir) {
  std::vector<KeypointsSample> samples;
  size_t lineNo = 0;
  size_t pos = 0;
  bool header = true;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (header) {  // the first line names the columns
      header = false;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines are harmless
    const auto fail = [&](const std::string& what) {
      return makeError(origin + ":" + std::to_string(lineNo) + ": " + what);
    };
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (;;) {
      const size_t comma = line.find(',', start);
      fields.push_back(
          line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (fields.size() != 1 + 2 * kNumKeypoints) {
      return fail("expected 137 fields (image name and 68 x,y pairs), found " +
                  std::to_string(fields.size()));
    }
    if (fields[0].empty()) return fail("empty image name");
    KeypointsSample s;
    s.imagePath = (std::filesystem::path(imageDir) / std::string(fields[0])).string();
    for (int k = 0; k < kNumKeypoints; ++k) {
      const auto kk = static_cast<size_t>(k);
      if (!parseNumber(fields[1 + 2 * kk], s.points[kk].x) ||
          !parseNumber(fields[2 + 2 * kk], s.points[kk].y)) {
        return fail("point " + std::to_string(k) + " is not a pair of finite numbers");
      }
    }
    samples.push_back(std::move(s));
  }
  if (samples.empty()) return makeError(origin + ": no data rows");
  return samples;
}

Result<std::vector<KeypointsSample>> loadKeypointsSplit(const std::string& dirIn, const std::string& split) {
  std::filesystem::path dir(dirIn);
  std::error_code ec;
  if (std::filesystem::is_directory(dir / "udacity-keypoints", ec)) dir /= "udacity-keypoints";
  const std::filesystem::path csv = dir / (split + "_frames_keypoints.csv");
  if (!std::filesystem::exists(csv, ec)) {
    return makeError("dataset: '" + csv.string() + "' not found (give --data DIR holding " + split +
                     "_frames_keypoints.csv and " + split + "/, or set FACEFILTER_DATA)");
  }
  std::ifstream in(csv, std::ios::binary);
  if (!in) return makeError("dataset: '" + csv.string() + "' cannot be read");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseKeypointsCsv(buffer.str(), csv.string(), (dir / split).string());
}

Result<DatasetPart> parseDatasetPart(std::string_view name) {
  if (name == "all") return DatasetPart::All;
  if (name == "train") return DatasetPart::Train;
  if (name == "holdout") return DatasetPart::Holdout;
  return makeError("dataset part '" + std::string(name) + "' is not all, train or holdout");
}

std::string photographOf(const std::string& imagePath) {
  std::string stem = std::filesystem::path(imagePath).stem().string();
  size_t digits = stem.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(stem[digits - 1]))) --digits;
  if (digits < stem.size() && digits > 0 && stem[digits - 1] == '_') stem.resize(digits - 1);
  return stem;
}

std::vector<KeypointsSample> selectPart(std::vector<KeypointsSample> samples, DatasetPart part) {
  if (part == DatasetPart::All) return samples;
  std::set<std::string> photos;
  for (const auto& s : samples) photos.insert(photographOf(s.imagePath));
  std::set<std::string> held;
  size_t position = 0;
  for (const auto& p : photos) {
    if (++position % 5 == 0) held.insert(p);
  }
  std::vector<KeypointsSample> kept;
  for (auto& s : samples) {
    if ((held.count(photographOf(s.imagePath)) > 0) == (part == DatasetPart::Holdout))
      kept.push_back(std::move(s));
  }
  return kept;
}

}  // namespace facefilter
