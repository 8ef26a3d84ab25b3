#include "app/render/scene_renderer.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "engine/filters/filter_geometry.hpp"
#include "engine/keypoints/face_crop.hpp"

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

ImTextureID textureId(GLuint id) {
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(id));
}

ImVec2 toIm(cv::Point2f p) {
  return ImVec2(p.x, p.y);
}

// Strokes and text grow with the picture, so a 1080p recording reads like a 480p one.
float unitFor(int w, int h) {
  return std::max(1.0f, static_cast<float>(std::min(w, h)) / 480.0f);
}
float fontPxFor(float unit) {
  return std::max(11.0f, 13.0f * unit);
}

cv::Rect2f fitInto(const cv::Rect2f& picture, const cv::Rect2f& box) {
  const Viewport v =
      letterbox(static_cast<int>(std::lround(picture.width)), static_cast<int>(std::lround(picture.height)),
                static_cast<int>(box.width), static_cast<int>(box.height));
  // letterbox() works in whole pixels with y from the bottom; the centring is symmetric, so it holds here
  // too.
  return {box.x + static_cast<float>(v.x), box.y + static_cast<float>(v.y), static_cast<float>(v.width),
          static_cast<float>(v.height)};
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

cv::Point2f SideBySideLayout::toLeft(cv::Point2f p) const {
  return {left.x + (p.x - region.x) * left.width / region.width,
          left.y + (p.y - region.y) * left.height / region.height};
}

cv::Point2f SideBySideLayout::toRight(cv::Point2f p) const {
  return {right.x + (p.x - region.x) * right.width / region.width,
          right.y + (p.y - region.y) * right.height / region.height};
}

SideBySideLayout sideBySideLayout(int w, int h, const cv::Rect2f& region) {
  SideBySideLayout l;
  l.region = region;
  const float half = std::floor(static_cast<float>(w) / 2.0f);
  l.leftHalf = cv::Rect2f(0, 0, half, static_cast<float>(h));
  l.rightHalf = cv::Rect2f(half, 0, static_cast<float>(w) - half, static_cast<float>(h));
  l.left = fitInto(region, l.leftHalf);
  l.right = fitInto(region, l.rightHalf);
  return l;
}

cv::Rect2f zoomRegion(const cv::Rect2f& faceBounds, float aspect, cv::Size frame) {
  const float fw = static_cast<float>(frame.width), fh = static_cast<float>(frame.height);
  if (aspect <= 0 || fw <= 0 || fh <= 0) return {0, 0, fw, fh};
  const cv::Point2f c(faceBounds.x + faceBounds.width / 2, faceBounds.y + faceBounds.height / 2);
  // Never closer than a fifth of the frame: a tiny or degenerate face would otherwise be blown up to mush.
  float rw = std::max({faceBounds.width * 1.6f, faceBounds.height * 1.6f * aspect, fw * 0.2f});
  float rh = rw / aspect;
  if (rw > fw) {
    rw = fw;
    rh = rw / aspect;
  }
  if (rh > fh) {
    rh = fh;
    rw = rh * aspect;
  }
  const float x = std::clamp(c.x - rw / 2, 0.0f, fw - rw);
  const float y = std::clamp(c.y - rh / 2, 0.0f, fh - rh);
  return {x, y, rw, rh};
}

cv::Rect2f steadyZoomRegion(const std::optional<cv::Rect2f>& previous, const cv::Rect2f& faceBounds,
                            float aspect, cv::Size frame) {
  const cv::Rect2f wanted = zoomRegion(faceBounds, aspect, frame);
  if (!previous) return wanted;
  const float mx = faceBounds.width * 0.1f, my = faceBounds.height * 0.1f;
  const cv::Rect2f padded(faceBounds.x - mx, faceBounds.y - my, faceBounds.width + 2 * mx,
                          faceBounds.height + 2 * my);
  const bool inside = (padded & *previous).area() >= padded.area() * 0.999f;
  const float ratio = previous->area() / std::max(1.0f, wanted.area());
  return inside && ratio > 0.6f && ratio < 1.7f ? *previous : wanted;
}

cv::Rect cropInsetRect(int w, int h, int index) {
  const int shortSide = std::min(w, h);
  const int side = static_cast<int>(std::lround(shortSide * 0.3));
  const int margin = std::max(4, static_cast<int>(std::lround(shortSide * 0.015)));
  const int label = static_cast<int>(std::ceil(fontPxFor(unitFor(w, h)) * 1.4f));
  const cv::Rect r(w - margin - side, margin + index * (side + label + margin), side, side);
  if (side < 16 || r.x < 0 || r.y + side + label > h) return {};
  return r;
}

Result<SceneRenderer> SceneRenderer::create(const std::filesystem::path& shaderDir) {
  auto video = gl::ShaderProgram::fromFiles(shaderDir / "video.vert", shaderDir / "video.frag");
  if (!video) return video.error();
  auto present = gl::ShaderProgram::fromFiles(shaderDir / "present.vert", shaderDir / "video.frag");
  if (!present) return present.error();
  auto sprites = SpriteRenderer::create(shaderDir);
  if (!sprites) return sprites.error();
  auto shadeMasks = ShadeMaskRenderer::create(shaderDir);
  if (!shadeMasks) return shadeMasks.error();
  auto models = ModelRenderer::create(shaderDir);
  if (!models) return models.error();
  return SceneRenderer(std::move(video).value(), std::move(present).value(), std::move(sprites).value(),
                       std::move(shadeMasks).value(), std::move(models).value());
}

SceneRenderer::SceneRenderer(gl::ShaderProgram video, gl::ShaderProgram present, SpriteRenderer sprites,
                             ShadeMaskRenderer shadeMasks, ModelRenderer models)
    : videoProgram_(std::move(video)),
      presentProgram_(std::move(present)),
      sprites_(std::move(sprites)),
      shadeMasks_(std::move(shadeMasks)),
      models_(std::move(models)),
      emptyVao_(gl::VertexArray::create()) {}

void SceneRenderer::setFrame(const FramePtr& frame) {
  if (!frame || frame == frame_) return;
  frame_ = frame;
  video_.upload(frame->image);
}

SceneStats SceneRenderer::render(const FrameResult* result, const ViewSettings& view,
                                 const FilterAssignment& filters, const FilterLibrary& library) {
  SceneStats stats;
  if (video_.empty()) return stats;
  gl::StateGuard guard;
  const int w = video_.width(), h = video_.height();
  target_.resize(w, h);
  glBindFramebuffer(GL_FRAMEBUFFER, target_.framebuffer());
  glViewport(0, 0, w, h);
  // One depth buffer for the picture: 3D models of all faces are depth-tested against each other.
  glDepthMask(GL_TRUE);
  glClear(GL_DEPTH_BUFFER_BIT);
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
  const float sx =
      result->frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result->frameWidth) : 1.0f;
  const float sy =
      result->frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result->frameHeight) : 1.0f;
  // The side-by-side view covers the whole picture: filters would be drawn only to be hidden.
  const bool sideBySide = view.debug.rawVsSmoothed;
  for (const FaceResult& face : result->faces) {
    Landmarks points = face.keypoints;
    for (auto& p : points) p = cv::Point2f(p.x * sx, p.y * sy);
    const float fade = view.fadeWithConfidence ? confidenceOpacity(face.confidence) : 1.0f;
    if (fade <= 0.0f) continue;
    ++stats.facesDrawn;
    if (sideBySide) continue;
    // The engine's pose (solved from the smoothed keypoints and smoothed per track), seen at this view's
    // size.
    std::optional<HeadPose> pose;
    if (view.headPose && face.pose) pose = scaledPose(*face.pose, sx, sy);
    std::vector<ModelDraw> faceModels;  // 3D models go after the face's sprites and masks
    for (const std::string& name : filters.forTrack(face.trackId)) {
      const GpuFilter* gf = library.find(name);
      if (gf == nullptr) continue;
      const FilterDescription& d = gf->filter->description;
      if (d.kind == FilterKind::kModel) {
        if (gf->model) faceModels.push_back(ModelDraw{gf->model.get(), &d, fade});
        continue;
      }
      std::vector<SpriteVertex> tris;
      if (d.kind == FilterKind::kSprite) {
        const auto quad =
            spriteQuad(d, cv::Size(gf->art.width, gf->art.height), points, pose ? &*pose : nullptr);
        if (!quad) continue;
        tris = {(*quad)[0], (*quad)[1], (*quad)[2], (*quad)[0], (*quad)[2], (*quad)[3]};
        ++stats.spritesDrawn;
      } else {
        const auto facePts = maskPoints(points);
        if (d.blend == BlendMode::kShade) {
          const cv::Size artSize(gf->art.width, gf->art.height);
          const auto shaded =
              shadeMaskTriangles(gf->mesh, facePts, gf->artMesh, artSize, shadeFeatherPx(points));
          const float level = shadeFaceLevel(face.light, frame_ ? frame_->image : cv::Mat(), points);
          shadeMasks_.draw(gf->art.id(), video_.id(), shaded, level, d.opacity * fade, w, h);
          ++stats.masksDrawn;
          continue;
        }
        const float aw = static_cast<float>(gf->art.width), ah = static_cast<float>(gf->art.height);
        tris.reserve(gf->mesh.triangles.size() * 3);
        for (const auto& t : gf->mesh.triangles) {
          for (int k = 0; k < 3; ++k) {
            const auto i = static_cast<size_t>(t[k]);
            tris.push_back(
                SpriteVertex{facePts[i].x, facePts[i].y, gf->artMesh[i].x / aw, gf->artMesh[i].y / ah, 1.0f});
          }
        }
        ++stats.masksDrawn;
      }
      sprites_.draw(gf->art.id(), tris, d.blend, d.opacity * fade, w, h);
    }
    // Models need the engine's pose (no pose on this frame: no model on this face); the head-pose
    // perspective setting is the sprites' and does not apply to them.
    if (face.pose && (!faceModels.empty() || view.debug.occluder)) {
      stats.modelsDrawn += models_.drawFace(scaledPose(*face.pose, sx, sy), face.light, faceModels,
                                            cv::Size(w, h), view.debug.occluder);
    }
  }

  if (!sideBySide) zoomRegion_.reset();
  if (view.debug.crop) updateCropInsets(*result);
  ImDrawList& dl = overlay_.begin(w, h);
  if (sideBySide)
    drawSideBySide(dl, *result);
  else
    drawDebug(dl, *result, view);
  if (view.debug.crop) drawCropInsets(dl);
  overlay_.render();
  return stats;
}

