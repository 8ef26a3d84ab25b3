// facefilter-cli detect: faces and 68 keypoints per still image, as one JSON document on stdout.

#include <algorithm>
#include <iostream>
#include <memory>

#include <opencv2/imgproc.hpp>

#include "cli/commands.hpp"
#include "engine/capture/image_source.hpp"
#include "engine/core/logging.hpp"
#include "engine/io/result_json.hpp"
#include "engine/keypoints/refine.hpp"
#include "settings/command_line.hpp"

namespace facefilter::cli {
namespace {

struct DetectOptions {
  std::vector<std::string> images;
  ModelOptions model{{}, "auto", 0};  // no path: the shipped model
  DetectorParams detector;
  bool refine = true;
  float presenceThreshold = TrackerParams{}.presenceThreshold;
  spdlog::level::level_enum logLevel = spdlog::level::warn;
};

// Every cold-start pass (rolled copies, profiles): a still image has no next frame to find a face on.
// Left to right, so that the output order is stable and readable.
std::vector<Detection> detectLeftToRight(const FaceDetector& detector, const cv::Mat& gray) {
  std::vector<Detection> detections = detector.detectAllPasses(gray);
  std::sort(detections.begin(), detections.end(),
            [](const Detection& a, const Detection& b) { return a.box.x < b.box.x; });
  return detections;
}

Result<std::vector<Landmarks>> keypointsFor(const KeypointModel& model, const cv::Mat& gray,
                                            const std::vector<Detection>& detections, bool refine,
                                            std::vector<float>& presence) {
  std::vector<CropWindow> crops;
  for (const auto& d : detections) crops.push_back(model.cropFor(FaceBox{d.box, d.angle}));
  auto points = model.predict(gray, crops, std::vector<bool>(crops.size(), true), &presence);
  if (points && refine) {
    // Every face here comes from a detector box: the engine's second pass from the keypoints' own box.
    if (auto second = refineFromKeypoints(model, gray, std::vector<bool>(crops.size(), true), crops,
                                          points.value(), &presence);
        !second) {
      points = second.error();
    }
  }
  return points;
}

OrderedJson facesJson(const cv::Mat& gray, const std::vector<Detection>& detections,
                      const std::vector<Landmarks>& points, const std::vector<float>& presence,
                      float presenceThreshold) {
  OrderedJson faces = OrderedJson::array();
  for (size_t i = 0; i < detections.size(); ++i) {
    FaceResult face;
    face.keypoints = points[i];
    face.box = detections[i].box;
    face.roll = eyeLineAngle(face.keypoints);
    face.score = detections[i].score;
    // A still image has no track to smooth over: each face's own solve and estimate.
    face.pose = estimateHeadPose(face.keypoints, gray.size());
    face.light = estimateFaceLight(gray, face.keypoints);
    if (i < presence.size()) {
      face.presence = presence[i];
      // As in the engine: a detection whose crop holds no face with the points on it is not a face.
      if (face.presence < presenceThreshold) continue;
    }
    faces.push_back(faceJson(face, false));
  }
  return faces;
}

// The image's entry in the output: its faces, or the error that stopped it (also said on stderr).
OrderedJson imageEntry(const std::string& path, const FaceDetector& detector, const KeypointModel& model,
                       const DetectOptions& o) {
  OrderedJson entry{{"path", path}};
  auto image = readImageFile(path);
  if (!image) {
    std::cerr << "facefilter-cli detect: " << image.error().message << "\n";
    entry["error"] = image.error().message;
    return entry;
  }
  cv::Mat gray;
  cv::cvtColor(image.value(), gray, cv::COLOR_BGR2GRAY);
  const std::vector<Detection> detections = detectLeftToRight(detector, gray);
  std::vector<float> presence;
  auto points = keypointsFor(model, gray, detections, o.refine, presence);
  if (!points) {
    std::cerr << "facefilter-cli detect: " << path << ": " << points.error().message << "\n";
    entry["error"] = points.error().message;
    return entry;
  }
  entry["faces"] = facesJson(gray, detections, points.value(), presence, o.presenceThreshold);
  return entry;
}

int detect(const CLI::App& command, const DetectOptions& o) {
  setLogLevel(o.logLevel);
  if (auto valid = validate(o.detector); !valid) return argumentError(command, valid.error().message);
  auto detector = FaceDetector::create(o.detector);
  if (!detector) {
    std::cerr << "facefilter-cli detect: " << detector.error().message << "\n";
    return kExitFailed;
  }
  auto model = loadModel(o.model);
  if (!model) {
    std::cerr << "facefilter-cli detect: " << model.error().message << "\n";
    return kExitFailed;
  }

  OrderedJson images = OrderedJson::array();
  int failed = 0;
  for (const std::string& path : o.images) {
    const OrderedJson& entry = images.emplace_back(imageEntry(path, detector.value(), model.value(), o));
    if (entry.contains("error")) ++failed;
  }
  std::cout << jsonLine(OrderedJson{{"images", std::move(images)}}) << std::endl;
  if (failed == static_cast<int>(o.images.size())) return kExitFailed;
  return failed > 0 ? kExitPartial : kExitOk;
}

}  // namespace

Command addDetectCommand(CLI::App& cli) {
  auto o = std::make_shared<DetectOptions>();
  CLI::App* command = cli.add_subcommand("detect", "faces and 68 keypoints per image, as JSON");
  command->add_option("IMAGE", o->images, "image files")->type_name("")->required();
  addModelOptions(*command, o->model);
  addDetectorOptions(*command, o->detector);
  addSinglePassOption(*command, o->refine);
  addPresenceOption(*command, o->presenceThreshold);
  addLogLevelOption(*command, o->logLevel);
  return {command, [command, o] { return detect(*command, *o); }};
}

}  // namespace facefilter::cli
