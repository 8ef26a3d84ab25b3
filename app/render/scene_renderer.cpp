#include "app/render/scene_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/filters/filter_geometry.hpp"

namespace facefilter {
namespace {

constexpr ImU32 kGreen = IM_COL32(60, 230, 90, 255);
constexpr ImU32 kRed = IM_COL32(255, 70, 60, 255);
constexpr ImU32 kOrange = IM_COL32(255, 170, 40, 255);
constexpr ImU32 kCyan = IM_COL32(40, 220, 255, 255);
constexpr ImU32 kWhite = IM_COL32(255, 255, 255, 255);
constexpr ImU32 kShadow = IM_COL32(0, 0, 0, 200);

void textWithShadow(ImDrawList& dl, float size, ImVec2 pos, ImU32 colour, const std::string& text) {
  dl.AddText(ImGui::GetFont(), size, ImVec2(pos.x + 1, pos.y + 1), kShadow, text.c_str());
  dl.AddText(ImGui::GetFont(), size, pos, colour, text.c_str());
}

float confidenceOpacity(float confidence) {
  // Fully visible from 0.7, gone below 0.2: a face the detector stops confirming fades out.
  return std::clamp((confidence - 0.2f) / 0.5f, 0.0f, 1.0f);
}

}  // namespace

const std::vector<std::string>& FilterAssignment::forTrack(int trackId) const {
  const auto it = perTrack.find(trackId);
  return it == perTrack.end() ? all : it->second;
}

std::vector<std::string> splitFilterList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && item != "none") out.push_back(item);
  }
  return out;
}

std::string joinFilterList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

Viewport letterbox(int pw, int ph, int fw, int fh) {
  if (pw <= 0 || ph <= 0 || fw <= 0 || fh <= 0) return {};
  const double scale = std::min(static_cast<double>(fw) / pw, static_cast<double>(fh) / ph);
  Viewport v;
  v.width = std::max(1, static_cast<int>(std::lround(pw * scale)));
  v.height = std::max(1, static_cast<int>(std::lround(ph * scale)));
  v.x = (fw - v.width) / 2;
  v.y = (fh - v.height) / 2;
  return v;
}

Result<SceneRenderer> SceneRenderer::create(const std::filesystem::path& shaderDir) {
  auto video = gl::ShaderProgram::fromFiles(shaderDir / "video.vert", shaderDir / "video.frag");
  if (!video) return video.error();
  auto sprites = SpriteRenderer::create(shaderDir);
  if (!sprites) return sprites.error();
  return SceneRenderer(std::move(video).value(), std::move(sprites).value());
}

SceneRenderer::SceneRenderer(gl::ShaderProgram video, SpriteRenderer sprites)
    : videoProgram_(std::move(video)), sprites_(std::move(sprites)), emptyVao_(gl::VertexArray::create()) {}

void SceneRenderer::setFrame(const FramePtr& frame) {
  if (!frame || frame == frame_) return;
  frame_ = frame;
  video_.upload(frame->image);
}

SceneStats SceneRenderer::render(const FrameResult* result, const ViewSettings& view, const FilterAssignment& filters,
                                 const FilterLibrary& library) {
  SceneStats stats;
  if (video_.empty()) return stats;
  gl::StateGuard guard;
  const int w = video_.width(), h = video_.height();
  target_.resize(w, h);
  glBindFramebuffer(GL_FRAMEBUFFER, target_.framebuffer());
  glViewport(0, 0, w, h);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glDisable(GL_DEPTH_TEST);
  glUseProgram(videoProgram_.id());
  glUniform1i(videoProgram_.uniform("uVideo"), 0);
  glUniform1f(videoProgram_.uniform("uDim"), 0.0f);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, video_.id());
  glBindVertexArray(emptyVao_.id());
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);

  if (result == nullptr) return stats;
  // Keypoints are in the result's frame pixels; if the result is for a frame of another size (a new
  // source), scale them.
  const float sx = result->frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result->frameWidth) : 1.0f;
  const float sy = result->frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result->frameHeight) : 1.0f;
  for (const FaceResult& face : result->faces) {
    Landmarks points = face.keypoints;
    for (auto& p : points) p = cv::Point2f(p.x * sx, p.y * sy);
    const float fade = view.fadeWithConfidence ? confidenceOpacity(face.confidence) : 1.0f;
    if (fade <= 0.0f) continue;
    ++stats.facesDrawn;
    std::optional<HeadPose> pose;
    bool poseTried = false;
    for (const std::string& name : filters.forTrack(face.trackId)) {
      const GpuFilter* gf = library.find(name);
      if (gf == nullptr) continue;
      const FilterDescription& d = gf->filter->description;
      std::vector<SpriteVertex> tris;
      if (d.kind == FilterKind::kSprite) {
        if (view.headPose && d.perspective && !poseTried) {
          pose = estimateHeadPose(points, cv::Size(w, h));
          poseTried = true;
        }
        const auto quad = spriteQuad(d, cv::Size(gf->art.width, gf->art.height), points,
                                     view.headPose && pose ? &*pose : nullptr);
        if (!quad) continue;
        tris = {(*quad)[0], (*quad)[1], (*quad)[2], (*quad)[0], (*quad)[2], (*quad)[3]};
        ++stats.spritesDrawn;
      } else {
        const auto facePts = maskPoints(points);
        const float aw = static_cast<float>(gf->art.width), ah = static_cast<float>(gf->art.height);
        tris.reserve(gf->mesh.triangles.size() * 3);
        for (const auto& t : gf->mesh.triangles) {
          for (int k = 0; k < 3; ++k) {
            const auto i = static_cast<size_t>(t[k]);
            tris.push_back(SpriteVertex{facePts[i].x, facePts[i].y, gf->artMesh[i].x / aw, gf->artMesh[i].y / ah, 1.0f});
          }
        }
        ++stats.masksDrawn;
      }
      sprites_.draw(gf->art.id(), tris, d.blend, d.opacity * fade, w, h);
    }
  }

  ImDrawList& dl = overlay_.begin(w, h);
  drawDebug(dl, *result, view);
  overlay_.render();
  return stats;
}

