// Rendering and recording rows: the desktop app itself (app/, a separate program with its own GL
// context) is run as a child process and reports its render loop through --stats-json. The benchmark
// links no GL. The window rows need a display (DISPLAY, e.g. under xvfb-run); the headless recording runs
// twice in the same run: through the hidden window on that display, and through EGL with DISPLAY and
// WAYLAND_DISPLAY removed from the app's environment (as on a server), which needs no display.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "engine/core/clock.hpp"
#include "engine/filters/model_asset.hpp"

#include "bench/bench_sections.hpp"
#include "bench/bench_stats.hpp"

namespace facefilter::bench {
namespace {

struct AppRun {
  std::string error;  // empty on success
  double fps = 0, wallS = 0;
  Dist frameMs;
  double frames = 0, recorded = 0, dropped = 0, resultAgeMedian = 0;
  int width = 0, height = 0, swapInterval = 0;
  double facesPerRender = 0, modelsPerRender = 0;  // what the scene drew (0 when the app does not say)
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `envPrefix` goes before the program, e.g. "env -u DISPLAY ".
AppRun runApp(const std::string& app, const std::string& args, const std::filesystem::path& statsPath,
              const std::string& envPrefix = "") {
  AppRun run;
  std::error_code ec;
  std::filesystem::remove(statsPath, ec);
  const std::string cmd = envPrefix + quoted(app) + " " + args +
                          " --no-config --log-level error --stats-json " + quoted(statsPath.string()) +
                          " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    run.error = "'" + cmd + "' exited with status " + std::to_string(rc);
    return run;
  }
  std::ifstream in(statsPath);
  std::stringstream text;
  text << in.rdbuf();
  try {
    // A missing key is an error; a null figure (not finite when written) reads as 0.
    const nlohmann::json stats = nlohmann::json::parse(text.str());
    const auto figure = [](const nlohmann::json& n) { return n.is_number() ? n.get<double>() : 0.0; };
    const nlohmann::json& ms = stats.at("render_ms");
    const nlohmann::json& window = stats.at("window");
    run.fps = figure(stats.at("render_fps"));
    run.wallS = figure(stats.at("wall_seconds"));
    run.frames = figure(stats.at("frames_rendered"));
    run.frameMs.count = static_cast<size_t>(run.frames);
    run.frameMs.median = figure(ms.at("median"));
    run.frameMs.p95 = figure(ms.at("p95"));
    run.frameMs.p99 = figure(ms.at("p99"));
    run.frameMs.mean = run.fps > 0 ? 1000.0 / run.fps : 0;
    run.resultAgeMedian = figure(stats.at("result_age_ms").at("median"));
    run.recorded = figure(stats.at("recorder").at("frames_written"));
    run.dropped = figure(stats.at("recorder").at("frames_dropped"));
    run.width = static_cast<int>(figure(window.at("width")));
    run.height = static_cast<int>(figure(window.at("height")));
    run.swapInterval = static_cast<int>(figure(window.at("swap_interval")));
    if (stats.contains("scene")) {
      run.facesPerRender = figure(stats.at("scene").value("faces_per_render", nlohmann::json()));
      run.modelsPerRender = figure(stats.at("scene").value("models_per_render", nlohmann::json()));
    }
  } catch (const nlohmann::json::exception& e) {
    run.error = "cannot read " + statsPath.string() + ": " + e.what();
  }
  return run;
}

// A live 1280x720 source at 30 fps recorded from the first frame while the render loop runs unthrottled:
// what the encoder costs a live session (dropped frames, the loop's rate).
void benchLiveRecording(const Context& ctx, Report& report, int frames) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path clip = dir / "facefilter-bench-1280x720-30fps.avi";
  if (const std::string err = makeUpscaledClip(ctx.demoPath, clip.string(), 30); !err.empty()) {
    report.skip("live recording row: " + err);
    return;
  }
  std::fprintf(stderr, "facefilter-bench: live recording (the app, 1280x720 at 30 fps -> MP4) ...\n");
  const std::filesystem::path out = dir / "facefilter-bench-live.mp4";
  const AppRun run =
      runApp(ctx.appPath,
             "--input " + quoted(clip.string()) +
                 " --loop --filter sunglasses --window-size 1280x720 --vsync off --record-audio off "
                 "--record " +
                 quoted(out.string()) + " --quit-after " + std::to_string(frames),
             dir / "facefilter-bench-live.json");
  std::error_code ec;
  std::filesystem::remove(clip, ec);
  std::filesystem::remove(out, ec);
  if (!run.error.empty()) {
    report.skip("live recording row: " + run.error);
    return;
  }
  report.add({"recording",
              "app live: 1280x720 at 30 fps recorded to MP4 (H.264 defaults) while rendering, sunglasses",
              run.frameMs, "frame",
              fmt(run.fps, 1) + " fps render loop; " + fmt(run.recorded, 0) + " frames written, " +
                  fmt(run.dropped, 0) + " dropped"});
  report.set("record_live_720p_render_fps", run.fps, 1);
  report.set("record_live_720p_frames_dropped", run.dropped, 0);
}

// How a headless recording row makes its GL context.
struct HeadlessPath {
  const char* label;       // the row's words
  const char* envPrefix;   // before the app's command
  const char* flag;        // --gl-platform
  const char* key;         // the JSON key of its frames per second
  const char* droppedKey;  // the JSON key of the frames the recorder dropped
};

// One headless recording of the demo clip with sunglasses, every frame (detect, render, read back,
// encode): its frames per second end to end and the frames the file holds.
struct HeadlessRun {
  AppRun app;
  double fps = 0;
  double framesInFile = 0;
};

HeadlessRun recordHeadless(const Context& ctx, const HeadlessPath& path) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string name = std::string("facefilter-bench-record-") + path.flag;
  const std::filesystem::path out = dir / (name + ".mp4");
  HeadlessRun run;
  run.app = runApp(ctx.appPath,
                   "--headless --gl-platform " + std::string(path.flag) + " --input " + quoted(ctx.demoPath) +
                       " --filter sunglasses --record " + quoted(out.string()),
                   dir / (name + ".json"), path.envPrefix);
  if (run.app.error.empty()) {
    run.fps = run.app.wallS > 0 ? run.app.frames / run.app.wallS : 0;
    cv::VideoCapture check(out.string());
    run.framesInFile = check.isOpened() ? check.get(cv::CAP_PROP_FRAME_COUNT) : 0;
  }
  std::error_code ec;
  std::filesystem::remove(out, ec);
  return run;
}

