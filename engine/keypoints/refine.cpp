#include "engine/keypoints/refine.hpp"

#include <algorithm>

namespace facefilter {

Result<size_t> refineFromKeypoints(const KeypointModel& model, const cv::Mat& image,
                                   const std::vector<bool>& which, std::vector<CropWindow>& crops,
                                   std::vector<Landmarks>& points, std::vector<float>* presence,
                                   const RefineOptions& options) {
  const size_t n = std::min({which.size(), crops.size(), points.size()});
  std::vector<size_t> index;
  for (size_t i = 0; i < n; ++i) {
    if (which[i]) index.push_back(i);
  }
  if (index.empty()) return size_t{0};
  for (int pass = 0; pass < std::max(1, options.passes); ++pass) {
    std::vector<CropWindow> again;
    for (size_t i : index) again.push_back(model.cropFor(model.faceBoxFor(points[i])));
    std::vector<float> score;
    auto more = model.predict(image, again, {}, presence ? &score : nullptr);
    if (!more) {
      if (pass == 0) return more.error();
      break;  // the earlier passes' keypoints stand
    }
    for (size_t k = 0; k < index.size(); ++k) {
      crops[index[k]] = again[k];
      points[index[k]] = std::move(more.value()[k]);
      if (presence && k < score.size() && index[k] < presence->size()) (*presence)[index[k]] = score[k];
    }
  }
  return index.size();
}

}  // namespace facefilter
