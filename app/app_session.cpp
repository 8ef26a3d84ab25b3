#include "app/app_session.hpp"

#include <GLFW/glfw3.h>
#include <imgui.h>

#include <atomic>
#include <chrono>
#include <csignal>

#include "app/gl/shader_program.hpp"
#include "app/platform/egl_context.hpp"
#include "app/record/frame_readback.hpp"
#include "app/ui/shortcuts.hpp"
#include "engine/core/logging.hpp"
#include "engine/io/result_json.hpp"
#include "media/frame_clock.hpp"
#include "settings/command_line.hpp"

namespace facefilter {
namespace {

// Set from a signal handler, read by the render loop: the one flag a handler may touch.
volatile std::sig_atomic_t gStopRequested = 0;

int64_t nowNs() {
  return SteadyClock::instance().nowNs();
}

// The lighting hint is judged every this many frames: often enough to follow a light switched on, rarely
// enough to cost nothing.
constexpr uint64_t kLightingEveryFrames = 15;
// Filter folders are checked for new or edited filters this often.
constexpr int64_t kFilterPollNs = 500'000'000;

}  // namespace

void requestStopFromSignal() {
  gStopRequested = 1;
}

Result<std::unique_ptr<AppSession>> AppSession::create(AppOptions options) {
  std::unique_ptr<AppSession> s(new AppSession(std::move(options)));
  const AppConfig& cfg = s->options_.config;
  const bool headless = s->options_.mode == RunMode::kHeadless;

  // Headless needs no display: without one (or when asked) the context comes from EGL.
  if (headless && resolveGlPlatform(s->options_.glPlatform) == GlPlatform::kEgl) {
    auto egl = EglContext::create(EglParams{cfg.windowWidth, cfg.windowHeight});
    if (!egl) return egl.error();
    s->gl_ = std::move(egl).value();
  } else {
    WindowParams wp;
    wp.width = cfg.windowWidth;
    wp.height = cfg.windowHeight;
    wp.visibility = headless ? WindowVisibility::kHidden : WindowVisibility::kShown;
    wp.vsync = headless ? VSync::kOff : s->options_.vsync;
    auto window = AppWindow::create(wp);
    if (!window) return window.error();
    s->window_ = window.value().get();
    s->gl_ = std::move(window).value();
  }

  auto shaderDir = gl::findShaderDir();
  if (!shaderDir) return shaderDir.error();
  // ImGui needs one frame begun before its draw-list data (fonts) is usable by the overlay drawer.
  s->gl_->beginImGuiFrame();
  ImGui::EndFrame();
  auto scene = SceneRenderer::create(shaderDir.value());
  if (!scene) return scene.error();
  s->scene_.emplace(std::move(scene).value());

  s->filters_ = std::make_unique<FilterLibrary>(defaultFilterRoots());
  s->filters_->poll();
  s->assignment_.all = splitFilterList(cfg.view.filters);
  s->logMissingFilters();
  if (auto e = s->openEngine(); !e) return e.error();
  s->presets_ = PresetStore(s->options_.presetDir);
  s->virtualCamera_.setSinkFactory(s->options_.virtualCameraSink);
  s->camera_.setIo(s->options_.videoDeviceIo);
  if (headless && cfg.virtualCamera.device != "off")
    logger("vcam")->warn(
        "--virtual-camera is ignored with --headless (a batch renders faster than real time)");
  return s;
}

void AppSession::logMissingFilters() const {
  for (const auto& name : assignment_.all) {
    const FilterEntry* e = nullptr;
    for (const auto& entry : filters_->entries()) {
      if (entry.name == name) e = &entry;
    }
    if (e == nullptr)
      logger("render")->warn("filter '{}' not found in {} folder(s)", name, filters_->roots().size());
    else if (!e->error.empty())
      logger("render")->warn("filter '{}' is malformed: {}", name, e->error);
  }
}

Status AppSession::openEngine() {
  const AppConfig& cfg = options_.config;
  auto detector = FaceDetector::create(cfg.detector);
  if (!detector) return detector.error();
  auto device = parseComputeDevice(cfg.device);
  if (!device) return device.error();
  auto model =
      KeypointModel::load(cfg.modelPath.empty() ? defaultModelPath() : cfg.modelPath, device.value());
  if (!model) return model.error();
  logger("keypoints")
      ->info("model: {} on {} (load only model files you trust: TorchScript is code)", model.value().path(),
             model.value().deviceName());
  const ModelMetadata& meta = model.value().metadata();
  scene_->setCnnInput(CnnInput{meta.inputWidth, meta.channels});
  auto pipeline =
      std::make_unique<FacePipeline>(std::move(detector).value(), std::move(model).value(), cfg.tracker);
  engine_ = std::make_unique<EngineThread>(std::move(pipeline));
  return Ok{};
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
    p.atEnd = (demo || options_.loopFiles || spec.kind == SourceKind::kImage) ? EndBehaviour::kLoop
                                                                              : EndBehaviour::kStop;
  }
  return p;
}

