#include "app/ui/control_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "app/app_session.hpp"

namespace facefilter {
namespace {

void copyTo(char* dst, size_t size, const std::string& s) {
  std::snprintf(dst, size, "%s", s.c_str());
}

void summaryLine(const char* label, const SampleSummary& s) {
  ImGui::Text("%-10s last %6.2f  median %6.2f  p95 %6.2f ms", label, s.last, s.median, s.p95);
}

}  // namespace

void ControlPanel::draw(AppSession& session) {
  AppConfig& cfg = session.config();
  if (!initialised_) {
    copyTo(sourceText_, sizeof sourceText_, cfg.source);
    copyTo(modelPath_, sizeof modelPath_, cfg.modelPath);
    deviceIndex_ = cfg.device == "cpu" ? 1 : cfg.device == "cuda" ? 2 : 0;
    initialised_ = true;
  }
  ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(420, 640), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("facefilter  (Tab hides)")) {
    ImGui::End();
    return;
  }
  const EngineStats st = session.engine().stats();

  // --- Live stats ---
  const SampleSummary frameMs = session.renderFpsHistory().summary();
  ImGui::Text("render %.0f fps | result age %.0f ms (%lld frames behind)", frameMs.median > 0 ? 1000.0 / frameMs.median : 0.0,
              session.resultAgeMs(), static_cast<long long>(session.framesBehind()));
  const SampleSummary lat = session.latencyMs().summary();
  ImGui::Text("capture->display latency: median %.0f ms, p95 %.0f ms", lat.median, lat.p95);
  ImGui::Text("captured %llu, dropped %llu (capture mailbox), faces %zu",
              static_cast<unsigned long long>(st.capture.framesCaptured),
              static_cast<unsigned long long>(st.capture.framesDropped), st.pipeline.tracksActive);
  {
    const auto& h = session.stageHistory();
    std::vector<float> detect, keypoints, total;
    for (const auto& s : h) {
      detect.push_back(s[0]);
      keypoints.push_back(s[1]);
      total.push_back(s[3]);
    }
    if (!total.empty()) {
      const float top = std::max(5.0f, *std::max_element(total.begin(), total.end()));
      ImGui::PlotLines("capture->result ms", total.data(), static_cast<int>(total.size()), 0, nullptr, 0, top, ImVec2(0, 40));
      ImGui::PlotLines("keypoints ms", keypoints.data(), static_cast<int>(keypoints.size()), 0, nullptr, 0, top, ImVec2(0, 40));
      ImGui::PlotLines("detect ms", detect.data(), static_cast<int>(detect.size()), 0, nullptr, 0, top, ImVec2(0, 40));
    }
    summaryLine("detect", st.pipeline.detectMs);
    summaryLine("keypoints", st.pipeline.keypointsMs);
    summaryLine("track", st.pipeline.trackMs);
  }
  if (!session.lightingHint().empty()) ImGui::TextColored(ImVec4(1, 0.8f, 0.2f, 1), "%s", session.lightingHint().c_str());
  if (!st.lastError.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", st.lastError.c_str());

  // --- Source ---
  if (ImGui::CollapsingHeader("Source", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::TextWrapped("%s", st.source.c_str());
    ImGui::InputText("##source", sourceText_, sizeof sourceText_);
    ImGui::SameLine();
    if (ImGui::Button("Open")) {
      auto s = session.applySource(sourceText_);
      sourceStatus_ = s ? "" : s.error().message;
    }
    ImGui::TextDisabled("camera:N[:WxH[@FPS]] | demo | video:PATH | image:PATH | PATH");
    if (ImGui::Button("Camera 0")) copyTo(sourceText_, sizeof sourceText_, "camera:0");
    ImGui::SameLine();
    if (ImGui::Button("Camera 0 @ 1280x720")) copyTo(sourceText_, sizeof sourceText_, "camera:0:1280x720");
    ImGui::SameLine();
    if (ImGui::Button("Demo")) {
      copyTo(sourceText_, sizeof sourceText_, "demo");
      auto s = session.applySource("demo");
      sourceStatus_ = s ? "" : s.error().message;
    }
    if (!sourceStatus_.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", sourceStatus_.c_str());
  }

  // --- Filters ---
  if (ImGui::CollapsingHeader("Filters", ImGuiTreeNodeFlags_DefaultOpen)) {
    FilterAssignment& a = session.assignment();
    ImGui::TextDisabled("All faces:");
    for (const auto& e : session.filters().entries()) {
      if (!e.error.empty()) continue;
      bool on = std::find(a.all.begin(), a.all.end(), e.name) != a.all.end();
      if (ImGui::Checkbox(e.name.c_str(), &on)) {
        if (on) a.all.push_back(e.name);
        else a.all.erase(std::remove(a.all.begin(), a.all.end(), e.name), a.all.end());
      }
      ImGui::SameLine();
    }
    ImGui::NewLine();
    if (const auto& r = session.shownResult(); r && !r->faces.empty()) {
      ImGui::TextDisabled("Per face (overrides 'all'):");
      for (const auto& face : r->faces) {
        ImGui::PushID(face.trackId);
        const auto it = a.perTrack.find(face.trackId);
        std::string current = it == a.perTrack.end() ? "(all)" : (it->second.empty() ? "none" : joinFilterList(it->second));
        char label[32];
        std::snprintf(label, sizeof label, "face #%d", face.trackId);
        if (ImGui::BeginCombo(label, current.c_str())) {
          if (ImGui::Selectable("(all)")) a.perTrack.erase(face.trackId);
          if (ImGui::Selectable("none")) a.perTrack[face.trackId] = {};
          for (const auto& e : session.filters().entries()) {
            if (e.error.empty() && ImGui::Selectable(e.name.c_str())) a.perTrack[face.trackId] = {e.name};
          }
          ImGui::EndCombo();
        }
        ImGui::PopID();
      }
    }
    ImGui::Checkbox("fade with track confidence", &cfg.view.fadeWithConfidence);
    ImGui::Checkbox("head pose perspective (yaw/pitch)", &cfg.view.headPose);
    for (const auto& e : session.filters().entries()) {
      if (!e.error.empty()) ImGui::TextColored(ImVec4(1, 0.45f, 0.45f, 1), "skipped %s: %s", e.name.c_str(), e.error.c_str());
    }
    ImGui::TextDisabled("Add a folder with filter.json + PNG to:");
    for (const auto& r : session.filters().roots()) ImGui::TextDisabled("  %s", r.string().c_str());
  }

  // --- Debug views ---
  if (ImGui::CollapsingHeader("Debug views", ImGuiTreeNodeFlags_DefaultOpen)) {
    DebugViews& d = cfg.view.debug;
    ImGui::Checkbox("points (P)", &d.points);
    ImGui::SameLine();
    ImGui::Checkbox("indices (I)", &d.indices);
    ImGui::SameLine();
    ImGui::Checkbox("boxes + ids (B)", &d.boxes);
    ImGui::Checkbox("CNN crop (C)", &d.crop);
    ImGui::SameLine();
    ImGui::Checkbox("raw detector boxes (D)", &d.rawDetections);
    ImGui::Checkbox("raw vs smoothed (R)", &d.rawVsSmoothed);
    ImGui::SameLine();
    ImGui::Checkbox("head pose axes (H)", &d.headPoseAxes);
    bool match = cfg.view.sync == VideoSync::kMatchResult;
    if (ImGui::Checkbox("show the frame the result belongs to (sync)", &match)) {
      cfg.view.sync = match ? VideoSync::kMatchResult : VideoSync::kNewestFrame;
    }
    if (!match) ImGui::SliderInt("hold video N frames", &cfg.view.holdVideoFrames, 0, 30);
    ImGui::Checkbox("lighting hint", &cfg.view.lightingHint);
  }

  // --- Detector and tracking ---
  if (ImGui::CollapsingHeader("Detector and smoothing")) {
    bool changed = false;
    float sf = static_cast<float>(cfg.detector.scaleFactor);
    changed |= ImGui::SliderFloat("scale factor", &sf, 1.01f, 1.5f, "%.3f");
    cfg.detector.scaleFactor = sf;
    changed |= ImGui::SliderInt("min neighbours", &cfg.detector.minNeighbors, 0, 20);
    changed |= ImGui::SliderInt("min size px", &cfg.detector.minSizePx, 0, 400);
    changed |= ImGui::SliderInt("detect every N frames", &cfg.tracker.detectIntervalFrames, 1, 120);
    cfg.tracker.minRedetectGapFrames = std::min(TrackerParams{}.minRedetectGapFrames, cfg.tracker.detectIntervalFrames);
    bool smooth = cfg.tracker.smoothing == Smoothing::kOneEuro;
    changed |= ImGui::Checkbox("One Euro smoothing", &smooth);
    cfg.tracker.smoothing = smooth ? Smoothing::kOneEuro : Smoothing::kOff;
    float mc = static_cast<float>(cfg.tracker.oneEuro.minCutoffHz), beta = static_cast<float>(cfg.tracker.oneEuro.beta);
    changed |= ImGui::SliderFloat("min cutoff Hz", &mc, 0.01f, 10.0f, "%.2f", ImGuiSliderFlags_Logarithmic);
    changed |= ImGui::SliderFloat("beta", &beta, 0.0f, 1.0f, "%.3f");
    cfg.tracker.oneEuro.minCutoffHz = mc;
    cfg.tracker.oneEuro.beta = beta;
    if (changed) session.applyDetectorAndTracker();  // takes effect on the next frame
  }

  // --- Model ---
  if (ImGui::CollapsingHeader("Model")) {
    const KeypointModel& m = session.engine().pipeline().model();
    ImGui::TextWrapped("file: %s (%s)", m.path().c_str(), m.deviceName().c_str());
    ImGui::TextWrapped("name: %s", m.metadata().name.c_str());
    ImGui::TextWrapped("%s", m.metadata().description.c_str());
    ImGui::TextWrapped("licence: %s", m.metadata().license.c_str());
    if (!m.metadata().dataFingerprint.empty()) ImGui::TextWrapped("training data: %s", m.metadata().dataFingerprint.c_str());
    if (ImGui::TreeNode("metadata (facefilter.json)")) {
      ImGui::TextUnformatted(m.metadata().rawJson.c_str());
      ImGui::TreePop();
    }
    ImGui::InputText("model file", modelPath_, sizeof modelPath_);
    const char* devices[] = {"auto", "cpu", "cuda"};
    ImGui::Combo("device", &deviceIndex_, devices, 3);
    if (ImGui::Button("Load model")) {
      auto s = session.applyModel(modelPath_, devices[deviceIndex_]);
      modelStatus_ = s ? "loaded (next frame)" : s.error().message;
    }
    if (!modelStatus_.empty()) ImGui::TextWrapped("%s", modelStatus_.c_str());
  }

  // --- Recording ---
  if (ImGui::CollapsingHeader("Recording", ImGuiTreeNodeFlags_DefaultOpen)) {
    if (session.recording()) {
      const Recorder* r = session.recorder();
      ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "REC %s  %llu written, %llu dropped",
                         r->params().path.string().c_str(), static_cast<unsigned long long>(r->framesWritten()),
                         static_cast<unsigned long long>(r->framesDropped()));
      if (ImGui::Button("Stop recording (V)")) session.stopRecording();
    } else if (ImGui::Button("Record MP4 (V)")) {
      const std::string dir = cfg.record.outputDir.empty() ? "." : cfg.record.outputDir;
      if (auto s = session.startRecording(timestampedPath(dir, ".mp4")); !s) modelStatus_ = s.error().message;
    }
    ImGui::SameLine();
    if (ImGui::Button("Snapshot PNG (S)")) session.requestSnapshot();
    ImGui::Checkbox("landmark sidecar (.landmarks.jsonl)", &cfg.record.landmarkSidecar);
    if (!session.lastRecordReport().empty()) ImGui::TextWrapped("last: %s", session.lastRecordReport().c_str());
    if (!session.lastSnapshot().empty()) ImGui::TextWrapped("%s", session.lastSnapshot().c_str());
  }
  if (ImGui::Button("Save settings")) session.saveConfigNow();
  ImGui::SameLine();
  ImGui::TextDisabled("Esc quits");
  ImGui::End();
}

}  // namespace facefilter