// The headless recording through each of `paths`, `rounds` times, interleaved (the order turned each round),
// so that a load that comes and goes on the machine falls on every path alike; each row is the path's run
// of median frames per second, and its note lists every run.
void benchHeadlessRecordings(const Context& ctx, Report& report, const std::vector<HeadlessPath>& paths,
                             int rounds) {
  std::vector<std::vector<HeadlessRun>> runs(paths.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < paths.size(); ++k) {
      const size_t i = r % 2 == 0 ? k : paths.size() - 1 - k;
      std::fprintf(stderr,
                   "facefilter-bench: recording (headless app, %s, demo -> MP4), round %d of %d ...\n",
                   paths[i].label, r + 1, rounds);
      runs[i].push_back(recordHeadless(ctx, paths[i]));
    }
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    const HeadlessPath& path = paths[i];
    std::vector<HeadlessRun> ok;
    for (const HeadlessRun& run : runs[i]) {
      if (!run.app.error.empty()) {
        report.skip(std::string("recording row (") + path.label + "): " + run.app.error);
        ok.clear();
        break;
      }
      ok.push_back(run);
    }
    if (ok.empty()) continue;
    std::string all;
    for (const HeadlessRun& run : ok) all += (all.empty() ? "" : ", ") + fmt(run.fps, 1);
    std::sort(ok.begin(), ok.end(), [](const HeadlessRun& a, const HeadlessRun& b) { return a.fps < b.fps; });
    const HeadlessRun& median = ok[ok.size() / 2];
    report.add({"recording",
                std::string("headless app, ") + path.label +
                    ": demo 720x528 -> MP4 with sunglasses (detect, render, read back, encode)",
                median.app.frameMs, "frame",
                fmt(median.fps, 1) + " frames/s end to end (median of " + std::to_string(ok.size()) +
                    " interleaved runs: " + all + "); " + fmt(median.app.recorded, 0) + " written, " +
                    fmt(median.app.dropped, 0) + " dropped; the file holds " + fmt(median.framesInFile, 0) +
                    " frames"});
    report.set(path.key, median.fps, 1);
    report.set(path.droppedKey, median.app.dropped, 0);
  }
}

