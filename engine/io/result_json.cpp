#include "engine/io/result_json.hpp"

namespace facefilter {

OrderedJson poseJson(const std::optional<HeadPose>& pose) {
  if (!pose) return nullptr;
  const auto vec = [](const cv::Vec3d& v, int decimals) {
    return OrderedJson::array(
        {fixedDecimals(v[0], decimals), fixedDecimals(v[1], decimals), fixedDecimals(v[2], decimals)});
  };
  OrderedJson j = OrderedJson::object();
  j["yaw"] = fixedDecimals(pose->yawDeg, 2);
  j["pitch"] = fixedDecimals(pose->pitchDeg, 2);
  j["roll"] = fixedDecimals(pose->rollDeg, 2);
  j["rvec"] = vec(pose->rvec, 5);
  j["tvec"] = vec(pose->tvec, 4);
  return j;
}

OrderedJson lightJson(const FaceLight& light) {
  if (!light.valid) return nullptr;
  return OrderedJson{{"level", fixedDecimals(light.level, 3)},
                     {"left_right", fixedDecimals(light.leftRight, 3)},
                     {"top_bottom", fixedDecimals(light.topBottom, 3)}};
}

OrderedJson faceJson(const FaceResult& face, bool withTrack) {
  OrderedJson j = OrderedJson::object();
  if (withTrack) j["id"] = face.trackId;
  j["box"] = OrderedJson::array({fixedDecimals(face.box.x, 1), fixedDecimals(face.box.y, 1),
                                 fixedDecimals(face.box.width, 1), fixedDecimals(face.box.height, 1)});
  j["score"] = fixedDecimals(face.score, 3);
  j["roll"] = fixedDecimals(face.roll * 57.29577951308232, 1);  // degrees
  if (face.presence >= 0) j["presence"] = fixedDecimals(face.presence, 3);
  if (withTrack) {
    j["confidence"] = fixedDecimals(face.confidence, 3);
    j["quality"] = fixedDecimals(face.quality, 3);
    j["detected"] = face.detectedThisFrame;
  }
  j["pose"] = poseJson(face.pose);
  j["light"] = lightJson(face.light);
  OrderedJson points = OrderedJson::array();
  for (const auto& p : face.keypoints) {
    points.push_back(OrderedJson::array({fixedDecimals(p.x, 2), fixedDecimals(p.y, 2)}));
  }
  j["keypoints"] = std::move(points);
  return j;
}

std::string frameResultJsonLine(const FrameResult& r) {
  OrderedJson j = OrderedJson::object();
  j["frame"] = r.frameId;
  j["time_ms"] = fixedDecimals(r.sourceTimeMs, 2);
  j["detector"] = r.detectorRan;
  OrderedJson faces = OrderedJson::array();
  for (const auto& f : r.faces) faces.push_back(faceJson(f, true));
  j["faces"] = std::move(faces);
  if (!r.error.empty()) j["error"] = r.error;
  return jsonLine(j);
}

}  // namespace facefilter
