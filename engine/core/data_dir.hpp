#pragma once
// Where the shared data folder is (udacity-keypoints/, helen-wild/, samples/): the data sets and sample
// photos that are never copied into the repository. The programs' --data defaults and the tests that
// need data read it from here; the training scripts follow the same rule (training/dataset.py).

#include <string>

namespace facefilter {

// $FACEFILTER_DATA when set and not empty, else `<source dir>/../shared/data` (beside the checkout).
// The folder may not exist: callers say what is missing (tests skip).
std::string defaultDataDir();

}  // namespace facefilter