Status AppSession::applySource(const std::string& text) {
  auto spec = parseSourceSpec(text);
  if (!spec) return spec.error();
  if (recording_.active()) stopRecording();  // a new source may have another size
  recentFrames_.clear();
  shownResult_.reset();
  auto s = engine_->setSource(spec.value(), captureParamsFor(spec.value()));
  if (!s) return s.error();
  sourceFps_ = engine_->sourceInfo().fps;
  sourceSpec_ = spec.value();
  options_.config.source = text;
  sourceOpenError_.clear();
  sourceFallback_.clear();
  monitor_.clearHistory();
  cameraReconnects_ = 0;  // the new capture counts its own
  followCamera(SessionCamera::Reattach::kIfChanged);
  return Ok{};
}

void AppSession::followCamera(SessionCamera::Reattach when) {
  const SourceInfo info = engine_->sourceInfo();
  if (info.cameraPath.empty()) {
    camera_.detach();
    return;
  }
  camera_.attach(info.cameraPath, info.cameraName, options_.config.cameraControls, when);
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

void AppSession::syncAssignmentFromConfig() {
  assignment_.all = splitFilterList(options_.config.view.filters);
}

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
  if (section == SettingsSection::kDetector || section == SettingsSection::kTracking)
    applyDetectorAndTracker();
}

void AppSession::saveConfigNow() {
  if (options_.configPath.empty()) return;
  options_.config.view.filters = joinFilterList(assignment_.all);
  if (auto s = saveConfig(options_.configPath, options_.config); !s)
    logger("render")->warn("{}", s.error().message);
}

void AppSession::requestClose() {
  if (window_) window_->requestClose();
}

std::filesystem::path AppSession::recordFolder() const {
  return options_.config.record.outputDir.empty() ? "." : options_.config.record.outputDir;
}

std::string AppSession::recordingExtension() const {
  return containerExtension(parseContainer(options_.config.record.format).value_or(VideoContainer::kMp4H264));
}

Status AppSession::startRecording(const std::filesystem::path& path) {
  if (!scene_->hasFrame()) return makeError("startRecording: no frame yet to take the size from");
  const RecordSettings& rc = options_.config.record;
  const bool headless = options_.mode == RunMode::kHeadless;
  RecorderParams p;
  p.path = path;
  p.size = cv::Size(scene_->frame()->image.cols, scene_->frame()->image.rows);
  p.fps = sourceFps_ > 0 ? sourceFps_ : rc.fps;
  p.encoder = encoderSettingsFor(path, rc.format, rc.crf, rc.preset);
  p.queueFrames = static_cast<size_t>(rc.queueFrames);
  p.policy = headless ? DropPolicy::kBlock : DropPolicy::kDropWhenFull;
  p.landmarkSidecar = rc.landmarkSidecar;
  // Batch keeps the input's sound; live records the microphone (each on its frames' clock: frame_clock.hpp).
  if (rc.audio != "off") {
    const bool file = sourceSpec_.kind == SourceKind::kVideoFile || sourceSpec_.kind == SourceKind::kDemo;
    if (headless && file)
      p.audioFromFile = sourceSpec_.kind == SourceKind::kDemo ? kDemoVideoPath : sourceSpec_.path;
    if (!headless) p.microphone = rc.audio;
  }
  return recording_.start(p);
}

