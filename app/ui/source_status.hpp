#pragma once
// What the panel says about the video source: fine, lost (a camera failing and being retried), ended (a
// file played to its end), failed, or not opened (then the app shows the demo instead). Pure: built from the
// engine's stats and the session's own note of a source it could not open. Any thread.

#include <string>

#include "engine/pipeline/engine_thread.hpp"

namespace facefilter {

enum class SourceState { kOk, kLost, kEnded, kFailed, kNotOpened };

struct SourceStatus {
  SourceState state = SourceState::kOk;
  std::string message;  // empty when kOk; otherwise one line for the user, saying what to do
};

// `openError`: why the source the user asked for could not be opened, empty when it was (the session keeps
// it until another source is opened). `fallback`: what is shown instead, if anything ("the demo video").
SourceStatus sourceStatus(const EngineStats& stats, const std::string& openError,
                          const std::string& fallback);

}  // namespace facefilter
