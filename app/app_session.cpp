#include "app/app_session.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <atomic>
#include <chrono>
#include <csignal>

#include <opencv2/imgproc.hpp>

#include "app/gl/shader_program.hpp"
#include "app/platform/keys.hpp"
#include "engine/core/logging.hpp"
#include "engine/io/result_json.hpp"

namespace facefilter {
namespace {

// Set from a signal handler, read by the render loop: the one flag a handler may touch.
volatile std::sig_atomic_t gStopRequested = 0;

int64_t nowNs() { return SteadyClock::instance().nowNs(); }

}  // namespace

void requestStopFromSignal() { gStopRequested = 1; }

Result<std::unique_ptr<AppSession>> AppSession::create(AppOptions options) {
  std::unique_ptr<AppSession> s(new AppSession(std::move(options)));
  AppConfig& cfg = s->options_.config;
  const bool headless = s->options_.mode == RunMode::kHeadless;

  WindowParams wp;
  wp.width = cfg.windowWidth;
  wp.height = cfg.windowHeight;
  wp.visibility = headless ? WindowVisibility::kHidden : WindowVisibility::kShown;
  wp.vsync = headless ? VSync::kOff : s->options_.vsync;
  auto window = AppWindow::create(wp);
  if (!window) return window.error();
  s->window_ = std::move(window).value();

  auto shaderDir = gl::findShaderDir();
  if (!shaderDir) return shaderDir.error();
  // ImGui needs one frame begun before its draw-list data (fonts) is usable by the overlay drawer.
  s->window_->beginImGuiFrame();
  ImGui::EndFrame();
  auto scene = SceneRenderer::create(shaderDir.value());
  if (!scene) return scene.error();
  s->scene_.emplace(std::move(scene).value());

  s->filters_ = std::make_unique<FilterLibrary>(defaultFilterRoots());
  s->filters_->poll();
  s->assignment_.all = splitFilterList(cfg.view.filters);
  for (const auto& name : s->assignment_.all) {
    const FilterEntry* e = nullptr;
    for (const auto& entry : s->filters_->entries()) {
      if (entry.name == name) e = &entry;
    }
    if (e == nullptr) logger("render")->warn("filter '{}' not found in {} folder(s)", name, s->filters_->roots().size());
    else if (!e->error.empty()) logger("render")->warn("filter '{}' is malformed: {}", name, e->error);
  }

  auto detector = FaceDetector::create(cfg.detector);
  if (!detector) return detector.error();
  auto device = parseComputeDevice(cfg.device);
  if (!device) return device.error();
  auto model = KeypointModel::load(cfg.modelPath.empty() ? defaultModelPath() : cfg.modelPath, device.value());
  if (!model) return model.error();
  logger("keypoints")->info("model: {} on {} (load only model files you trust: TorchScript is code)",
                            model.value().path(), model.value().deviceName());
  const ModelMetadata& meta = model.value().metadata();
  s->scene_->setCnnInput(CnnInput{meta.inputWidth, meta.channels});
  auto pipeline = std::make_unique<FacePipeline>(std::move(detector).value(), std::move(model).value(), cfg.tracker);
  s->engine_ = std::make_unique<EngineThread>(std::move(pipeline));
  s->presets_ = PresetStore(s->options_.presetDir);
  return s;
}

AppSession::~AppSession() {
  stopRecording();
  if (engine_) {
    engine_->setResultCallback(nullptr);
    engine_->stop();
  }
}

CaptureParams AppSession::captureParamsFor(const SourceSpec& spec) const {
  CaptureParams p;
  if (options_.mode == RunMode::kHeadless) {
    p.delivery = Delivery::kNoDrop;
    p.pacing = Pacing::kAsFastAsPossible;
    p.atEnd = EndBehaviour::kStop;
    p.maxFrames = options_.maxFrames;
  } else {
    p.delivery = Delivery::kLatest;
    p.pacing = Pacing::kSourceRate;
    const bool demo = spec.kind == SourceKind::kDemo || spec.kind == SourceKind::kDefault;
    p.atEnd = (demo || options_.loopFiles || spec.kind == SourceKind::kImage) ? EndBehaviour::kLoop : EndBehaviour::kStop;
  }
  return p;
}

Status AppSession::applySource(const std::string& text) {
  auto spec = parseSourceSpec(text);
  if (!spec) return spec.error();
  if (recorder_) stopRecording();  // a new source may have another size
  recentFrames_.clear();
  shownResult_.reset();
  auto s = engine_->setSource(spec.value(), captureParamsFor(spec.value()));
  if (!s) return s.error();
  sourceFps_ = engine_->sourceInfo().fps;
  options_.config.source = text;
  sourceOpenError_.clear();
  sourceFallback_.clear();
  stageHistory_.clear();
  return Ok{};
}

Status AppSession::applyModel(const std::string& path, const std::string& deviceText) {
  auto device = parseComputeDevice(deviceText);
  if (!device) return device.error();
  auto model = KeypointModel::load(path.empty() ? defaultModelPath() : path, device.value());
  if (!model) return model.error();
  scene_->setCnnInput(CnnInput{model.value().metadata().inputWidth, model.value().metadata().channels});
  sceneDirty_ = true;
  engine_->pipeline().setModel(std::move(model).value());
  options_.config.modelPath = path;
  options_.config.device = deviceText;
  return Ok{};
}

void AppSession::applyDetectorAndTracker() {
  if (auto s = engine_->pipeline().setDetectorParams(options_.config.detector); !s) {
    logger("detect")->warn("{}", s.error().message);
  }
  if (auto s = engine_->pipeline().setTrackerParams(options_.config.tracker); !s) {
    logger("track")->warn("{}", s.error().message);
  }
}

SourceStatus AppSession::sourceStatus() const {
  return facefilter::sourceStatus(engine_->stats(), sourceOpenError_, sourceFallback_);
}

void AppSession::syncAssignmentFromConfig() { assignment_.all = splitFilterList(options_.config.view.filters); }

Status AppSession::savePreset(const std::string& name) {
  options_.config.view.filters = joinFilterList(assignment_.all);
  return presets_.save(name, options_.config);
}

Result<std::vector<std::string>> AppSession::loadPreset(const std::string& name) {
  auto warnings = presets_.applyTo(name, options_.config);
  if (!warnings) return warnings.error();
  syncAssignmentFromConfig();
  applyDetectorAndTracker();
  logger("render")->info("loaded preset '{}' from {}", name, presets_.pathFor(name).string());
  return warnings;
}

void AppSession::resetSection(SettingsSection section) {
  facefilter::resetSection(options_.config, section);
  if (section == SettingsSection::kFilters) syncAssignmentFromConfig();
  if (section == SettingsSection::kDetector || section == SettingsSection::kTracking) applyDetectorAndTracker();
}

void AppSession::requestClose() {
  if (window_) window_->requestClose();
}

Status AppSession::startRecording(const std::filesystem::path& path) {
  if (!scene_->hasFrame()) return makeError("startRecording: no frame yet to take the size from");
  RecorderParams p;
  p.path = path;
  p.size = cv::Size(scene_->frame()->image.cols, scene_->frame()->image.rows);
  p.fps = sourceFps_ > 0 ? sourceFps_ : options_.config.record.fps;
  p.queueFrames = static_cast<size_t>(options_.config.record.queueFrames);
  p.policy = options_.mode == RunMode::kHeadless ? DropPolicy::kBlock : DropPolicy::kDropWhenFull;
  p.landmarkSidecar = options_.config.record.landmarkSidecar;
  auto r = Recorder::start(p);
  if (!r) return r.error();
  recorder_ = std::move(r).value();
  readback_ = FrameReadback();
  return Ok{};
}

void AppSession::stopRecording() {
  if (!recorder_) return;
  // The frame still in the readback ring belongs to the recording.
  if (auto last = readback_.flush()) recorder_->push(std::move(last->bgra), std::move(pendingSidecarLine_));
  pendingSidecarLine_.clear();
  const RecorderSummary s = recorder_->stop();
  lastRecordReport_ = recordReport(s);
  loopStats_.addRecording(s.framesWritten, s.framesDropped);
  recorder_.reset();
}

void AppSession::saveConfigNow() {
  if (options_.configPath.empty()) return;
  options_.config.view.filters = joinFilterList(assignment_.all);
  if (auto s = saveConfig(options_.configPath, options_.config); !s) logger("render")->warn("{}", s.error().message);
}

void AppSession::renderOne(const FramePtr& frame, const FrameResultPtr& result, Redraw redraw) {
  const bool newFrame = frame != scene_->frame();
  // The loop runs at the display's rate, the video at its own (often 25-30 fps): redrawing an unchanged
  // picture is most of the GPU work of a software renderer (Xvfb's llvmpipe) and buys nothing.
  const bool changed = redraw == Redraw::kAlways || sceneDirty_ || newFrame || result != renderedResult_ ||
                       !(options_.config.view == renderedView_) || !(assignment_ == renderedAssignment_);
  if (changed) {
    scene_->setFrame(frame);
    if (result) updateLighting(*frame, *result);
    sceneStats_ = scene_->render(result.get(), options_.config.view, assignment_, *filters_);
    renderedResult_ = result;
    renderedView_ = options_.config.view;
    renderedAssignment_ = assignment_;
    sceneDirty_ = false;
  }
  // One recorded frame per video frame shown, so the file plays at the source's rate (params.fps), not at
  // the render loop's.
  if (recorder_ && (redraw == Redraw::kAlways || newFrame)) {
    std::string line = (result && options_.config.record.landmarkSidecar) ? frameResultJsonLine(*result) : std::string();
    // The readback returns the previous frame; its sidecar line is carried with the tag.
    auto previous = readback_.push(scene_->target(), frame ? frame->id : 0);
    if (previous) recorder_->push(std::move(previous->bgra), std::move(pendingSidecarLine_));
    pendingSidecarLine_ = std::move(line);
  }
  if (snapshotRequested_) {
    snapshotRequested_ = false;
    const auto& t = scene_->target();
    cv::Mat bgra(t.height(), t.width(), CV_8UC4);
    GLint previous = 0;
    glGetIntegerv(GL_READ_FRAMEBUFFER_BINDING, &previous);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, t.framebuffer());
    glPixelStorei(GL_PACK_ALIGNMENT, 4);
    glReadPixels(0, 0, t.width(), t.height(), GL_BGRA, GL_UNSIGNED_BYTE, bgra.data);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, static_cast<GLuint>(previous));
    std::filesystem::path path = options_.snapshotPath.empty()
                                     ? timestampedPath(options_.config.record.outputDir.empty() ? "." : options_.config.record.outputDir, ".png")
                                     : std::filesystem::path(options_.snapshotPath);
    auto s = writeSnapshot(path, bgra);
    lastSnapshot_ = s ? "saved " + path.string() : s.error().message;
    logger("record")->info("{}", lastSnapshot_);
  }
}

