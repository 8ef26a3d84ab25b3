// facefilter-cli detect: faces and 68 keypoints per still image, as one JSON document on stdout.

#include <algorithm>
#include <iostream>

#include <opencv2/imgproc.hpp>

#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/io/result_json.hpp"
#include "engine/keypoints/refine.hpp"

namespace facefilter::cli {

int detectCommand(const std::vector<std::string>& args) {
  ArgParser p("facefilter-cli detect [options] IMAGE...");
  addModelOptions(p);
  addDetectorOptions(p);
  addRefineOption(p);
  addPresenceOption(p);
  addLogOptions(p);
  p.flag("help", "show this help");
  if (auto s = p.parse(args); !s) {
    std::cerr << "facefilter-cli detect: " << s.error().message << "\n" << p.usage();
    return kExitFailed;
  }
  if (p.has("help")) {
    std::cout << p.usage();
    return kExitOk;
  }
  if (p.positional().empty()) {
    std::cerr << "facefilter-cli detect: no image given\n" << p.usage();
    return kExitFailed;
  }
  if (auto s = applyLogOptions(p); !s) {
    std::cerr << "facefilter-cli detect: " << s.error().message << "\n";
    return kExitFailed;
  }
  auto params = detectorParamsFrom(p);
  if (!params) {
    std::cerr << "facefilter-cli detect: " << params.error().message << "\n";
    return kExitFailed;
  }
  auto detector = FaceDetector::create(params.value());
  if (!detector) {
    std::cerr << "facefilter-cli detect: " << detector.error().message << "\n";
    return kExitFailed;
  }
  auto model = loadModelFrom(p);
  if (!model) {
    std::cerr << "facefilter-cli detect: " << model.error().message << "\n";
    return kExitFailed;
  }

  const bool refine = refineFrom(p);
  auto presenceOption = presenceThresholdFrom(p);
  if (!presenceOption) {
    std::cerr << "facefilter-cli detect: " << presenceOption.error().message << "\n";
    return kExitFailed;
  }
  const float presenceThreshold = presenceOption.value();
  OrderedJson images = OrderedJson::array();
  int failed = 0;
  for (const std::string& path : p.positional()) {
    OrderedJson& entry = images.emplace_back(OrderedJson{{"path", path}});
    auto image = readImageFile(path);
    if (!image) {
      std::cerr << "facefilter-cli detect: " << image.error().message << "\n";
      entry["error"] = image.error().message;
      ++failed;
      continue;
    }
    cv::Mat gray;
    cv::cvtColor(image.value(), gray, cv::COLOR_BGR2GRAY);
    // Every cold-start pass (rolled copies, profiles): a still image has no next frame to find a face on.
    std::vector<Detection> detections = detector->detectAllPasses(gray);
    // Left to right, so that the output order is stable and readable.
    std::sort(detections.begin(), detections.end(),
              [](const Detection& a, const Detection& b) { return a.box.x < b.box.x; });
    std::vector<CropWindow> crops;
    for (const auto& d : detections) crops.push_back(model->cropFor(FaceBox{d.box, d.angle}));
    std::vector<float> presence;
    auto points = model->predict(gray, crops, std::vector<bool>(crops.size(), true), &presence);
    if (points && refine) {
      // Every face here comes from a detector box: the engine's second pass from the keypoints' own box.
      if (auto second = refineFromKeypoints(model.value(), gray, std::vector<bool>(crops.size(), true), crops,
                                            points.value(), &presence);
          !second) {
        points = second.error();
      }
    }
    if (!points) {
      std::cerr << "facefilter-cli detect: " << path << ": " << points.error().message << "\n";
      entry["error"] = points.error().message;
      ++failed;
      continue;
    }
    OrderedJson faces = OrderedJson::array();
    for (size_t i = 0; i < detections.size(); ++i) {
      FaceResult face;
      face.keypoints = points.value()[i];
      face.box = detections[i].box;
      face.roll = eyeLineAngle(face.keypoints);
      face.score = detections[i].score;
      if (i < presence.size()) {
        face.presence = presence[i];
        // As in the engine: a detection whose crop holds no face with the points on it is not a face.
        if (face.presence < presenceThreshold) continue;
      }
      faces.push_back(faceJson(face, false));
    }
    entry["faces"] = std::move(faces);
  }
  std::cout << jsonLine(OrderedJson{{"images", std::move(images)}}) << std::endl;
  if (failed == static_cast<int>(p.positional().size())) return kExitFailed;
  return failed > 0 ? kExitPartial : kExitOk;
}

}  // namespace facefilter::cli
