// The app's camera side without a display: the controls of the camera in use applied from and saved to the
// settings by the camera's name (against recorded uvcvideo answers:
// tests/capture/recorded_camera_controls.hpp), the settings file's camera_controls, the source text a camera
// chosen in the drop-down opens, and the lighting hint's advice with and without camera controls.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "app/camera/session_camera.hpp"
#include "app/ui/lighting_hint.hpp"
#include "capture/recorded_camera_controls.hpp"
#include "engine/capture/source_spec.hpp"
#include "settings/app_config.hpp"

using namespace facefilter;
using test::RecordedControlsIo;

namespace {

constexpr const char* kC920 = "HD Pro Webcam C920";

std::shared_ptr<RecordedControlsIo> twoCamerasAndALoopback() {
  auto io = std::make_shared<RecordedControlsIo>();
  io->add(test::recorded::laptopCamera(0));
  io->add(test::recorded::logitechC920(2));
  io->add(test::recorded::loopbackDevice(10));
  return io;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST(SessionCamera, AppliesTheValuesSavedForTheCamerasNameWhenItOpens) {
  auto io = twoCamerasAndALoopback();
  SessionCamera camera;
  camera.setIo(io);
  CameraControlValues saved;
  saved[kC920] = {{"auto_exposure", 1}, {"exposure_time_absolute", 700}, {"gain", 90}};
  saved["Integrated_Webcam_HD: Integrate"] = {{"gain", 12}};

  // The C920 after a re-plug that gave it another number: the name finds its values.
  camera.attach("/dev/video2", kC920, saved);
  ASSERT_NE(camera.controls(), nullptr) << camera.error();
  EXPECT_TRUE(camera.notes().empty()) << joined(camera.notes());
  EXPECT_EQ(io->control(2, V4L2_CID_EXPOSURE_ABSOLUTE)->value, 700);
  EXPECT_EQ(io->control(2, V4L2_CID_GAIN)->value, 90);
  EXPECT_EQ(io->control(0, V4L2_CID_GAIN)->value, 0) << "the other camera's values stay with it";
  EXPECT_EQ(camera.lightControls(), LightControls::kOffered);

  // Attaching the same camera again does nothing; after it was unplugged (kAgain) the values go back.
  io->control(2, V4L2_CID_GAIN)->value = 0;
  camera.attach("/dev/video2", kC920, saved);
  EXPECT_EQ(io->control(2, V4L2_CID_GAIN)->value, 0);
  camera.attach("/dev/video2", kC920, saved, SessionCamera::Reattach::kAgain);
  EXPECT_EQ(io->control(2, V4L2_CID_GAIN)->value, 90);

  camera.detach();
  EXPECT_EQ(camera.lightControls(), LightControls::kNotACamera);
  EXPECT_EQ(camera.controls(), nullptr);
}

TEST(SessionCamera, ChangesAreSavedUnderTheNameAndResetsForgetThem) {
  auto io = twoCamerasAndALoopback();
  SessionCamera camera;
  camera.setIo(io);
  CameraControlValues saved;
  saved["Some Other Camera"] = {{"brightness", 5}};
  camera.attach("/dev/video2", kC920, saved);
  ASSERT_NE(camera.controls(), nullptr);

  ASSERT_TRUE(camera.set("focus_automatic_continuous", 0, saved));
  ASSERT_TRUE(camera.set("focus_absolute", 37, saved));
  ASSERT_TRUE(camera.set("brightness", 300, saved));
  EXPECT_EQ(saved[kC920]["focus_absolute"], 35) << "what the driver took (its step is 5), not what was asked";
  EXPECT_EQ(saved[kC920]["brightness"], 255);

  // A refusal is named, kept in notes() and saves nothing.
  auto refused = camera.set("white_balance_temperature", 3000, saved);
  ASSERT_FALSE(refused);
  ASSERT_EQ(camera.notes().size(), 1u);
  EXPECT_NE(camera.notes()[0].find("(Input/output error)"), std::string::npos) << camera.notes()[0];
  EXPECT_EQ(saved[kC920].count("white_balance_temperature"), 0u);

  ASSERT_TRUE(camera.reset("brightness", saved));
  EXPECT_EQ(saved[kC920].count("brightness"), 0u);
  EXPECT_EQ(io->control(2, V4L2_CID_BRIGHTNESS)->value, 128);
  camera.resetAll(saved);
  EXPECT_TRUE(camera.notes().empty()) << joined(camera.notes());
  EXPECT_EQ(saved.count(kC920), 0u);
  EXPECT_EQ(saved.count("Some Other Camera"), 1u) << "other cameras' values are kept";
  EXPECT_EQ(io->control(2, V4L2_CID_FOCUS_AUTO)->value, 1);
}

TEST(SessionCamera, SavedValuesTheCameraRefusesAreNamedAndTheRestApplied) {
  auto io = twoCamerasAndALoopback();
  SessionCamera camera;
  camera.setIo(io);
  CameraControlValues saved;
  saved["Integrated_Webcam_HD: Integrate"] = {{"zoom_absolute", 200}, {"contrast", 10}};
  camera.attach("/dev/video0", "Integrated_Webcam_HD: Integrate", saved);
  ASSERT_EQ(camera.notes().size(), 1u);
  EXPECT_NE(camera.notes()[0].find("'zoom_absolute': /dev/video0 has no such control"), std::string::npos);
  EXPECT_EQ(io->control(0, V4L2_CID_CONTRAST)->value, 10);
}

TEST(SessionCamera, ACameraThatCannotBeOpenedSaysWhyAndALoopbackOffersNoLightControls) {
  auto io = twoCamerasAndALoopback();
  SessionCamera camera;
  camera.setIo(io);
  camera.attach("/dev/video5", "Gone Camera", {});
  EXPECT_TRUE(camera.attached());
  EXPECT_EQ(camera.controls(), nullptr);
  EXPECT_EQ(camera.error(), "camera controls: cannot open /dev/video5: No such file or directory");
  EXPECT_EQ(camera.lightControls(), LightControls::kUnknown) << "nothing is claimed about controls not read";
  CameraControlValues saved;
  EXPECT_FALSE(camera.set("gain", 3, saved));
  EXPECT_TRUE(saved.empty());

  camera.attach("/dev/video10", "facefilter", {});
  ASSERT_NE(camera.controls(), nullptr);
  EXPECT_EQ(camera.lightControls(), LightControls::kNone);
}

TEST(SessionCamera, TheListMarksLoopbackDevices) {
  SessionCamera camera;
  camera.setIo(twoCamerasAndALoopback());
  camera.relist();
  ASSERT_EQ(camera.cameras().size(), 3u);
  EXPECT_TRUE(camera.cameras()[0].realCamera());
  EXPECT_EQ(camera.cameras()[1].name, kC920);
  EXPECT_TRUE(camera.cameras()[2].loopback);
  EXPECT_FALSE(camera.cameras()[2].realCamera());
}

TEST(SessionCamera, ACameraIsChosenByNameUnlessTheNameIsNotUnique) {
  SessionCamera camera;
  auto io = twoCamerasAndALoopback();
  camera.setIo(io);
  camera.relist();
  const auto& list = camera.cameras();
  // The mode asked for before is kept.
  const std::string text = cameraSourceText(list[1], list, "camera:0:1280x720@30:mjpg");
  auto spec = parseSourceSpec(text);
  ASSERT_TRUE(spec) << text << ": " << spec.error().message;
  EXPECT_EQ(spec->kind, SourceKind::kCamera);
  EXPECT_EQ(spec->cameraSelect, CameraSelect::kName) << text;
  EXPECT_EQ(spec->cameraName, kC920);
  EXPECT_EQ(spec->width, 1280);
  EXPECT_EQ(spec->fps, 30);
  EXPECT_EQ(spec->cameraFormat, CameraFormat::kMjpg);
  // From a file source, no mode is carried over.
  auto plain = parseSourceSpec(cameraSourceText(list[1], list, "demo"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->width, 0);
  EXPECT_EQ(plain->cameraName, kC920);

  // A second C920: the name no longer tells them apart, the path does.
  io->add(test::recorded::logitechC920(4));
  camera.relist();
  auto byPath = parseSourceSpec(cameraSourceText(camera.cameras()[1], camera.cameras(), "default"));
  ASSERT_TRUE(byPath);
  EXPECT_EQ(byPath->cameraSelect, CameraSelect::kPath);
  EXPECT_EQ(byPath->path, "/dev/video2");
  // A loopback device only ever by path.
  auto loop = parseSourceSpec(cameraSourceText(camera.cameras().back(), camera.cameras(), "default"));
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->cameraSelect, CameraSelect::kPath);
}

TEST(AppConfigCameraControls, RoundTripAndAreNotPartOfPresets) {
  AppConfig c;
  c.cameraControls[kC920] = {{"auto_exposure", 1}, {"exposure_time_absolute", 700}};
  c.cameraControls["Integrated_Webcam_HD: Integrate"] = {{"brightness", -20}};
  auto parsed = parseConfig(serializeConfig(c), "mem");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty()) << joined(parsed->warnings);
  EXPECT_EQ(parsed->config.cameraControls, c.cameraControls);
  EXPECT_NE(serializeConfig(AppConfig{}).find("\"camera_controls\": {}"), std::string::npos)
      << "the written file lists it even when empty";
  EXPECT_EQ(serializeConfig(c, ConfigScope::kPreset).find("camera_controls"), std::string::npos);
  auto preset = parseConfig(R"({"camera_controls": {"X": {"gain": 1}}})", "p", ConfigScope::kPreset);
  ASSERT_TRUE(preset);
  EXPECT_TRUE(preset->config.cameraControls.empty());
  ASSERT_EQ(preset->warnings.size(), 1u);
  EXPECT_NE(preset->warnings[0].find("'camera_controls' is not a known setting"), std::string::npos);
}

TEST(AppConfigCameraControls, BadEntriesAreNamedAndLeftOutTheRestKept) {
  auto parsed = parseConfig(R"({"camera_controls": {
      "HD Pro Webcam C920": {"gain": 40, "Exposure": 3, "zoom_absolute": 1.5, "pan_absolute": 99999999999,
                             "tilt_absolute": -36000},
      "Broken Camera": 7,
      "": {"gain": 1}}})",
                            "cfg.json");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& v = parsed->config.cameraControls;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v.at(kC920), (std::map<std::string, int32_t>{{"gain", 40}, {"tilt_absolute", -36000}}));
  const std::string all = joined(parsed->warnings);
  EXPECT_EQ(parsed->rejectedValues, 5) << all;
  EXPECT_NE(all.find("'camera_controls.HD Pro Webcam C920.Exposure' is not a control name"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("'camera_controls.HD Pro Webcam C920.zoom_absolute' is not a 32-bit integer; left out"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("'camera_controls.HD Pro Webcam C920.pan_absolute' is not a 32-bit integer"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("'camera_controls.Broken Camera' is not an object of control values"), std::string::npos)
      << all;
  EXPECT_NE(all.find("has a camera name that is empty"), std::string::npos) << all;

  auto notObject = parseConfig(R"({"camera_controls": [1, 2]})", "cfg.json");
  ASSERT_TRUE(notObject);
  EXPECT_TRUE(notObject->config.cameraControls.empty());
  EXPECT_EQ(notObject->warnings.size(), 1u);
}

TEST(LightingHint, JudgesTheFaceAgainstTheFrame) {
  auto frameWith = [](double faceGrey, double restGrey) {
    Frame f;
    f.image = cv::Mat(240, 320, CV_8UC3, cv::Scalar::all(restGrey));
    f.image(cv::Rect(100, 60, 120, 120)).setTo(cv::Scalar::all(faceGrey));
    return f;
  };
  FrameResult r;
  FaceResult face;
  face.box = cv::Rect2f(100, 60, 120, 120);
  r.faces.push_back(face);
  EXPECT_EQ(judgeLighting(frameWith(40, 40), r), LightingProblem::kDark);
  EXPECT_EQ(judgeLighting(frameWith(240, 200), r), LightingProblem::kOverexposed);
  EXPECT_EQ(judgeLighting(frameWith(90, 220), r), LightingProblem::kBacklit);
  EXPECT_EQ(judgeLighting(frameWith(130, 120), r), LightingProblem::kNone);
  EXPECT_EQ(judgeLighting(frameWith(40, 40), FrameResult{}), LightingProblem::kNone)
      << "no face, no judgement";
}

TEST(LightingHint, SaysWhatToDoAndWhetherTheCameraCanHelp) {
  EXPECT_EQ(lightingAdvice(LightingProblem::kNone, LightControls::kOffered), "");
  const std::string file = lightingAdvice(LightingProblem::kDark, LightControls::kNotACamera);
  EXPECT_EQ(file, "Face is dark: add light in front of you (a lamp behind the screen, facing you)");
  EXPECT_EQ(lightingAdvice(LightingProblem::kDark, LightControls::kUnknown), file);
  const std::string offered = lightingAdvice(LightingProblem::kDark, LightControls::kOffered);
  EXPECT_EQ(offered.rfind(file, 0), 0u);
  EXPECT_NE(offered.find("raise the camera's exposure, gain or brightness"), std::string::npos);
  const std::string none = lightingAdvice(LightingProblem::kDark, LightControls::kNone);
  EXPECT_NE(none.find("this camera offers no exposure, gain or brightness control"), std::string::npos);
  EXPECT_NE(lightingAdvice(LightingProblem::kBacklit, LightControls::kOffered).find("backlight compensation"),
            std::string::npos);
  EXPECT_NE(lightingAdvice(LightingProblem::kOverexposed, LightControls::kOffered).find("lower the camera's"),
            std::string::npos);
}

TEST(SessionCamera, TheModeLinesSayWhatTheCameraDeliversAndWhatWouldReachTheRate) {
  SourceInfo info;
  info.pixelFormat = "YUYV";
  info.width = 1280;
  info.height = 720;
  info.fps = 10;
  info.requestedFps = 30;
  info.modeNote = "camera \"HD Pro Webcam C920\": no YUYV mode reaches 30 fps at 1280x720; using 10 fps";
  CameraModeText t = describeCameraMode(info);
  EXPECT_EQ(t.mode, "mode: YUYV 1280x720 @ 10 fps (asked 30 fps)");
  EXPECT_TRUE(t.measuring);
  EXPECT_EQ(t.measured, "measuring the rate over the first second...");
  EXPECT_EQ(t.note, info.modeNote);
  EXPECT_EQ(t.warning, "") << "nothing to warn of before the rate is measured";

  info.measuredFps = 9.96;
  info.suggestion =
      "delivers 10.0 fps of the 30 asked: camera:\"HD Pro Webcam C920\":1280x720@30:mjpg reaches it";
  t = describeCameraMode(info);
  EXPECT_FALSE(t.measuring);
  EXPECT_EQ(t.measured, "measured over the first second: 10.0 fps");
  EXPECT_EQ(t.warning, "Camera: " + info.suggestion);

  SourceInfo asked;  // the mode reaches what was asked: no "(asked ...)"
  asked.pixelFormat = "MJPG";
  asked.width = 1280;
  asked.height = 720;
  asked.fps = 30;
  asked.requestedFps = 30;
  asked.measuredFps = 29.97;
  t = describeCameraMode(asked);
  EXPECT_EQ(t.mode, "mode: MJPG 1280x720 @ 30 fps");
  EXPECT_TRUE(t.note.empty());
  EXPECT_TRUE(t.warning.empty());
}
