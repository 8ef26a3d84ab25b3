#include "engine/keypoints/refine.hpp"

#include <algorithm>

namespace facefilter {

Result<size_t> refineFromKeypoints(const KeypointModel& model, const cv::Mat& image,
                                   const std::vector<bool>& which, std::vector<CropWindow>& crops,
                                   std::vector<Landmarks>& points, std::vector<float>* presence) {
  const size_t n = std::min({which.size(), crops.size(), points.size()});
  std::vector<size_t> index;
  std::vector<CropWindow> again;
  for (size_t i = 0; i < n; ++i) {
    if (!which[i]) continue;
    index.push_back(i);
    again.push_back(model.cropFor(model.faceBoxFor(points[i])));
  }
  if (again.empty()) return size_t{0};
  std::vector<float> score;
  auto second = model.predict(image, again, {}, presence ? &score : nullptr);
  if (!second) return second.error();
  for (size_t k = 0; k < index.size(); ++k) {
    crops[index[k]] = again[k];
    points[index[k]] = std::move(second.value()[k]);
    if (presence && k < score.size() && index[k] < presence->size()) (*presence)[index[k]] = score[k];
  }
  return index.size();
}

}  // namespace facefilter
