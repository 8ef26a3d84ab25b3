#pragma once
// The panel's lighting hint: what is wrong with the light on the tracked face (too dark, overexposed,
// backlit), judged from the mean brightness of the first face's box against the whole frame, and what to do
// about it: the light in the room first, then the camera's own controls where it offers them (the panel puts
// a button beside the hint that opens them). Pure (no GL); any thread.

#include <string>

#include "app/camera/session_camera.hpp"
#include "engine/core/frame.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

enum class LightingProblem { kNone, kDark, kOverexposed, kBacklit };

// The problem in this frame and result; kNone when the light is fine or there is no face to judge.
LightingProblem judgeLighting(const Frame& frame, const FrameResult& result);

// What the hint says: empty for kNone. With a camera, it names the controls to reach for, or says that the
// camera offers none.
std::string lightingAdvice(LightingProblem problem, LightControls controls);

}  // namespace facefilter
