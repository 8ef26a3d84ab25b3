#pragma once
// JSON forms of engine results, shared by the CLI's outputs and the landmark sidecar.

#include "engine/io/json_writer.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

// {"box":[x,y,w,h],"score":s,"keypoints":[[x,y],...]} plus id/confidence when `withTrack`.
void writeFace(JsonWriter& w, const FaceResult& face, bool withTrack);

// One line of a points file: {"frame":id,"time_ms":t,"faces":[...]} (no newline).
std::string frameResultJsonLine(const FrameResult& result);

}  // namespace facefilter
