#include "app/ui/source_status.hpp"

namespace facefilter {

SourceStatus sourceStatus(const EngineStats& st, const std::string& openError, const std::string& fallback) {
  SourceStatus s;
  // A source that never opened outranks the state of the fallback the user did not ask for.
  if (!openError.empty()) {
    s.state = SourceState::kNotOpened;
    s.message =
        "Source not opened: " + openError + (fallback.empty() ? "" : "; showing " + fallback + " instead");
    return s;
  }
  if (st.capture.sourceLost) {
    s.state = SourceState::kLost;
    s.message = "Camera lost: " + st.capture.lastError + "; retrying (" +
                std::to_string(st.capture.reconnects) +
                " reconnects so far). Check the cable, or open another source.";
    return s;
  }
  if (st.capture.failed) {
    s.state = SourceState::kFailed;
    s.message = "Source failed: " + (st.capture.lastError.empty() ? st.source : st.capture.lastError) +
                ". Open another source.";
    return s;
  }
  if (st.sourceEnded || st.capture.ended) {
    s.state = SourceState::kEnded;
    s.message = "Source ended: " + st.source +
                " played to its end (the last frame stays). Open it again, or "
                "start with --loop.";
    return s;
  }
  return s;
}

}  // namespace facefilter