void SceneRenderer::drawSideBySide(ImDrawList& dl, const FrameResult& result) {
  const int w = video_.width(), h = video_.height();
  const float sx =
      result.frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result.frameWidth) : 1.0f;
  const float sy =
      result.frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result.frameHeight) : 1.0f;
  auto P = [&](cv::Point2f p) { return cv::Point2f(p.x * sx, p.y * sy); };
  // Both point sets decide the region, so neither can fall outside its panel.
  cv::Point2f lo(std::numeric_limits<float>::max(), std::numeric_limits<float>::max());
  cv::Point2f hi(std::numeric_limits<float>::lowest(), std::numeric_limits<float>::lowest());
  for (const FaceResult& face : result.faces) {
    for (const Landmarks* set : {&face.keypoints, &face.rawKeypoints}) {
      for (const auto& p : *set) {
        const cv::Point2f q = P(p);
        lo = cv::Point2f(std::min(lo.x, q.x), std::min(lo.y, q.y));
        hi = cv::Point2f(std::max(hi.x, q.x), std::max(hi.y, q.y));
      }
    }
  }
  const cv::Rect2f bounds(lo, hi);
  const SideBySideLayout empty =
      sideBySideLayout(w, h, cv::Rect2f(0, 0, static_cast<float>(w), static_cast<float>(h)));
  const float aspect = empty.leftHalf.width / std::max(1.0f, empty.leftHalf.height);
  if (result.faces.empty()) {
    zoomRegion_.reset();
  } else {
    zoomRegion_ = steadyZoomRegion(zoomRegion_, bounds, aspect, cv::Size(w, h));
  }
  const SideBySideLayout l = zoomRegion_ ? sideBySideLayout(w, h, *zoomRegion_) : empty;

  const float unit = unitFor(w, h);
  const float fontPx = fontPxFor(unit);
  const float zoom = l.left.width / std::max(1.0f, l.region.width);
  const float r = std::clamp(1.2f * unit * zoom, 2.0f * unit, 5.0f * unit);
  const ImVec2 uv0(l.region.x / static_cast<float>(w), l.region.y / static_cast<float>(h));
  const ImVec2 uv1((l.region.x + l.region.width) / static_cast<float>(w),
                   (l.region.y + l.region.height) / static_cast<float>(h));
  dl.AddRectFilled(ImVec2(0, 0), ImVec2(static_cast<float>(w), static_cast<float>(h)),
                   IM_COL32(0, 0, 0, 255));
  struct Panel {
    const cv::Rect2f& half;
    const cv::Rect2f& picture;
    bool raw;
  };
  for (const Panel& panel : {Panel{l.leftHalf, l.left, true}, Panel{l.rightHalf, l.right, false}}) {
    dl.PushClipRect(toIm(panel.half.tl()), toIm(panel.half.br()), true);
    dl.AddImage(textureId(video_.id()), toIm(panel.picture.tl()), toIm(panel.picture.br()), uv0, uv1);
    const ImU32 colour = panel.raw ? kRed : kGreen;
    for (const FaceResult& face : result.faces) {
      const Landmarks& points = panel.raw ? face.rawKeypoints : face.keypoints;
      for (const auto& p : points) {
        const cv::Point2f q = panel.raw ? l.toLeft(P(p)) : l.toRight(P(p));
        dl.AddCircleFilled(toIm(q), r, colour);
      }
    }
    const ImVec2 at(panel.half.x + 6 * unit, panel.half.y + 4 * unit);
    textWithShadow(dl, fontPx * 1.2f, at, colour, panel.raw ? "raw keypoints (CNN)" : "smoothed keypoints");
    dl.PopClipRect();
  }
  dl.AddLine(ImVec2(l.rightHalf.x, 0), ImVec2(l.rightHalf.x, static_cast<float>(h)),
             IM_COL32(200, 200, 200, 255), std::max(1.0f, unit));
}