void AppSession::updateLighting(const Frame& frame, const FrameResult& result) {
  if (!options_.config.view.lightingHint || result.faces.empty() || frame.id % 15 != 0) return;
  const cv::Rect2f box = result.faces.front().box;
  const cv::Rect r = cv::Rect(box) & cv::Rect(0, 0, frame.image.cols, frame.image.rows);
  if (r.area() <= 0) return;
  const cv::Scalar faceMean = cv::mean(frame.image(r));
  const cv::Scalar frameMean = cv::mean(frame.image);
  const double face = (faceMean[0] + faceMean[1] + faceMean[2]) / 3.0;
  const double whole = (frameMean[0] + frameMean[1] + frameMean[2]) / 3.0;
  if (face < 60) lightingHint_ = "Face is dark: add light in front of you";
  else if (face > 225) lightingHint_ = "Face is overexposed: reduce the light on your face";
  else if (whole - face > 50) lightingHint_ = "Strong backlight: face a light source or turn away from the window";
  else lightingHint_.clear();
}

// Shortcuts are looked up through app/platform/keys.hpp (how ImGui names each key is kept there).
void AppSession::handleShortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantCaptureKeyboard) return;
  DebugViews& d = options_.config.view.debug;
  if (keyPressed(Key::kTab)) options_.config.view.showPanel = !options_.config.view.showPanel;
  if (keyPressed(Key::kP)) d.points = !d.points;
  if (keyPressed(Key::kI)) d.indices = !d.indices;
  if (keyPressed(Key::kB)) d.boxes = !d.boxes;
  if (keyPressed(Key::kC)) d.crop = !d.crop;
  if (keyPressed(Key::kD)) d.rawDetections = !d.rawDetections;
  if (keyPressed(Key::kR)) d.rawVsSmoothed = !d.rawVsSmoothed;
  if (keyPressed(Key::kH)) d.headPoseAxes = !d.headPoseAxes;
  if (keyPressed(Key::kS)) requestSnapshot();
  if (keyPressed(Key::kV)) {
    if (recorder_) stopRecording();
    else if (auto s = startRecording(timestampedPath(options_.config.record.outputDir.empty() ? "." : options_.config.record.outputDir, ".mp4")); !s)
      lastRecordReport_ = s.error().message;
  }
  if (keyPressed(Key::kEscape)) window_->requestClose();
}

