#pragma once
// JSON forms of engine results, shared by the CLI's outputs and the landmark sidecar.

#include <optional>
#include <string>

#include "engine/io/json_output.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

// {"yaw":deg,"pitch":deg,"roll":deg,"rvec":[x,y,z],"tvec":[x,y,z]} (head_pose.hpp's convention), or null.
OrderedJson poseJson(const std::optional<HeadPose>& pose);
// {"level":l,"left_right":b,"top_bottom":b} (face_light.hpp), or null when the estimate is not valid.
OrderedJson lightJson(const FaceLight& light);

// {"box":[x,y,w,h],"score":s,...,"pose":{...},"light":{...},"keypoints":[[x,y],...]} plus id/confidence when
// `withTrack`.
OrderedJson faceJson(const FaceResult& face, bool withTrack);

// One line of a points file: {"frame":id,"time_ms":t,"faces":[...]} (no newline).
std::string frameResultJsonLine(const FrameResult& result);

}  // namespace facefilter
