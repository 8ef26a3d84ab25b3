#pragma once
// The facial keypoints CSV format (Udacity P1 / our training data): a header row, then one row per
// image: file name, then 136 numbers x0,y0,...,x67,y67 in pixels of that image. Images live in a
// folder beside the CSV. Any thread; no shared state.

#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/keypoints/landmarks.hpp"

namespace facefilter {

struct KeypointsSample {
  std::string imagePath;  // absolute or relative to the working directory
  Landmarks points;
};

// Parses CSV text. `origin` names the file in errors ("file:line: what"). Rows must have exactly 137
// fields with finite numbers; an empty file or a file with only a header is an error.
Result<std::vector<KeypointsSample>> parseKeypointsCsv(std::string_view text, const std::string& origin,
                                                       const std::string& imageDir);

// Reads `<dir>/<split>_frames_keypoints.csv` with images in `<dir>/<split>/`. `dir` may also be the
// data root holding `udacity-keypoints/`.
Result<std::vector<KeypointsSample>> loadKeypointsSplit(const std::string& dir, const std::string& split);

// A fixed fifth of a set held out from training: photographs (a file name less its extension and a
// trailing `_N`, since one photograph may hold several labelled faces) sorted by that name, every fifth
// (the 5th, 10th, ...) held out with all its faces. training/dataset.py's fifths() draws the same line,
// so a model trained on `Train` is reported on `Holdout` only.
enum class DatasetPart { All, Train, Holdout };

Result<DatasetPart> parseDatasetPart(std::string_view name);  // all|train|holdout
std::string photographOf(const std::string& imagePath);
std::vector<KeypointsSample> selectPart(std::vector<KeypointsSample> samples, DatasetPart part);

}  // namespace facefilter