int AppSession::run() {
  std::signal(SIGINT, [](int) { requestStopFromSignal(); });
  std::signal(SIGTERM, [](int) { requestStopFromSignal(); });
  return options_.mode == RunMode::kHeadless ? runHeadless() : runInteractive();
}

int AppSession::runInteractive() {
  if (auto s = applySource(options_.config.source); !s) {
    logger("capture")->error("{}", s.error().message);
    const std::string asked = options_.config.source;
    if (auto d = applySource("demo"); !d) {
      logger("capture")->error("{}", d.error().message);
      sourceOpenError_ = s.error().message;
    } else {
      // The panel says why the user sees the demo, not their camera; the settings keep what they asked for.
      sourceOpenError_ = s.error().message;
      sourceFallback_ = "the demo video";
      options_.config.source = asked;
    }
  }
  const int64_t loopStartNs = nowNs();
  int64_t lastPollNs = loopStartNs, lastFrameNs = loopStartNs;
  bool startedRecording = options_.recordPath.empty();
  while (!window_->shouldClose() && gStopRequested == 0) {
    window_->pollEvents();
    const int64_t t0 = nowNs();
    if (t0 - lastPollNs > 500'000'000) {
      if (filters_->poll()) sceneDirty_ = true;
      lastPollNs = t0;
    }
    window_->beginImGuiFrame();
    handleShortcuts();

    // The newest frame and the newest result, without waiting.
    if (FramePtr newest = engine_->latestFrame(); newest && (recentFrames_.empty() || recentFrames_.back() != newest)) {
      recentFrames_.push_back(newest);
      while (recentFrames_.size() > 32) recentFrames_.pop_front();
    }
    FrameResultPtr result = engine_->latestResult();
    if (engine_->resultVersion() != lastResultVersion_ && result) {
      lastResultVersion_ = engine_->resultVersion();
      stageHistory_.add(StageSample{result->resultNs, static_cast<float>(result->times.detect),
                                    static_cast<float>(result->times.keypoints), static_cast<float>(result->times.track),
                                    static_cast<float>(nsToMs(result->resultNs - result->captureNs))});
    }
    FramePtr shown;
    if (!recentFrames_.empty()) {
      const ViewSettings& v = options_.config.view;
      shown = recentFrames_.back();
      if (v.sync == VideoSync::kMatchResult && result) {
        for (auto it = recentFrames_.rbegin(); it != recentFrames_.rend(); ++it) {
          if ((*it)->id == result->frameId) {
            shown = *it;
            break;
          }
        }
      } else if (v.sync == VideoSync::kNewestFrame && v.holdVideoFrames > 0) {
        const size_t back = std::min(recentFrames_.size() - 1, static_cast<size_t>(v.holdVideoFrames));
        shown = recentFrames_[recentFrames_.size() - 1 - back];
      }
    }
    shownResult_ = result;
    if (result && shown) {
      resultAgeMs_ = nsToMs(nowNs() - result->captureNs);
      framesBehind_ = static_cast<int64_t>(recentFrames_.back()->id) - static_cast<int64_t>(result->frameId);
    }
    if (shown) {
      const bool newFrame = shown != scene_->frame();
      renderOne(shown, result, Redraw::kWhenChanged);
      if (newFrame) latencyMs_.add(nsToMs(nowNs() - shown->captureNs));
      if (!startedRecording) {
        startedRecording = true;
        if (auto s = startRecording(options_.recordPath); !s) lastRecordReport_ = s.error().message;
      }
    }
    // A file that ended finalises its recording; so does a full disk (the panel shows why).
    if (recorder_ && (engine_->finished() || recorder_->failed())) stopRecording();

    const FramebufferSize fb = window_->framebufferSize();
    scene_->present(fb.width, fb.height);
    if (options_.config.view.showPanel) panel_.draw(*this);
    window_->renderImGui();
    ++framesShown_;
    if (options_.quitAfterFrames > 0 && framesShown_ >= options_.quitAfterFrames) {
      if (!options_.windowScreenshotPath.empty()) saveWindowScreenshot(options_.windowScreenshotPath);
      window_->requestClose();
    }
    window_->swapBuffers();
    const int64_t t1 = nowNs();
    renderMs_.add(nsToMs(t1 - lastFrameNs));
    loopStats_.addFrame(nsToMs(t1 - lastFrameNs), result && shown ? resultAgeMs_ : -1.0);
    lastFrameNs = t1;
    if (options_.afterFrame) options_.afterFrame(*this);
  }
  loopStats_.setWallSeconds(nsToMs(lastFrameNs - loopStartNs) / 1000.0);
  stopRecording();
  writeStats();
  int ww = 0, wh = 0;
  glfwGetWindowSize(window_->handle(), &ww, &wh);
  if (ww >= 320 && wh >= 240) {
    options_.config.windowWidth = ww;
    options_.config.windowHeight = wh;
  }
  saveConfigNow();
  return 0;
}

