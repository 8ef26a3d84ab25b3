#include "engine/io/result_json.hpp"

namespace facefilter {

void writeFace(JsonWriter& w, const FaceResult& face, bool withTrack) {
  w.beginObject();
  if (withTrack) w.key("id").value(face.trackId);
  w.key("box").beginArray();
  w.value(face.box.x, 1).value(face.box.y, 1).value(face.box.width, 1).value(face.box.height, 1);
  w.endArray();
  w.key("score").value(face.score, 3);
  w.key("roll").value(face.roll * 57.29577951308232, 1);  // degrees
  if (face.presence >= 0) w.key("presence").value(face.presence, 3);
  if (withTrack) {
    w.key("confidence").value(face.confidence, 3);
    w.key("quality").value(face.quality, 3);
    w.key("detected").value(face.detectedThisFrame);
  }
  w.key("keypoints").beginArray();
  for (const auto& p : face.keypoints) w.beginArray().value(p.x, 2).value(p.y, 2).endArray();
  w.endArray();
  w.endObject();
}

std::string frameResultJsonLine(const FrameResult& r) {
  JsonWriter w;
  w.beginObject();
  w.key("frame").value(r.frameId);
  w.key("time_ms").value(r.sourceTimeMs, 2);
  w.key("detector").value(r.detectorRan);
  w.key("faces").beginArray();
  for (const auto& f : r.faces) writeFace(w, f, true);
  w.endArray();
  if (!r.error.empty()) w.key("error").value(r.error);
  w.endObject();
  return w.take();
}

}  // namespace facefilter
