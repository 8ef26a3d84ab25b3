#include "app/ui/control_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "app/app_session.hpp"
#include "app/ui/setting_widgets.hpp"
#include "engine/core/clock.hpp"
#include "engine/keypoints/keypoint_model.hpp"

namespace facefilter {
namespace {

constexpr int kPlotBins = 150;              // 5 s at 33 ms a bin: finer than a person reads the plot
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
  const AppConfig& cfg = session.config();
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
  const EngineStats stats = session.engineStats();
  drawStatus(session, stats);
  drawLiveFigures(session, stats);
  drawSource(session, stats);
  camera_.draw(session, state_.messages, state_.camera);
  drawPresets(session);
  drawFilters(session);
  drawDebugViews(session);
  drawDetectorAndTracking(session);
  drawModel(session);
  drawRecording(session);
  drawVirtualCamera(session);
  if (ImGui::Button("Save settings")) session.saveConfigNow();
  ImGui::SameLine();
  ImGui::TextDisabled("Esc quits");
  ImGui::End();
}

// A lost camera, a dark face, an engine error: seen even with every section folded.
void ControlPanel::drawStatus(AppSession& session, const EngineStats& stats) {
  switch (state_.source.state) {
    case SourceState::kOk:
      break;
    case SourceState::kEnded:
      message(1, 0.8f, 0.2f, state_.source.message);
      break;
    default:
      message(1, 0.4f, 0.4f, state_.source.message);
      break;
  }
  camera_.drawStatus(session, state_.messages, state_.camera);
  if (const std::string e = session.virtualCamera().error(); !e.empty()) message(1, 0.4f, 0.4f, e);
  // The engine's last error, unless the source status already says it.
  if (!stats.lastError.empty() && state_.source.message.find(stats.lastError) == std::string::npos) {
    message(1, 0.4f, 0.4f, stats.lastError);
  }
}

void ControlPanel::drawLiveFigures(AppSession& session, const EngineStats& st) {
  const LoopMonitor& m = session.monitor();
  const SampleSummary frameMs = m.periodMs().summary();
  ImGui::Text("render %.0f fps | result age %.0f ms (%lld frames behind)",
              frameMs.median > 0 ? 1000.0 / frameMs.median : 0.0, m.resultAgeMs(),
              static_cast<long long>(m.framesBehind()));
  const SampleSummary lat = m.latencyMs().summary();
  ImGui::Text("capture->display latency: median %.0f ms, p95 %.0f ms", lat.median, lat.p95);
  ImGui::Text("captured %llu, dropped %llu (capture mailbox), faces %zu",
              static_cast<unsigned long long>(st.capture.framesCaptured),
              static_cast<unsigned long long>(st.capture.framesDropped), st.pipeline.tracksActive);
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

void ControlPanel::drawSource(AppSession& session, const EngineStats& stats) {
  if (!ImGui::CollapsingHeader("Source", ImGuiTreeNodeFlags_DefaultOpen)) return;
  ImGui::TextWrapped("%s", stats.source.c_str());
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

void ControlPanel::drawFilters(AppSession& session) {
  if (!ImGui::CollapsingHeader("Filters", ImGuiTreeNodeFlags_DefaultOpen)) return;
  FilterAssignment& a = session.assignment();
  ImGui::TextDisabled("All faces:");
  for (const auto& e : session.filters().entries()) {
    if (!e.error.empty()) continue;
    bool on = std::find(a.all.begin(), a.all.end(), e.name) != a.all.end();
    if (ImGui::Checkbox(e.name.c_str(), &on)) {
      if (on)
        a.all.push_back(e.name);
      else
        a.all.erase(std::remove(a.all.begin(), a.all.end(), e.name), a.all.end());
    }
    ImGui::SameLine();
  }
  ImGui::NewLine();
  if (const auto& r = session.shownResult(); r && !r->faces.empty()) {
    ImGui::TextDisabled("Per face (overrides 'all'):");
    for (const auto& face : r->faces) {
      ImGui::PushID(face.trackId);
      const auto it = a.perTrack.find(face.trackId);
      std::string current =
          it == a.perTrack.end() ? "(all)" : (it->second.empty() ? "none" : joinFilterList(it->second));
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
  sectionWidgets(SettingsSection::kFilters, session.config());
  for (const auto& e : session.filters().entries()) {
    if (!e.error.empty()) message(1, 0.45f, 0.45f, "skipped " + e.name + ": " + e.error);
  }
  ImGui::TextDisabled("Add a folder with filter.json + PNG (or a 3D model's .glb) to:");
  for (const auto& r : session.filters().roots()) ImGui::TextDisabled("  %s", r.string().c_str());
  if (resetButton("filters")) session.resetSection(SettingsSection::kFilters);
}

void ControlPanel::drawDebugViews(AppSession& session) {
  if (!ImGui::CollapsingHeader("Debug views", ImGuiTreeNodeFlags_DefaultOpen)) return;
  sectionWidgets(SettingsSection::kDebugViews, session.config());
  if (resetButton("debug")) session.resetSection(SettingsSection::kDebugViews);
}

void ControlPanel::drawDetectorAndTracking(AppSession& session) {
  if (!ImGui::CollapsingHeader("Detector and smoothing")) return;
  bool changed = sectionWidgets(SettingsSection::kDetector, session.config());
  if (resetButton("detector")) session.resetSection(SettingsSection::kDetector);
  ImGui::Separator();
  changed |= sectionWidgets(SettingsSection::kTracking, session.config());
  if (changed) session.applyDetectorAndTracker();  // takes effect on the next frame
  if (resetButton("tracking")) session.resetSection(SettingsSection::kTracking);
}

void ControlPanel::drawModel(AppSession& session) {
  if (!ImGui::CollapsingHeader("Model")) return;
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
  ImGui::TextWrapped("%s", m.alignsCrops
                               ? "crops turn with the face's eye line (any roll)"
                               : "axis-aligned crops (an older file: tilted faces are tracked less well)");
  ImGui::TextWrapped("%s", m.hasPresence
                               ? "face presence: scored (presence threshold applies)"
                               : "face presence: not scored (an older file: a lost face is ended by the "
                                 "tracker's quality check alone)");
  ImGui::TextWrapped("licence: %s", m.metadata.license.c_str());
  if (!m.metadata.dataFingerprint.empty())
    ImGui::TextWrapped("training data: %s", m.metadata.dataFingerprint.c_str());
  if (ImGui::TreeNode("metadata (facefilter.json)")) {
    ImGui::TextUnformatted(m.metadata.rawJson.c_str());
    ImGui::TreePop();
  }
  // The shipped models by name (a click fills the field); any other file is typed in.
  for (const ShippedModel& shipped : shippedModels()) {
    const std::string chosen = modelPath_;
    const bool isDefault = std::string(shipped.name) == "default";
    if (ImGui::RadioButton(shipped.name, chosen == shipped.name || (isDefault && chosen.empty())))
      copyTo(modelPath_, sizeof modelPath_, shipped.name);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", shipped.what);
    ImGui::SameLine();
  }
  ImGui::NewLine();
  ImGui::InputText("model (name or file)", modelPath_, sizeof modelPath_);
  const char* devices[] = {"auto", "cpu", "cuda"};
  ImGui::Combo("device", &deviceIndex_, devices, 3);
  if (ImGui::Button("Load model")) {
    auto s = session.applyModel(modelPath_, devices[deviceIndex_]);
    modelStatus_ = s ? "loaded (next frame)" : s.error().message;
  }
  if (!modelStatus_.empty()) ImGui::TextWrapped("%s", modelStatus_.c_str());
}

void ControlPanel::drawRecording(AppSession& session) {
  if (!ImGui::CollapsingHeader("Recording", ImGuiTreeNodeFlags_DefaultOpen)) return;
  const SessionRecording& rec = session.recording();
  if (rec.active()) {
    const Recorder* r = rec.recorder();
    ImGui::TextColored(ImVec4(1, 0.3f, 0.3f, 1), "REC %s  %llu written, %llu dropped, %.1f MB",
                       r->params().path.string().c_str(), static_cast<unsigned long long>(r->framesWritten()),
                       static_cast<unsigned long long>(r->framesDropped()),
                       static_cast<double>(r->bytesWritten()) / 1e6);
    if (const std::string sound = r->audioNote(); !sound.empty())
      ImGui::TextWrapped("sound: %s", sound.c_str());
    if (ImGui::Button("Stop recording (V)")) session.stopRecording();
  } else if (ImGui::Button("Record (V)")) {
    session.toggleRecording();
    recordStatus_ = session.recording().active() ? "" : session.recording().lastReport();
  }
  ImGui::SameLine();
  if (ImGui::Button("Snapshot PNG (S)")) session.requestSnapshot();
  sectionWidgets(SettingsSection::kRecording, session.config());
  drawSoundSource(session.config().record.audio);
  if (!recordStatus_.empty()) message(1, 0.4f, 0.4f, recordStatus_);
  if (!rec.lastReport().empty()) ImGui::TextWrapped("last: %s", rec.lastReport().c_str());
  if (!rec.lastSnapshot().empty()) ImGui::TextWrapped("%s", rec.lastSnapshot().c_str());
  if (resetButton("recording")) session.resetSection(SettingsSection::kRecording);
}

// On/off, the device (loopback devices marked; listed when the list is opened, so that a device made after
// the start shows up), size and rate, and what the sender is doing or why it is not.
void ControlPanel::drawVirtualCamera(AppSession& session) {
  if (!ImGui::CollapsingHeader("Virtual camera")) return;
  AppConfig& cfg = session.config();
  std::string& device = cfg.virtualCamera.device;
  bool on = device != "off";
  if (ImGui::Checkbox("send to a virtual camera (v4l2loopback)", &on)) device = on ? "auto" : "off";
  if (ImGui::BeginCombo("device", device.c_str())) {
    if (ImGui::IsWindowAppearing()) videoDevices_ = listVideoNodes(*systemVideoDeviceIo());
    if (ImGui::Selectable("auto (\"facefilter\", else the first loopback device)", device == "auto"))
      device = "auto";
    for (const VideoNode& d : videoDevices_) {
      const std::string label = d.path + "  " + d.name + (d.loopback ? "  [loopback]" : "  (a camera)");
      if (ImGui::Selectable(label.c_str(), device == d.path)) device = d.path;
    }
    if (videoDevices_.empty()) ImGui::TextDisabled("no video devices");
    ImGui::EndCombo();
  }
  settingWidget(*findSetting("virtual_camera_size"), cfg);
  settingWidget(*findSetting("virtual_camera_fps"), cfg);
  SessionVirtualCamera& vcam = session.virtualCamera();
  const std::string status = vcam.statusLine();
  // An error is shown at the top of the panel (drawStatus), where it is seen with this section folded.
  if (!vcam.error().empty()) {
    if (ImGui::SmallButton("Try again")) vcam.retry();
  } else if (vcam.active()) {
    ImGui::TextColored(ImVec4(0.5f, 1, 0.5f, 1), "%s", status.c_str());
  } else {
    ImGui::TextDisabled("%s", status.c_str());
  }
}

// The sound source for live recordings: off, the server's default, or one of the sources it lists (asked
// when the list is opened, so that a plugged-in microphone shows up without a restart).
void ControlPanel::drawSoundSource(std::string& audio) {
  if (ImGui::BeginCombo("sound", audio.c_str())) {
    if (ImGui::IsWindowAppearing()) {
      auto listed = listAudioSources();
      soundSources_ = listed ? std::move(listed).value() : std::vector<AudioSourceInfo>{};
      soundSourcesError_ = listed ? "" : listed.error().message;
    }
    for (const char* fixed : {"off", "default"}) {
      if (ImGui::Selectable(fixed, audio == fixed)) audio = fixed;
    }
    for (const AudioSourceInfo& src : soundSources_) {
      const std::string label = src.description + (src.monitor ? " (what is played)" : "") + "##" + src.name;
      if (ImGui::Selectable(label.c_str(), audio == src.name)) audio = src.name;
    }
    if (!soundSourcesError_.empty()) ImGui::TextDisabled("%s", soundSourcesError_.c_str());
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", std::string(findSetting("record_audio")->help).c_str());
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
    if (presetStatusIsError_)
      message(1, 0.4f, 0.4f, presetStatus_);
    else
      message(0.5f, 0.9f, 0.5f, presetStatus_);
  }
}

}  // namespace facefilter