void AppSession::writeStats() {
  if (options_.statsJsonPath.empty()) return;
  int ww = 0, wh = 0;
  glfwGetWindowSize(window_->handle(), &ww, &wh);
  const FramebufferSize fb = window_->framebufferSize();
  loopStats_.setWindow(ww, wh, fb.width, fb.height);
  loopStats_.setMode(options_.mode == RunMode::kHeadless ? "headless" : "interactive");
  loopStats_.setSwapInterval(options_.mode == RunMode::kInteractive && options_.vsync == VSync::kOn ? 1 : 0);
  if (auto s = loopStats_.write(options_.statsJsonPath); !s) {
    logger("render")->error("{}", s.error().message);
  } else {
    logger("render")->info("render loop: {} frames in {:.2f} s ({:.1f} fps, median {:.2f} ms, p99 {:.2f} ms) -> {}",
                           loopStats_.frames(), loopStats_.wallSeconds(), loopStats_.fps(),
                           loopStats_.frameMsQuantile(0.5), loopStats_.frameMsQuantile(0.99),
                           options_.statsJsonPath.string());
  }
}

void AppSession::saveWindowScreenshot(const std::filesystem::path& path) {
  const FramebufferSize fb = window_->framebufferSize();
  cv::Mat bgra(fb.height, fb.width, CV_8UC4);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, fb.width, fb.height, GL_BGRA, GL_UNSIGNED_BYTE, bgra.data);
  auto s = writeSnapshot(path, bgra);
  logger("record")->info("{}", s ? "window screenshot " + path.string() : s.error().message);
}

