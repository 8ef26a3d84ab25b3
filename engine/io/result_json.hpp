#pragma once
// JSON forms of engine results, shared by the CLI's outputs and the landmark sidecar.

#include <string>

#include "engine/io/json_output.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

// {"box":[x,y,w,h],"score":s,"keypoints":[[x,y],...]} plus id/confidence when `withTrack`.
OrderedJson faceJson(const FaceResult& face, bool withTrack);

// One line of a points file: {"frame":id,"time_ms":t,"faces":[...]} (no newline).
std::string frameResultJsonLine(const FrameResult& result);

}  // namespace facefilter