// A UV sphere of `slices` x `stacks` quads (2 triangles each) with a textured, translucent skin: a stand-in
// for a detailed model of that many triangles, written as .glb by the engine's writer.
ModelAsset sphereModel(int slices, int stacks, int textureSide) {
  ModelPrimitive p;
  p.name = "sphere";
  for (int i = 0; i <= stacks; ++i) {
    const double theta = CV_PI * i / stacks;
    for (int j = 0; j <= slices; ++j) {
      const double phi = 2 * CV_PI * j / slices;
      ModelVertex v;
      const double n[3] = {std::sin(theta) * std::sin(phi), std::cos(theta), std::sin(theta) * std::cos(phi)};
      for (int c = 0; c < 3; ++c) {
        v.position[c] = static_cast<float>(n[c]);
        v.normal[c] = static_cast<float>(n[c]);
      }
      v.uv[0] = static_cast<float>(j) / static_cast<float>(slices);
      v.uv[1] = static_cast<float>(i) / static_cast<float>(stacks);
      p.vertices.push_back(v);
    }
  }
  for (int i = 0; i < stacks; ++i) {
    for (int j = 0; j < slices; ++j) {
      const auto a = static_cast<uint32_t>(i * (slices + 1) + j), b = a + static_cast<uint32_t>(slices + 1);
      p.indices.insert(p.indices.end(), {a, b, a + 1, a + 1, b, b + 1});
    }
  }
  p.texture = 0;
  p.alphaMode = AlphaMode::kBlend;
  ModelAsset asset;
  asset.primitives.push_back(std::move(p));
  cv::Mat texture(textureSide, textureSide, CV_8UC4);
  cv::randu(texture, cv::Scalar::all(0), cv::Scalar::all(256));  // noise: the PNG does not compress away
  cv::GaussianBlur(texture, texture, cv::Size(5, 5), 0);
  asset.textures.push_back(texture);
  return asset;
}

// How long a 3D model filter's .glb takes to load (read, parse, flatten, decode its texture), the issue's
// 50k-triangle case: made here, written to a temporary file, loaded several times.
void benchModelLoad(const Context& ctx, Report& report) {
  std::fprintf(stderr, "facefilter-bench: 3D model load (50k triangles) ...\n");
  const ModelAsset sphere = sphereModel(250, 100, 1024);  // 2 * 250 * 100 = 50,000 triangles
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "facefilter-bench-50k.glb";
  {
    const std::string bytes = writeGlb(sphere);
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      report.skip("model load row: cannot write " + path.string());
      return;
    }
  }
  std::vector<double> ms;
  size_t triangles = 0;
  const int reps = ctx.quick ? 3 : 15;
  for (int i = 0; i < reps; ++i) {
    const int64_t t0 = SteadyClock().nowNs();
    auto m = loadModelAsset(path);
    ms.push_back(static_cast<double>(SteadyClock().nowNs() - t0) / 1e6);
    if (!m) {
      report.skip("model load row: " + m.error().message);
      return;
    }
    triangles = m->triangleCount();
  }
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  std::filesystem::remove(path, ec);
  const Dist d = summarise(ms);
  report.add({"render",
              "3D model load: " + std::to_string(triangles) + "-triangle .glb with a 1024x1024 PNG texture",
              d, "load",
              "loadModelAsset (tinygltf + OpenCV PNG decode), " + fmt(static_cast<double>(bytes) / 1e6, 1) +
                  " MB file, median of " + std::to_string(reps)});
  report.set("model_load_ms_50k", d.median, 1);
}

// A 1280x720 clip of `src` tiled 2 x 2 (each 640x360, aspect kept, pillar-boxed): four faces at once.
std::string makeTiledClip(const std::string& src, const std::string& dst) {
  cv::VideoCapture in(src);
  if (!in.isOpened()) return "cannot open " + src;
  const double fps = in.get(cv::CAP_PROP_FPS) > 0 ? in.get(cv::CAP_PROP_FPS) : 24.0;
  cv::VideoWriter out(dst, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(1280, 720));
  if (!out.isOpened()) return "cannot write " + dst;
  cv::Mat frame, scaled;
  cv::Mat canvas(720, 1280, CV_8UC3);
  while (in.read(frame)) {
    const double s = 360.0 / frame.rows;
    cv::resize(frame, scaled, cv::Size(static_cast<int>(std::lround(frame.cols * s)), 360), 0, 0,
               cv::INTER_AREA);
    canvas.setTo(cv::Scalar(0, 0, 0));
    for (int k = 0; k < 4; ++k) {
      const int x = (k % 2) * 640 + (640 - scaled.cols) / 2, y = (k / 2) * 360;
      scaled.copyTo(canvas(cv::Rect(x, y, scaled.cols, scaled.rows)));
    }
    out.write(canvas);
  }
  return "";
}