void SceneRenderer::updateCropInsets(const FrameResult& result) {
  cropsShown_ = 0;
  if (cnnInput_.size <= 0 || !frame_ || frame_->image.empty()) return;
  const int w = video_.width(), h = video_.height();
  const float sx =
      result.frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result.frameWidth) : 1.0f;
  const float sy =
      result.frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result.frameHeight) : 1.0f;
  for (const FaceResult& face : result.faces) {
    if (cropInsetRect(w, h, static_cast<int>(cropsShown_)).area() == 0) break;
    if (crops_.size() <= cropsShown_) crops_.emplace_back();
    CropInset& c = crops_[cropsShown_++];
    // The picture is scaled uniformly (letterboxed), so a turned window stays square in target pixels.
    const CropWindow window{face.crop.x0 * sx, face.crop.y0 * sy, face.crop.side * sx, face.crop.angle};
    // The warp is redone only for a new frame or a moved window: the inset costs nothing while paused.
    if (c.texture && c.size == cnnInput_.size && c.frameId == frame_->id &&
        c.window.rect() == window.rect() && c.window.angle == window.angle) {
      continue;
    }
    // What KeypointModel::predict feeds the network: the crop of the frame in the model's colour.
    cv::Mat crop = warpCrop(frame_->image, window, cnnInput_.size);
    if (cnnInput_.channels == 1) {
      cv::Mat gray;
      cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
      cv::cvtColor(gray, crop, cv::COLOR_GRAY2BGR);
    }
    GLint previous = 0;
    glGetIntegerv(GL_TEXTURE_BINDING_2D, &previous);
    if (!c.texture || c.size != cnnInput_.size) {
      c.texture = gl::Texture::create();
      glBindTexture(GL_TEXTURE_2D, c.texture.id());
      // Nearest: each of the CNN's input pixels shows as a block, the resolution the network really sees.
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
      glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
      glTexImage2D(GL_TEXTURE_2D, 0, GL_RGB8, cnnInput_.size, cnnInput_.size, 0, GL_BGR, GL_UNSIGNED_BYTE,
                   nullptr);
    }
    glBindTexture(GL_TEXTURE_2D, c.texture.id());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, crop.cols, crop.rows, GL_BGR, GL_UNSIGNED_BYTE, crop.data);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(previous));
    c.size = cnnInput_.size;
    c.trackId = face.trackId;
    c.presence = face.presence;
    c.frameId = frame_->id;
    c.window = window;
  }
}

