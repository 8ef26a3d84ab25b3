#include "app/ui/control_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "app/app_session.hpp"
#include "engine/core/clock.hpp"

namespace facefilter {
namespace {

constexpr int kPlotBins = 150;             // 5 s at 33 ms a bin: finer than a person reads the plot
constexpr double kPresetRelistSeconds = 2;  // presets added by hand (or another instance) show up this fast

void copyTo(char* dst, size_t size, const std::string& s) {
  std::snprintf(dst, size, "%s", s.c_str());
}

void summaryLine(const char* label, const SampleSummary& s) {
  ImGui::Text("%-10s last %6.2f  median %6.2f  p95 %6.2f ms", label, s.last, s.median, s.p95);
}

bool resetButton(const char* id) {
  ImGui::PushID(id);
  const bool pressed = ImGui::SmallButton("Reset to defaults");
  ImGui::PopID();
  return pressed;
}

}  // namespace

void ControlPanel::message(float r, float g, float b, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(r, g, b, 1));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
  state_.messages.push_back(text);
}

void ControlPanel::draw(AppSession& session) {
  AppConfig& cfg = session.config();
  if (!initialised_) {
    copyTo(sourceText_, sizeof sourceText_, cfg.source);
    copyTo(modelPath_, sizeof modelPath_, cfg.modelPath);
    deviceIndex_ = cfg.device == "cpu" ? 1 : cfg.device == "cuda" ? 2 : 0;
    initialised_ = true;
  }
  state_.messages.clear();
  state_.source = session.sourceStatus();
  ++state_.framesDrawn;
  ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize(ImVec2(420, 640), ImGuiCond_FirstUseEver);
  if (!ImGui::Begin("facefilter  (Tab hides)")) {
    ImGui::End();
    return;
  }
  const EngineStats st = session.engine().stats();

  // --- Source status first: a lost camera must be seen even with every section folded.
  switch (state_.source.state) {
    case SourceState::kOk: break;
    case SourceState::kEnded: message(1, 0.8f, 0.2f, state_.source.message); break;
    default: message(1, 0.4f, 0.4f, state_.source.message); break;
  }

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
    StageHistory& history = session.stageHistory();
    const StageSeries s = history.series(SteadyClock::instance().nowNs(), kPlotBins);
    const float top = std::max(5.0f, s.maxMs);
    char overlay[64];
    std::snprintf(overlay, sizeof overlay, "last %.0f s, %zu results, max %.1f ms",
                  static_cast<double>(history.windowNs()) / 1e9, s.samples, static_cast<double>(s.maxMs));
    ImGui::PlotLines("capture->result ms", s.totalMs.data(), kPlotBins, 0, overlay, 0, top, ImVec2(0, 40));
    ImGui::PlotLines("keypoints ms", s.keypointsMs.data(), kPlotBins, 0, nullptr, 0, top, ImVec2(0, 40));
    ImGui::PlotLines("detect ms", s.detectMs.data(), kPlotBins, 0, nullptr, 0, top, ImVec2(0, 40));
    summaryLine("detect", st.pipeline.detectMs);
    summaryLine("keypoints", st.pipeline.keypointsMs);
    summaryLine("track", st.pipeline.trackMs);
  }
  if (!session.lightingHint().empty()) message(1, 0.8f, 0.2f, session.lightingHint());
  // The engine's last error, unless the source status already says it.
  if (!st.lastError.empty() && state_.source.message.find(st.lastError) == std::string::npos) {
    message(1, 0.4f, 0.4f, st.lastError);
  }

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
    if (!sourceStatus_.empty()) message(1, 0.4f, 0.4f, sourceStatus_);
  }

  drawPresets(session);

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
      if (!e.error.empty()) message(1, 0.45f, 0.45f, "skipped " + e.name + ": " + e.error);
    }
    ImGui::TextDisabled("Add a folder with filter.json + PNG to:");
    for (const auto& r : session.filters().roots()) ImGui::TextDisabled("  %s", r.string().c_str());
    if (resetButton("filters")) session.resetSection(SettingsSection::kFilters);
  }

  // --- Debug views ---
  if (ImGui::CollapsingHeader("Debug views", ImGuiTreeNodeFlags_DefaultOpen)) {
    DebugViews& d = cfg.view.debug;
    ImGui::Checkbox("points (P)", &d.points);
    ImGui::SameLine();
    ImGui::Checkbox("indices (I)", &d.indices);
    ImGui::SameLine();
    ImGui::Checkbox("boxes + ids (B)", &d.boxes);
    ImGui::Checkbox("CNN crop + input (C)", &d.crop);
    ImGui::SameLine();
    ImGui::Checkbox("raw detector boxes (D)", &d.rawDetections);
    ImGui::Checkbox("raw | smoothed side by side (R)", &d.rawVsSmoothed);
    ImGui::SameLine();
    ImGui::Checkbox("head pose axes (H)", &d.headPoseAxes);
    bool match = cfg.view.sync == VideoSync::kMatchResult;
    if (ImGui::Checkbox("show the frame the result belongs to (sync)", &match)) {
      cfg.view.sync = match ? VideoSync::kMatchResult : VideoSync::kNewestFrame;
    }
    if (!match) ImGui::SliderInt("hold video N frames", &cfg.view.holdVideoFrames, 0, 30);
    ImGui::Checkbox("lighting hint", &cfg.view.lightingHint);
    if (resetButton("debug")) session.resetSection(SettingsSection::kDebugViews);
  }

  // --- Detector and tracking ---
  if (ImGui::CollapsingHeader("Detector and smoothing")) {
    bool changed = false;
    float sf = static_cast<float>(cfg.detector.scaleFactor);
    changed |= ImGui::SliderFloat("scale factor", &sf, 1.01f, 1.5f, "%.3f");
    cfg.detector.scaleFactor = sf;
    changed |= ImGui::SliderInt("min neighbours", &cfg.detector.minNeighbors, 0, 20);
    changed |= ImGui::SliderInt("min size px", &cfg.detector.minSizePx, 0, 400);
    changed |= ImGui::Checkbox("look for tilted faces (+-30, +-60 deg)", &cfg.detector.rolledPasses);
    changed |= ImGui::Checkbox("look for faces in profile", &cfg.detector.profilePasses);
    changed |= ImGui::SliderInt("extra passes per frame", &cfg.detector.extraPassesPerFrame, 0, 6);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("while looking for new faces, the tilted and profile scans take turns, this many a frame");
    }
    if (resetButton("detector")) session.resetSection(SettingsSection::kDetector);
    ImGui::Separator();
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
    changed |= ImGui::Checkbox("second CNN pass for detected faces", &cfg.tracker.refineDetections);
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("re-crop a face the detector found from its own keypoints and run the CNN again");
    }
    changed |= ImGui::SliderFloat("presence threshold", &cfg.tracker.presenceThreshold, 0.0f, 1.0f, "%.2f");
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("a face scoring below this gets no filter; its track ends after a few such frames");
    }
    if (changed) session.applyDetectorAndTracker();  // takes effect on the next frame
    if (resetButton("tracking")) session.resetSection(SettingsSection::kTracking);
  }

  // --- Model ---
  if (ImGui::CollapsingHeader("Model")) {
    // A snapshot the engine published: the engine thread may load another model while this one is drawn.
    const ModelDescriptionPtr model = session.modelDescription();
    const ModelDescription& m = *model;
    ImGui::TextWrapped("file: %s (%s)", m.path.c_str(), m.device.c_str());
    ImGui::TextWrapped("name: %s", m.metadata.name.c_str());
    ImGui::TextWrapped("%s", m.metadata.description.c_str());
    if (m.hasDetectorStage) {
      ImGui::TextWrapped("two nets: %s() for crops from detector boxes, forward() for crops from keypoints",
                         m.metadata.detectorBoxMethod.c_str());
    }
    ImGui::TextWrapped("%s", m.alignsCrops ? "crops turn with the face's eye line (any roll)"
                                           : "axis-aligned crops (an older file: tilted faces are tracked less "
                                             "well)");
    ImGui::TextWrapped("%s", m.hasPresence ? "face presence: scored (presence threshold applies)"
                                           : "face presence: not scored (an older file: a lost face is ended by "
                                             "the tracker's quality check alone)");
    ImGui::TextWrapped("licence: %s", m.metadata.license.c_str());
    if (!m.metadata.dataFingerprint.empty()) ImGui::TextWrapped("training data: %s", m.metadata.dataFingerprint.c_str());
    if (ImGui::TreeNode("metadata (facefilter.json)")) {
      ImGui::TextUnformatted(m.metadata.rawJson.c_str());
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
      auto s = session.startRecording(timestampedPath(dir, ".mp4"));
      recordStatus_ = s ? "" : s.error().message;
    }
    ImGui::SameLine();
    if (ImGui::Button("Snapshot PNG (S)")) session.requestSnapshot();
    ImGui::Checkbox("landmark sidecar (.landmarks.jsonl)", &cfg.record.landmarkSidecar);
    if (!recordStatus_.empty()) message(1, 0.4f, 0.4f, recordStatus_);
    if (!session.lastRecordReport().empty()) ImGui::TextWrapped("last: %s", session.lastRecordReport().c_str());
    if (!session.lastSnapshot().empty()) ImGui::TextWrapped("%s", session.lastSnapshot().c_str());
    if (resetButton("recording")) session.resetSection(SettingsSection::kRecording);
  }
  if (ImGui::Button("Save settings")) session.saveConfigNow();
  ImGui::SameLine();
  ImGui::TextDisabled("Esc quits");
  ImGui::End();
}