int64_t AppSession::recordingTimeNs(const Frame& frame) const {
  const FrameClock clock = frameClockFor(sourceSpec_.kind, options_.mode != RunMode::kHeadless);
  return frameTimeNs(frame, clock, sourceFps_ > 0 ? sourceFps_ : options_.config.record.fps);
}

void AppSession::stopRecording() {
  if (auto summary = recording_.stop())
    monitor_.totals().addRecording(summary->framesWritten, summary->framesDropped);
}

void AppSession::toggleRecording() {
  if (recording_.active()) {
    stopRecording();
  } else if (auto s = startRecording(timestampedPath(recordFolder(), recordingExtension())); !s) {
    recording_.setLastReport(s.error().message);
  }
}

void AppSession::renderOne(const FramePtr& frame, const FrameResultPtr& result, Redraw redraw) {
  const bool newFrame = frame != scene_->frame();
  // The loop runs at the display's rate, the video at its own (often 25-30 fps): redrawing an unchanged
  // picture is most of the GPU work of a software renderer (Xvfb's llvmpipe) and buys nothing.
  const bool changed = redraw == Redraw::kAlways || sceneDirty_ || newFrame || result != renderedResult_ ||
                       !(options_.config.view == renderedView_) || !(assignment_ == renderedAssignment_);
  if (changed) {
    scene_->setFrame(frame);
    if (!options_.config.view.lightingHint) {
      lightingProblem_ = LightingProblem::kNone;
    } else if (result && frame->id % kLightingEveryFrames == 0) {
      lightingProblem_ = judgeLighting(*frame, *result);
    }
    sceneStats_ = scene_->render(result.get(), options_.config.view, assignment_, *filters_);
    monitor_.totals().addDrawn(sceneStats_.facesDrawn, sceneStats_.modelsDrawn);
    renderedResult_ = result;
    renderedView_ = options_.config.view;
    renderedAssignment_ = assignment_;
    sceneDirty_ = false;
  }
  virtualCamera_.addFrame(scene_->target(), changed);
  // One recorded frame per video frame shown, so the file plays at the source's rate (params.fps), not at
  // the render loop's.
  if (recording_.active() && (redraw == Redraw::kAlways || newFrame)) {
    std::string line =
        (result && options_.config.record.landmarkSidecar) ? frameResultJsonLine(*result) : std::string();
    recording_.addFrame(scene_->target(), frame ? frame->id : 0, frame ? recordingTimeNs(*frame) : nowNs(),
                        std::move(line));
  }
  takeSnapshotIfRequested();
}

void AppSession::takeSnapshotIfRequested() {
  if (!recording_.snapshotRequested()) return;
  const std::filesystem::path path = options_.snapshotPath.empty()
                                         ? timestampedPath(recordFolder(), ".png")
                                         : std::filesystem::path(options_.snapshotPath);
  recording_.takeSnapshot(scene_->target(), path);
}

int AppSession::run() {
  std::signal(SIGINT, [](int) { requestStopFromSignal(); });
  std::signal(SIGTERM, [](int) { requestStopFromSignal(); });
  return options_.mode == RunMode::kHeadless ? runHeadless() : runInteractive();
}

void AppSession::openSourceOrDemo() {
  auto s = applySource(options_.config.source);
  if (s) return;
  logger("capture")->error("{}", s.error().message);
  const std::string asked = options_.config.source;
  if (auto d = applySource("demo"); !d) {
    logger("capture")->error("{}", d.error().message);
    sourceOpenError_ = s.error().message;
    return;
  }
  // The panel says why the user sees the demo, not their camera; the settings keep what they asked for.
  sourceOpenError_ = s.error().message;
  sourceFallback_ = "the demo video";
  options_.config.source = asked;
}