void SceneRenderer::drawDebug(ImDrawList& dl, const FrameResult& result, const ViewSettings& view) const {
  const DebugViews& dbg = view.debug;
  const int w = video_.width(), h = video_.height();
  const float sx = result.frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result.frameWidth) : 1.0f;
  const float sy = result.frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result.frameHeight) : 1.0f;
  const float unit = std::max(1.0f, static_cast<float>(std::min(w, h)) / 480.0f);  // scales strokes and text
  const float fontPx = std::max(11.0f, 13.0f * unit);
  auto P = [&](cv::Point2f p) { return ImVec2(p.x * sx, p.y * sy); };
  auto rect = [&](const cv::Rect2f& r, ImU32 col, float thickness) {
    dl.AddRect(P({r.x, r.y}), P({r.x + r.width, r.y + r.height}), col, 0.0f, 0, thickness);
  };
  if (dbg.rawDetections && result.detectorRan) {
    for (const auto& d : result.detections) {
      rect(d.box, kOrange, 1.5f * unit);
      char buf[32];
      std::snprintf(buf, sizeof buf, "det %.1f", static_cast<double>(d.score));
      textWithShadow(dl, fontPx, P({d.box.x, d.box.y + d.box.height + 2}), kOrange, buf);
    }
  }
  for (const FaceResult& face : result.faces) {
    if (dbg.crop) rect(face.crop.rect(), kCyan, 1.0f * unit);
    if (dbg.boxes) {
      rect(face.box, kGreen, 2.0f * unit);
      char buf[48];
      std::snprintf(buf, sizeof buf, "#%d  %.2f", face.trackId, static_cast<double>(face.confidence));
      textWithShadow(dl, fontPx * 1.2f, P({face.box.x, face.box.y - fontPx * 1.3f}), kGreen, buf);
    }
    const float r = 1.6f * unit;
    if (dbg.rawVsSmoothed) {
      for (size_t i = 0; i < face.keypoints.size(); ++i) {
        dl.AddLine(P(face.rawKeypoints[i]), P(face.keypoints[i]), IM_COL32(255, 255, 0, 160), 1.0f);
        dl.AddCircleFilled(P(face.rawKeypoints[i]), r, kRed);
        dl.AddCircleFilled(P(face.keypoints[i]), r, kGreen);
      }
      textWithShadow(dl, fontPx, P({face.box.x, face.box.y + face.box.height + 2}), kWhite,
                     "raw (red) / smoothed (green)");
    } else if (dbg.points) {
      for (const auto& p : face.keypoints) dl.AddCircleFilled(P(p), r, kGreen);
    }
    if (dbg.indices) {
      for (size_t i = 0; i < face.keypoints.size(); ++i) {
        const ImVec2 p = P(face.keypoints[i]);
        textWithShadow(dl, fontPx * 0.8f, ImVec2(p.x + 2, p.y - fontPx * 0.4f), kWhite, std::to_string(i));
      }
    }
    if (dbg.headPoseAxes) {
      Landmarks pts = face.keypoints;
      for (auto& p : pts) p = cv::Point2f(p.x * sx, p.y * sy);
      if (const auto pose = estimateHeadPose(pts, cv::Size(w, h))) {
        // Axes from the nose tip, one eye distance long: x red, y green, z (towards the camera) blue.
        const auto& nose = pts[30];
        std::vector<cv::Point3f> model = {{0, 0.586f, 0.42f}, {1, 0.586f, 0.42f}, {0, 1.586f, 0.42f}, {0, 0.586f, 1.42f}};
        std::vector<cv::Point2f> px;
        std::vector<float> z;
        projectWithPose(*pose, model, px, z);
        const cv::Point2f shift = nose - px[0];
        const ImVec2 o(nose.x, nose.y);
        dl.AddLine(o, ImVec2(px[1].x + shift.x, px[1].y + shift.y), kRed, 2.5f * unit);
        dl.AddLine(o, ImVec2(px[2].x + shift.x, px[2].y + shift.y), kGreen, 2.5f * unit);
        dl.AddLine(o, ImVec2(px[3].x + shift.x, px[3].y + shift.y), IM_COL32(60, 120, 255, 255), 2.5f * unit);
        char buf[64];
        std::snprintf(buf, sizeof buf, "yaw %.0f pitch %.0f roll %.0f", pose->yawDeg, pose->pitchDeg, pose->rollDeg);
        textWithShadow(dl, fontPx, ImVec2(face.box.x * sx, (face.box.y + face.box.height) * sy + fontPx * 1.2f),
                       kWhite, buf);
      }
    }
  }
}

void SceneRenderer::present(int fbWidth, int fbHeight) const {
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
  glViewport(0, 0, fbWidth, fbHeight);
  glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (!target_.framebuffer() || target_.width() == 0) return;
  const Viewport v = letterbox(target_.width(), target_.height(), fbWidth, fbHeight);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, target_.framebuffer());
  glBlitFramebuffer(0, 0, target_.width(), target_.height(), v.x, v.y, v.x + v.width, v.y + v.height,
                    GL_COLOR_BUFFER_BIT, GL_LINEAR);
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
}

}  // namespace facefilter