void SceneRenderer::drawCropInsets(ImDrawList& dl) const {
  const int w = video_.width(), h = video_.height();
  const float unit = unitFor(w, h);
  const float fontPx = fontPxFor(unit);
  for (size_t i = 0; i < cropsShown_; ++i) {
    const CropInset& c = crops_[i];
    const cv::Rect r = cropInsetRect(w, h, static_cast<int>(i));
    const ImVec2 a(static_cast<float>(r.x), static_cast<float>(r.y));
    const ImVec2 b(static_cast<float>(r.x + r.width), static_cast<float>(r.y + r.height));
    dl.AddRect(ImVec2(a.x - 1, a.y - 1), ImVec2(b.x + 1, b.y + 1), kCyan, 0.0f, 0, 1.0f);
    dl.AddImage(textureId(c.texture.id()), a, b);
    char label[96];
    if (c.presence >= 0) {
      std::snprintf(label, sizeof label, "CNN input %dx%d %s #%d presence %.2f", c.size, c.size,
                    cnnInput_.channels == 1 ? "gray" : "RGB", c.trackId, static_cast<double>(c.presence));
    } else {
      std::snprintf(label, sizeof label, "CNN input %dx%d %s #%d", c.size, c.size,
                    cnnInput_.channels == 1 ? "gray" : "RGB", c.trackId);
    }
    // Right-aligned: the inset sits at the picture's right edge, so a longer label grows inwards.
    const float labelWidth = ImGui::GetFont()->CalcTextSizeA(fontPx, FLT_MAX, 0.0f, label).x;
    textWithShadow(dl, fontPx, ImVec2(std::min(a.x, b.x - labelWidth), b.y + 2), kCyan, label);
  }
}