int AppSession::runInteractive() {
  openSourceOrDemo();
  loopStartNs_ = lastPollNs_ = lastFrameNs_ = nowNs();
  startedRecording_ = options_.recordPath.empty();
  while (!window_->shouldClose() && gStopRequested == 0) interactiveFrame();
  finishInteractive();
  return kExitOk;  // closing the window, Esc and Ctrl-C all end a live session normally
}

void AppSession::interactiveFrame() {
  window_->pollEvents();
  if (const int64_t t0 = nowNs(); t0 - lastPollNs_ > kFilterPollNs) {
    if (filters_->poll()) sceneDirty_ = true;
    lastPollNs_ = t0;
    // A camera that came back after it was unplugged has lost its control values: apply them again.
    if (const uint64_t reconnects = engine_->stats().capture.reconnects; reconnects != cameraReconnects_) {
      cameraReconnects_ = reconnects;
      followCamera(SessionCamera::Reattach::kAgain);
    }
  }
  window_->beginImGuiFrame();
  handleShortcuts(options_.config, {[this] { requestSnapshot(); }, [this] { toggleRecording(); },
                                    [this] { window_->requestClose(); }});

  virtualCamera_.follow(options_.config.virtualCamera);
  // The newest frame and the newest result, without waiting.
  recentFrames_.add(engine_->latestFrame());
  FrameResultPtr result = engine_->latestResult();
  if (result) monitor_.onResult(*result, engine_->resultVersion());
  const FramePtr shown = recentFrames_.pick(result.get(), options_.config.view);
  shownResult_ = result;
  if (result && shown) monitor_.onShown(*result, recentFrames_.newest()->id, nowNs());
  if (shown) {
    const bool newFrame = shown != scene_->frame();
    renderOne(shown, result, options_.redrawEveryFrame ? Redraw::kAlways : Redraw::kWhenChanged);
    if (newFrame) monitor_.onNewFrame(*shown, nowNs());
    if (!startedRecording_) {
      startedRecording_ = true;
      if (auto s = startRecording(options_.recordPath); !s) recording_.setLastReport(s.error().message);
    }
  }
  // A file that ended finalises its recording; so does a full disk (the panel shows why).
  if (recording_.active() && (engine_->finished() || recording_.failed())) stopRecording();

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
  monitor_.onLoopEnd(nsToMs(t1 - lastFrameNs_), result && shown);
  lastFrameNs_ = t1;
  if (options_.afterFrame) options_.afterFrame(*this);
}

void AppSession::finishInteractive() {
  monitor_.totals().setWallSeconds(nsToMs(lastFrameNs_ - loopStartNs_) / 1000.0);
  stopRecording();
  virtualCamera_.stop();
  writeStats();
  int ww = 0, wh = 0;
  glfwGetWindowSize(window_->handle(), &ww, &wh);
  if (ww >= 320 && wh >= 240) {
    options_.config.windowWidth = ww;
    options_.config.windowHeight = wh;
  }
  saveConfigNow();
}

void AppSession::writeStats() {
  if (options_.statsJsonPath.empty()) return;
  const WindowSize ws = gl_->windowSize();
  const FramebufferSize fb = gl_->framebufferSize();
  RenderLoopStats& totals = monitor_.totals();
  totals.setWindow(ws.width, ws.height, fb.width, fb.height);
  totals.setMode(options_.mode == RunMode::kHeadless ? "headless" : "interactive");
  totals.setSwapInterval(options_.mode == RunMode::kInteractive && options_.vsync == VSync::kOn ? 1 : 0);
  if (auto s = totals.write(options_.statsJsonPath); !s) {
    logger("render")->error("{}", s.error().message);
  } else {
    logger("render")->info(
        "render loop: {} frames in {:.2f} s ({:.1f} fps, median {:.2f} ms, p99 {:.2f} ms) -> {}",
        totals.frames(), totals.wallSeconds(), totals.fps(), totals.frameMsQuantile(0.5),
        totals.frameMsQuantile(0.99), options_.statsJsonPath.string());
  }
}