int AppSession::runHeadless() {
  if (options_.recordPath.empty() && options_.snapshotPath.empty()) {
    logger("record")->error("--headless needs --record OUT.mp4 and/or --snapshot OUT.png");
    return 2;
  }
  // Every processed frame, in order; the bounded queue makes the engine wait for the renderer.
  BoundedQueue<std::pair<FramePtr, FrameResultPtr>> queue(4);
  engine_->setResultCallback([&queue](const FramePtr& f, const FrameResultPtr& r) { queue.push({f, r}); });
  if (auto s = applySource(options_.config.source); !s) {
    logger("capture")->error("{}", s.error().message);
    return 1;
  }
  uint64_t rendered = 0;
  const int64_t loopStartNs = nowNs();
  int64_t lastFrameNs = loopStartNs;
  FramePtr last;
  FrameResultPtr lastResult;
  bool interrupted = false;
  bool recordFailed = false;
  while (true) {
    if (gStopRequested != 0) {
      interrupted = true;
      break;
    }
    auto item = queue.pop(std::chrono::milliseconds(50));
    if (!item) {
      if (engine_->finished() && queue.size() == 0) break;
      continue;
    }
    window_->pollEvents();
    window_->beginImGuiFrame();  // keeps ImGui's per-frame data (fonts for overlay text) valid
    if (!recorder_ && !options_.recordPath.empty()) {
      scene_->setFrame(item->first);
      if (auto s = startRecording(options_.recordPath); !s) {
        logger("record")->error("{}", s.error().message);
        ImGui::EndFrame();
        engine_->setResultCallback(nullptr);
        queue.close();
        return 1;
      }
    }
    renderOne(item->first, item->second, Redraw::kAlways);
    ImGui::EndFrame();
    const int64_t t1 = nowNs();
    loopStats_.addFrame(nsToMs(t1 - lastFrameNs), item->second ? nsToMs(t1 - item->second->captureNs) : -1.0);
    lastFrameNs = t1;
    last = item->first;
    lastResult = item->second;
    ++rendered;
    if (recorder_ && recorder_->failed()) {  // disk full: keep what was written, finalised, and say so
      recordFailed = true;
      break;
    }
  }
  const EngineStats st = engine_->stats();  // before stop(), which drops the capture thread
  engine_->setResultCallback(nullptr);
  queue.close();
  engine_->stop();
  loopStats_.setWallSeconds(nsToMs(lastFrameNs - loopStartNs) / 1000.0);
  stopRecording();
  writeStats();
  if (!options_.snapshotPath.empty() && last) {
    window_->beginImGuiFrame();
    requestSnapshot();
    renderOne(last, lastResult, Redraw::kAlways);
    ImGui::EndFrame();
  }
  std::fprintf(stderr, "facefilter: %s %llu frames rendered (%llu captured, %llu processed)%s\n",
               interrupted ? "interrupted after" : "done:", static_cast<unsigned long long>(rendered),
               static_cast<unsigned long long>(st.capture.framesCaptured),
               static_cast<unsigned long long>(st.pipeline.frames), interrupted ? ", recording finalised" : "");
  if (!lastRecordReport_.empty()) std::fprintf(stderr, "facefilter: recorded %s\n", lastRecordReport_.c_str());
  if (!lastSnapshot_.empty()) std::fprintf(stderr, "facefilter: snapshot %s\n", lastSnapshot_.c_str());
  if (recordFailed) return 1;
  return interrupted ? 130 : 0;
}

}  // namespace facefilter