void SceneRenderer::drawDebug(ImDrawList& dl, const FrameResult& result, const ViewSettings& view) const {
  const DebugViews& dbg = view.debug;
  const int w = video_.width(), h = video_.height();
  const float sx =
      result.frameWidth > 0 ? static_cast<float>(w) / static_cast<float>(result.frameWidth) : 1.0f;
  const float sy =
      result.frameHeight > 0 ? static_cast<float>(h) / static_cast<float>(result.frameHeight) : 1.0f;
  const float unit = unitFor(w, h);
  const float fontPx = fontPxFor(unit);
  auto P = [&](cv::Point2f p) { return ImVec2(p.x * sx, p.y * sy); };
  // A box turned by `angle` about its centre (a face's own frame), drawn as its four sides.
  auto rect = [&](const cv::Rect2f& r, float angle, ImU32 col, float thickness) {
    if (angle == 0.f) {
      dl.AddRect(P({r.x, r.y}), P({r.x + r.width, r.y + r.height}), col, 0.0f, 0, thickness);
      return;
    }
    const auto corners = CropWindow{r.x, r.y, r.width, angle}.corners();
    ImVec2 q[4];
    for (size_t i = 0; i < 4; ++i) q[i] = P(corners[i]);
    dl.AddPolyline(q, 4, col, ImDrawFlags_Closed, thickness);
    // The face's top edge, thicker: which way is up in a turned crop.
    dl.AddLine(q[0], q[1], col, 2.0f * thickness);
  };
  if (dbg.rawDetections && result.detectorRan) {
    for (const auto& d : result.detections) {
      rect(d.box, d.angle, kOrange, 1.5f * unit);
      char buf[48];
      if (d.angle != 0.f) {
        std::snprintf(buf, sizeof buf, "det %.1f  %+.0f deg", static_cast<double>(d.score),
                      d.angle * 57.2957795);
      } else {
        std::snprintf(buf, sizeof buf, "det %.1f", static_cast<double>(d.score));
      }
      textWithShadow(dl, fontPx, P({d.box.x, d.box.y + d.box.height + 2}), kOrange, buf);
    }
  }
  for (const FaceResult& face : result.faces) {
    if (dbg.crop) rect(face.crop.rect(), face.crop.angle, kCyan, 1.0f * unit);
    if (dbg.boxes) {
      rect(face.box, face.boxAngle, kGreen, 2.0f * unit);
      char buf[64];
      if (face.presence >= 0) {
        std::snprintf(buf, sizeof buf, "#%d  %.2f  p %.2f", face.trackId,
                      static_cast<double>(face.confidence), static_cast<double>(face.presence));
      } else {
        std::snprintf(buf, sizeof buf, "#%d  %.2f", face.trackId, static_cast<double>(face.confidence));
      }
      textWithShadow(dl, fontPx * 1.2f, P({face.box.x, face.box.y - fontPx * 1.3f}), kGreen, buf);
    }
    const float r = 1.6f * unit;
    if (dbg.points) {
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
      if (face.pose) {
        const HeadPose pose = scaledPose(*face.pose, sx, sy);
        // Axes from the nose tip, one eye distance long: x red, y green, z (towards the camera) blue.
        const auto& nose = pts[30];
        std::vector<cv::Point3f> model = {
            {0, 0.586f, 0.42f}, {1, 0.586f, 0.42f}, {0, 1.586f, 0.42f}, {0, 0.586f, 1.42f}};
        std::vector<cv::Point2f> px;
        std::vector<float> z;
        projectWithPose(pose, model, px, z);
        const cv::Point2f shift = nose - px[0];
        const ImVec2 o(nose.x, nose.y);
        dl.AddLine(o, ImVec2(px[1].x + shift.x, px[1].y + shift.y), kRed, 2.5f * unit);
        dl.AddLine(o, ImVec2(px[2].x + shift.x, px[2].y + shift.y), kGreen, 2.5f * unit);
        dl.AddLine(o, ImVec2(px[3].x + shift.x, px[3].y + shift.y), IM_COL32(60, 120, 255, 255), 2.5f * unit);
        char buf[64];
        std::snprintf(buf, sizeof buf, "yaw %.0f pitch %.0f roll %.0f", pose.yawDeg, pose.pitchDeg,
                      pose.rollDeg);
        textWithShadow(dl, fontPx,
                       ImVec2(face.box.x * sx, (face.box.y + face.box.height) * sy + fontPx * 1.2f), kWhite,
                       buf);
      }
    }
  }
}

void SceneRenderer::present(int fbWidth, int fbHeight) const {
  gl::StateGuard guard;
  glBindFramebuffer(GL_DRAW_FRAMEBUFFER, 0);
  glViewport(0, 0, fbWidth, fbHeight);
  glClearColor(0.08f, 0.08f, 0.09f, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  if (!target_.framebuffer() || target_.width() == 0) return;
  const Viewport v = letterbox(target_.width(), target_.height(), fbWidth, fbHeight);
  // A textured quad rather than a scaled glBlitFramebuffer: on Mesa's llvmpipe (Xvfb) the blit took a
  // slower path (present 7.9 -> 5.2 ms a frame at 1280x720, measured with glFinish between the phases).
  glViewport(v.x, v.y, v.width, v.height);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glDisable(GL_DEPTH_TEST);
  glUseProgram(presentProgram_.id());
  glUniform1i(presentProgram_.uniform("uVideo"), 0);
  glUniform1f(presentProgram_.uniform("uDim"), 0.0f);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, target_.texture());
  glBindVertexArray(emptyVao_.id());
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

}  // namespace facefilter