void AppSession::saveWindowScreenshot(const std::filesystem::path& path) {
  const FramebufferSize fb = window_->framebufferSize();
  auto s = writeSnapshot(path, readBackBufferNow(fb.width, fb.height));
  logger("record")->info("{}", s ? "window screenshot " + path.string() : s.error().message);
}

namespace {

// How a headless run went.
struct BatchRun {
  uint64_t rendered = 0;
  FramePtr last;
  FrameResultPtr lastResult;
  bool interrupted = false;
  bool recordFailed = false;  // the disk filled: what was written is kept, finalised
  bool startFailed = false;   // the recording could not be started: nothing was done
};

}  // namespace

int AppSession::runHeadless() {
  // Every processed frame, in order; the bounded queue makes the engine wait for the renderer.
  BoundedQueue<std::pair<FramePtr, FrameResultPtr>> queue(4);
  engine_->setResultCallback([&queue](const FramePtr& f, const FrameResultPtr& r) { queue.push({f, r}); });
  if (auto s = applySource(options_.config.source); !s) {
    logger("capture")->error("{}", s.error().message);
    return kExitFailed;
  }
  const int64_t loopStartNs = nowNs();
  int64_t lastFrameNs = loopStartNs;
  BatchRun run;
  while (true) {
    if (gStopRequested != 0) {
      run.interrupted = true;
      break;
    }
    auto item = queue.pop(std::chrono::milliseconds(50));
    if (!item) {
      if (engine_->finished() && queue.size() == 0) break;
      continue;
    }
    gl_->pollEvents();
    gl_->beginImGuiFrame();  // keeps ImGui's per-frame data (fonts for overlay text) valid
    if (!recording_.active() && !options_.recordPath.empty()) {
      scene_->setFrame(item->first);
      if (auto s = startRecording(options_.recordPath); !s) {
        logger("record")->error("{}", s.error().message);
        ImGui::EndFrame();
        run.startFailed = true;
        break;
      }
    }
    renderOne(item->first, item->second, Redraw::kAlways);
    ImGui::EndFrame();
    const int64_t t1 = nowNs();
    monitor_.totals().addFrame(nsToMs(t1 - lastFrameNs),
                               item->second ? nsToMs(t1 - item->second->captureNs) : -1.0);
    lastFrameNs = t1;
    run.last = item->first;
    run.lastResult = item->second;
    ++run.rendered;
    if (recording_.failed()) {  // disk full: keep what was written, finalised, and say so
      run.recordFailed = true;
      break;
    }
  }
  const EngineStats st = engine_->stats();  // before stop(), which drops the capture thread
  engine_->setResultCallback(nullptr);
  queue.close();
  engine_->stop();
  if (run.startFailed) return kExitFailed;
  monitor_.totals().setWallSeconds(nsToMs(lastFrameNs - loopStartNs) / 1000.0);
  stopRecording();
  writeStats();
  if (!options_.snapshotPath.empty() && run.last) {
    gl_->beginImGuiFrame();
    requestSnapshot();
    renderOne(run.last, run.lastResult, Redraw::kAlways);
    ImGui::EndFrame();
  }
  std::fprintf(stderr, "facefilter: %s %llu frames rendered (%llu captured, %llu processed)%s\n",
               run.interrupted ? "interrupted after" : "done:", static_cast<unsigned long long>(run.rendered),
               static_cast<unsigned long long>(st.capture.framesCaptured),
               static_cast<unsigned long long>(st.pipeline.frames),
               run.interrupted ? ", recording finalised" : "");
  if (!recording_.lastReport().empty())
    std::fprintf(stderr, "facefilter: recorded %s\n", recording_.lastReport().c_str());
  if (!recording_.lastSnapshot().empty())
    std::fprintf(stderr, "facefilter: snapshot %s\n", recording_.lastSnapshot().c_str());
  // Interrupted or cut short by a full disk: the file holds what was rendered until then.
  return run.interrupted || run.recordFailed ? kExitPartial : kExitOk;
}

}  // namespace facefilter
