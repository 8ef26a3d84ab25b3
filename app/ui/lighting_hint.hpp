#pragma once
// The panel's lighting hint: what to do when the tracked face is too dark, overexposed or backlit, judged
// from the mean brightness of the first face's box against the whole frame. Pure (no GL); any thread.

#include <string>

#include "engine/core/frame.hpp"
#include "engine/pipeline/frame_result.hpp"

namespace facefilter {

// The hint for this frame and result; empty when the light is fine or there is no face to judge.
std::string lightingHint(const Frame& frame, const FrameResult& result);

}  // namespace facefilter