// The app's render loop with 3D glasses and a hat (assets/filters' glasses_3d and top_hat_3d) on one face
// and on four, at 1280x720, redrawing the whole scene on every frame (--redraw-every-frame), so the figure
// is the cost of the video, the models and the present each frame, not only when a new frame comes.
void benchRender3d(const Context& ctx, Report& report, int frames) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path tiled = dir / "facefilter-bench-1280x720-4faces.avi";
  struct Case {
    std::string clip, label, key;
    int faces;
  };
  std::vector<Case> cases = {{ctx.video720Path, "one face (demo upscaled)", "render_fps_3d_1face_720p", 1}};
  if (const std::string err = makeTiledClip(ctx.demoPath, tiled.string()); err.empty()) {
    cases.push_back({tiled.string(), "four faces (demo tiled 2x2)", "render_fps_3d_4faces_720p", 4});
  } else {
    report.skip("render_fps_3d_4faces_720p: " + err);
  }
  for (const Case& c : cases) {
    std::fprintf(stderr, "facefilter-bench: rendering 3D models, %s, %d frames ...\n", c.label.c_str(),
                 frames);
    const AppRun run = runApp(ctx.appPath,
                              "--input " + quoted(c.clip) +
                                  " --loop --filter glasses_3d,top_hat_3d --window-size 1280x720 --vsync off "
                                  "--redraw-every-frame --quit-after " +
                                  std::to_string(frames),
                              dir / ("facefilter-bench-" + c.key + ".json"));
    if (!run.error.empty()) {
      report.skip(c.key + ": " + run.error);
      continue;
    }
    report.add(
        {"rendering",
         "app render loop, 1280x720 window, 3D glasses + hat, " + c.label + ", scene redrawn every frame",
         run.frameMs, "frame",
         fmt(run.fps, 1) + " fps; per render " + fmt(run.facesPerRender, 2) + " faces, " +
             fmt(run.modelsPerRender, 2) + " models drawn (" + std::to_string(2 * c.faces) +
             " when every face is tracked with a pose)"});
    report.set(c.key, run.fps, 1);
    report.set(c.key + "_models_per_render", run.modelsPerRender, 2);
  }
  std::error_code ec;
  std::filesystem::remove(tiled, ec);
}

}  // namespace

void benchRender(const Context& ctx, Report& report) {
  benchModelLoad(ctx, report);
  std::error_code ec;
  if (ctx.appPath.empty() || !std::filesystem::exists(ctx.appPath, ec)) {
    report.skip("rendering and recording rows: no app binary at '" + ctx.appPath +
                "' (build the facefilter target, or give --app PATH)");
    return;
  }
  const HeadlessPath viaEgl{"EGL, no display", "env -u DISPLAY -u WAYLAND_DISPLAY ", "egl",
                            "record_fps_headless_egl", "record_frames_dropped_egl"};
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    report.skip(
        "rendering, window recording and live recording rows: no display (run the benchmark under xvfb-run "
        "-s "
        "\"-screen 0 1280x800x24\")");
    benchHeadlessRecordings(ctx, report, {viaEgl}, ctx.quick ? 1 : 3);
    return;
  }
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const int frames = ctx.quick ? 120 : 600;
  // vsync off: the render loop alone, not the display's refresh rate.
  std::fprintf(stderr, "facefilter-bench: rendering (the app, 1280x720 window, %d frames) ...\n", frames);
  const AppRun live = runApp(ctx.appPath,
                             "--input " + quoted(ctx.demoPath) +
                                 " --loop --filter sunglasses --window-size 1280x720 "
                                 "--vsync off --quit-after " +
                                 std::to_string(frames),
                             dir / "facefilter-bench-render.json");
  if (!live.error.empty()) {
    report.skip("rendering row: " + live.error);
  } else {
    report.add({"rendering",
                "app render loop, " + std::to_string(live.width) + "x" + std::to_string(live.height) +
                    " window, demo looped, sunglasses on one face",
                live.frameMs, "frame",
                fmt(live.fps, 1) + " fps (app stats, swap interval " + std::to_string(live.swapInterval) +
                    "); result age median " + fmt(live.resultAgeMedian, 1) + " ms"});
    report.set("render_fps_1280x720", live.fps, 1);
  }
  benchRender3d(ctx, report, frames);

  // The two headless paths in turn on the same machine, the same clip and settings.
  const HeadlessPath viaWindow{"hidden window on the X display", "", "window", "record_fps_headless_demo",
                               "record_frames_dropped"};
  benchHeadlessRecordings(ctx, report, {viaWindow, viaEgl}, ctx.quick ? 1 : 3);
  benchLiveRecording(ctx, report, frames);
}

}  // namespace facefilter::bench