void ControlPanel::drawPresets(AppSession& session) {
  if (!ImGui::CollapsingHeader("Presets")) return;
  const double now = ImGui::GetTime();
  if (now - presetsListedAt_ > kPresetRelistSeconds) {
    auto names = session.presets().list();
    if (names) {
      presetNames_ = std::move(names).value();
    } else {
      presetStatus_ = names.error().message;
      presetStatusIsError_ = true;
    }
    presetsListedAt_ = now;
  }
  ImGui::TextDisabled("%s", session.presets().dir().string().c_str());
  if (ImGui::BeginListBox("##presets", ImVec2(-FLT_MIN, 4.5f * ImGui::GetTextLineHeightWithSpacing()))) {
    for (const auto& name : presetNames_) {
      if (ImGui::Selectable(name.c_str(), name == presetName_)) copyTo(presetName_, sizeof presetName_, name);
    }
    ImGui::EndListBox();
  }
  ImGui::InputText("name", presetName_, sizeof presetName_);
  auto report = [this](const std::string& text, bool error) {
    presetStatus_ = text;
    presetStatusIsError_ = error;
    presetsListedAt_ = -1e9;  // relist now
  };
  if (ImGui::Button("Save")) {
    auto s = session.savePreset(presetName_);
    report(s ? "saved preset '" + std::string(presetName_) + "'" : s.error().message, !s);
  }
  ImGui::SameLine();
  if (ImGui::Button("Load")) {
    auto s = session.loadPreset(presetName_);
    if (!s) {
      report(s.error().message, true);
    } else {
      std::string text = "loaded preset '" + std::string(presetName_) + "'";
      for (const auto& w : s.value()) text += "\n" + w;
      report(text, false);
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Delete")) {
    auto s = session.presets().remove(presetName_);
    report(s ? "deleted preset '" + std::string(presetName_) + "'" : s.error().message, !s);
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(the source, model and window are not part of a preset)");
  if (!presetStatus_.empty()) {
    if (presetStatusIsError_) message(1, 0.4f, 0.4f, presetStatus_);
    else message(0.5f, 0.9f, 0.5f, presetStatus_);
  }
}

}  // namespace facefilter
