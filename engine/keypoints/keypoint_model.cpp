#include "engine/keypoints/keypoint_model.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <opencv2/imgproc.hpp>

#include "engine/core/data_paths.hpp"
#include "engine/core/logging.hpp"

namespace facefilter {

struct KeypointModel::Impl {
  torch::jit::Module module;
  ModelMetadata metadata;
  bool detectorStage = false;  // metadata.detectorBoxMethod names a method the module has
  bool presence = false;       // metadata.presenceMethod names a method the module has
  std::string path;
  torch::Device device{torch::kCPU};
};

const char* toString(ComputeDevice device) {
  switch (device) {
    case ComputeDevice::kAuto:
      return "auto";
    case ComputeDevice::kCpu:
      return "cpu";
    case ComputeDevice::kCuda:
      return "cuda";
  }
  return "?";
}

Result<ComputeDevice> parseComputeDevice(const std::string& text) {
  if (text == "auto") return ComputeDevice::kAuto;
  if (text == "cpu") return ComputeDevice::kCpu;
  if (text == "cuda") return ComputeDevice::kCuda;
  return makeError("device '" + text + "': expected auto, cpu or cuda");
}

bool cudaAvailable() {
  try {
    return torch::cuda::is_available();
  } catch (...) {
    return false;
  }
}

void setInferenceThreads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
}

namespace {
constexpr const char* kShippedModelFile = "ffnet.pt";
}  // namespace

const std::vector<ShippedModel>& shippedModels() {
  static const std::vector<ShippedModel> models = {
      {"default", kShippedModelFile, "trained on the udacity keypoints data (MIT)"},
      {"wild", "ffnet-wild.pt",
       "also trained on in-the-wild photographs (HELEN, 300-W labels): better on turned, lit and made-up "
       "faces; research use only"},
  };
  return models;
}

std::string defaultModelPath() {
  if (const char* env = std::getenv("FACEFILTER_MODEL"); env && *env) return env;
  auto shipped = findDataFile(DataFolder::kModels, kShippedModelFile);
  return shipped ? shipped->string() : std::string();
}

namespace {

// The gain `input.light_gain` asks for (1 when the crop is bright enough or the model asks for none).
double lightGainFor(const cv::Mat& crop, const LightGain& g) {
  if (!g.enabled) return 1.0;
  const int side = std::max(1, static_cast<int>(std::lround(g.region * crop.cols)));
  const int x0 = (crop.cols - side) / 2, y0 = (crop.rows - side) / 2;
  const cv::Scalar m = cv::mean(crop(cv::Rect(x0, y0, side, std::min(side, crop.rows))));
  double level = 0;
  for (int c = 0; c < crop.channels(); ++c) level += m[c];
  level /= crop.channels();
  return std::clamp(g.targetMean / std::max(level, 1e-3), 1.0, g.maxGain);
}

// Fills `dst` (C x H x W floats) from an 8-bit crop, normalised as the metadata says. Returns the light gain
// it applied (1: none).
double fillInput(const cv::Mat& cropIn, const ModelMetadata& m, float* dst) {
  const int hw = m.inputWidth * m.inputHeight;
  cv::Mat crop = cropIn;
  const double gain = lightGainFor(cropIn, m.lightGain);
  if (gain > 1.0) cropIn.convertTo(crop, CV_8U, gain);
  std::vector<cv::Mat> planes;
  cv::split(crop, planes);
  for (int c = 0; c < m.channels; ++c) {
    cv::Mat out(m.inputHeight, m.inputWidth, CV_32F, dst + static_cast<ptrdiff_t>(c) * hw);
    const double alpha = m.pixelScale / m.std[static_cast<size_t>(c)];
    const double beta = -m.mean[static_cast<size_t>(c)] / m.std[static_cast<size_t>(c)];
    planes[static_cast<size_t>(c)].convertTo(out, CV_32F, alpha, beta);
  }
  return gain;
}

cv::Mat toModelColour(const cv::Mat& image, int channels) {
  cv::Mat out;
  if (channels == 1) {
    if (image.channels() == 1) return image;
    cv::cvtColor(image, out, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  } else {
    if (image.channels() == 1) {
      cv::cvtColor(image, out, cv::COLOR_GRAY2RGB);
    } else {
      cv::cvtColor(image, out, image.channels() == 4 ? cv::COLOR_BGRA2RGB : cv::COLOR_BGR2RGB);
    }
  }
  return out;
}

// Runs `method` of the module (forward() when empty) on a [N, C, H, W] tensor and returns [N, 68, 2]
// (float, CPU), or an error.
Result<torch::Tensor> forward(torch::jit::Module& module, const torch::Tensor& input,
                              const torch::Device& device, const std::string& path,
                              const std::string& method = {}) {
  const std::string name = method.empty() ? "forward" : method;
  try {
    c10::InferenceMode guard;
    torch::jit::IValue out =
        method.empty() ? module.forward({input.to(device)}) : module.get_method(method)({input.to(device)});
    if (!out.isTensor()) return makeError("model '" + path + "': " + name + "() must return one tensor");
    torch::Tensor t = out.toTensor();
    const int64_t n = input.size(0);
    if (t.dim() == 2 && t.size(0) == n && t.size(1) == 2 * kNumKeypoints) {
      t = t.view({n, kNumKeypoints, 2});
    } else if (!(t.dim() == 3 && t.size(0) == n && t.size(1) == kNumKeypoints && t.size(2) == 2)) {
      std::string shape = "[";
      for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? ", " : "") + std::to_string(t.size(i));
      return makeError("model '" + path + "': " + name + "() output shape " + shape + "] for a batch of " +
                       std::to_string(n) + "; expected [N, 136] or [N, 68, 2]");
    }
    return t.to(torch::kCPU, torch::kFloat).contiguous();
  } catch (const c10::Error& e) {
    return makeError("model '" + path + "': " + name + "() failed: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return makeError("model '" + path + "': " + name + "() failed: " + e.what());
  }
}

// Runs the presence method on a [N, C, H, W] tensor: [N] (or [N, 1]) values in [0, 1], as float on the CPU.
Result<torch::Tensor> presenceOf(torch::jit::Module& module, const torch::Tensor& input,
                                 const torch::Device& device, const std::string& path,
                                 const std::string& method) {
  try {
    c10::InferenceMode guard;
    torch::jit::IValue out = module.get_method(method)({input.to(device)});
    if (!out.isTensor()) return makeError("model '" + path + "': " + method + "() must return one tensor");
    torch::Tensor t = out.toTensor();
    const int64_t n = input.size(0);
    if (!((t.dim() == 1 && t.size(0) == n) || (t.dim() == 2 && t.size(0) == n && t.size(1) == 1))) {
      return makeError("model '" + path + "': " + method + "() must return [N] or [N, 1] for a batch of " +
                       std::to_string(n));
    }
    return t.reshape({n}).to(torch::kCPU, torch::kFloat).contiguous();
  } catch (const c10::Error& e) {
    return makeError("model '" + path + "': " + method + "() failed: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return makeError("model '" + path + "': " + method + "() failed: " + e.what());
  }
}

// LibTorch 1.13 runs a 3x3 convolution on a batch of one small image through its slow im2col path
// (ConvParams::use_mkldnn wants a batch > 1 or a large input), so one face cost several times what two
// did. optimize_for_inference (freeze + oneDNN layout throughout, as torch.jit.optimize_for_inference)
// makes every batch size take the oneDNN path (facefilter-bench's keypoints rows). Kept only if it reproduces
// the original's output on a random probe; otherwise the original module stays (logged).
void optimiseForCpu(torch::jit::Module& module, const torch::Device& device, const std::string& path,
                    const torch::Tensor& probeInput, const std::vector<std::string>& otherMethods,
                    const std::string& presenceMethod) {
  try {
    std::vector<std::string> methods{std::string()};
    methods.insert(methods.end(), otherMethods.begin(), otherMethods.end());
    const auto run = [&](torch::jit::Module& m, const std::string& method) {
      return method == presenceMethod && !method.empty() ? presenceOf(m, probeInput, device, path, method)
                                                         : forward(m, probeInput, device, path, method);
    };
    std::vector<torch::Tensor> reference;
    for (const std::string& m : methods) {
      auto r = run(module, m);
      if (!r) return;
      reference.push_back(r.value());
    }
    torch::jit::Module copy = module.clone();
    torch::jit::Module optimised = torch::jit::optimize_for_inference(copy, otherMethods);
    for (size_t k = 0; k < methods.size(); ++k) {
      auto out = run(optimised, methods[k]);
      if (!out) {
        logger("keypoints")
            ->warn("model '{}': optimised copy failed ({}); using it as loaded", path, out.error().message);
        return;
      }
      const double diff = (out.value() - reference[k]).abs().max().item<double>();
      if (!(diff < 1e-3)) {
        logger("keypoints")
            ->warn("model '{}': optimised copy differs by {} on the probe; using it as loaded", path, diff);
        return;
      }
    }
    module = std::move(optimised);
  } catch (const std::exception& e) {
    logger("keypoints")
        ->warn("model '{}': optimize_for_inference failed ({}); using it as loaded", path,
               std::string(e.what()).substr(0, 200));
  }
}

}  // namespace

Result<KeypointModel> KeypointModel::load(const std::string& path, ComputeDevice device) {
  if (path.empty() || path == "default") {
    if (const std::string found = defaultModelPath(); !found.empty()) return load(found, device);
    // The shipped model is nowhere: the error says where it was looked for.
    auto shipped = findDataFile(DataFolder::kModels, kShippedModelFile);
    return makeError(
        "model: " + (shipped ? "'" + shipped->string() + "' vanished" : shipped.error().message) +
        "\nGive one with --model FILE or $FACEFILTER_MODEL.");
  }
  // The other shipped models by name (the default is handled above, with $FACEFILTER_MODEL).
  for (const ShippedModel& shipped : shippedModels()) {
    if (path != shipped.name) continue;
    auto found = findDataFile(DataFolder::kModels, shipped.file);
    if (!found) return makeError("model '" + path + "': " + found.error().message);
    return load(found->string(), device);
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return makeError("model '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) return makeError("model '" + path + "': is a folder");
  if (!std::ifstream(path, std::ios::binary).good()) {
    return makeError("model '" + path + "': cannot be read (permissions?)");
  }
  if (device == ComputeDevice::kCuda && !cudaAvailable()) {
    return makeError("model '" + path +
                     "': CUDA was asked for but is not available (this LibTorch build or "
                     "machine has no CUDA); use the cpu or auto device");
  }
  if (device == ComputeDevice::kAuto && cudaAvailable()) {
    // A model frozen for CPU inference (oneDNN-packed weights) cannot run on CUDA: auto then means CPU.
    auto onCuda = loadOn(path, ComputeDevice::kCuda);
    if (onCuda) return onCuda;
    logger("keypoints")->warn("{}; using the CPU instead", onCuda.error().message);
    return loadOn(path, ComputeDevice::kCpu);
  }
  return loadOn(path, device == ComputeDevice::kAuto ? ComputeDevice::kCpu : device);
}

Result<KeypointModel> KeypointModel::loadOn(const std::string& path, ComputeDevice device) {
  auto impl = std::make_shared<Impl>();
  impl->path = path;
  impl->device = device == ComputeDevice::kCuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);

  torch::jit::ExtraFilesMap extra{{"facefilter.json", ""}};
  try {
    impl->module = torch::jit::load(path, impl->device, extra);
    impl->module.eval();
  } catch (const c10::Error& e) {
    return makeError("model '" + path + "': not a TorchScript file LibTorch can load (" +
                     std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const std::exception& e) {
    return makeError("model '" + path + "': not a TorchScript file LibTorch can load (" +
                     std::string(e.what()).substr(0, 200) + ")");
  }
  auto metadata = parseModelMetadata(extra["facefilter.json"], path);
  if (!metadata) return metadata.error();
  impl->metadata = std::move(metadata).value();

  // Check the contract now rather than on the first face: a batch of 2 must give [2, 68, 2].
  const auto& m = impl->metadata;
  if (!m.detectorBoxMethod.empty()) {
    if (!impl->module.find_method(m.detectorBoxMethod)) {
      return makeError("model '" + path + "': facefilter.json names detector_box_method '" +
                       m.detectorBoxMethod + "', which the module does not have");
    }
    impl->detectorStage = true;
  }
  if (!m.presenceMethod.empty()) {
    if (!impl->module.find_method(m.presenceMethod)) {
      return makeError("model '" + path + "': facefilter.json names presence_method '" + m.presenceMethod +
                       "', which the module does not have");
    }
    impl->presence = true;
  }
  const auto probeFailed = [&](const Error& e) {
    return makeError(e.message + " (checked on load with input [2, " + std::to_string(m.channels) + ", " +
                     std::to_string(m.inputHeight) + ", " + std::to_string(m.inputWidth) + "])");
  };
  const torch::Tensor zeros = torch::zeros({2, m.channels, m.inputHeight, m.inputWidth});
  if (auto probe = forward(impl->module, zeros, impl->device, path); !probe)
    return probeFailed(probe.error());
  std::vector<std::string> otherMethods;  // besides forward()
  if (impl->detectorStage) {
    if (auto probe = forward(impl->module, zeros, impl->device, path, m.detectorBoxMethod); !probe) {
      return probeFailed(probe.error());
    }
    otherMethods.push_back(m.detectorBoxMethod);
  }
  if (impl->presence) {
    if (auto probe = presenceOf(impl->module, zeros, impl->device, path, m.presenceMethod); !probe) {
      return probeFailed(probe.error());
    }
    otherMethods.push_back(m.presenceMethod);
  }
  if (device != ComputeDevice::kCuda) {
    optimiseForCpu(impl->module, impl->device, path,
                   torch::rand({2, m.channels, m.inputHeight, m.inputWidth}), otherMethods, m.presenceMethod);
  }
  // Info, not a warning, for an older file: it is a supported choice, and the CLI's default level stays
  // quiet.
  logger("keypoints")
      ->info("loaded model '{}' ({}, {}x{}x{}{}) on {}; {}; {}", path, m.name, m.channels, m.inputWidth,
             m.inputHeight, impl->detectorStage ? ", detector-box stage" : "", impl->device.str(),
             m.boxFromPoints.eyeLine ? "eye-line crops"
                                     : "axis-aligned crops (an older file: tilted faces are tracked "
                                       "less well)",
             impl->presence ? "presence score"
                            : "no presence score (an older file: a lost face is ended by the "
                              "tracker's quality check alone)");
  // A model trained on research-only data carries those terms; the user chose it, the log says what holds.
  std::string licence = m.license;
  std::transform(licence.begin(), licence.end(), licence.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (licence.find("research use only") != std::string::npos)
    logger("keypoints")->warn("model '{}' is for research use only: {}", path, m.license);
  return KeypointModel(std::move(impl));
}

Result<std::vector<Landmarks>> KeypointModel::predict(const cv::Mat& image,
                                                      const std::vector<CropWindow>& crops,
                                                      const std::vector<bool>& fromDetector,
                                                      std::vector<float>* presence,
                                                      MirrorAverage mirrorAverage) const {
  std::vector<Landmarks> out;
  if (presence) presence->clear();
  if (crops.empty()) return out;
  if (image.empty()) return makeError("KeypointModel::predict: empty image");
  const ModelMetadata& m = impl_->metadata;
  const cv::Mat src = toModelColour(image, m.channels);
  const auto n = static_cast<int64_t>(crops.size());
  const int64_t perFace = static_cast<int64_t>(m.channels) * m.inputHeight * m.inputWidth;
  out.resize(static_cast<size_t>(n));
  const bool scorePresence = presence != nullptr && impl_->presence;
  if (scorePresence) presence->assign(static_cast<size_t>(n), 0.f);

  // One batch per stage: crops from detector boxes through the detector-box stage (if the model has
  // one), the rest through forward().
  std::vector<int64_t> groups[2];
  for (int64_t i = 0; i < n; ++i) {
    const bool detector = impl_->detectorStage && static_cast<size_t>(i) < fromDetector.size() &&
                          fromDetector[static_cast<size_t>(i)];
    groups[detector ? 1 : 0].push_back(i);
  }
  for (int g = 0; g < 2; ++g) {
    const std::vector<int64_t>& index = groups[g];
    if (index.empty()) continue;
    const auto batch = static_cast<int64_t>(index.size());
    torch::Tensor input = torch::empty({batch, m.channels, m.inputHeight, m.inputWidth}, torch::kFloat);
    float* data = input.data_ptr<float>();
    // mirror[b]: the row of the batch that holds crop b mirrored (a dim crop, where the metadata asks for its
    // prediction averaged with its mirror image's: input.light_gain.mirror_average), or -1.
    std::vector<int64_t> mirror(static_cast<size_t>(batch), -1);
    std::vector<int64_t> dimRows;
    for (int64_t b = 0; b < batch; ++b) {
      const auto i = static_cast<size_t>(index[static_cast<size_t>(b)]);
      const double gain = fillInput(warpCrop(src, crops[i], m.inputWidth), m, data + b * perFace);
      const bool fromBox = i < fromDetector.size() && fromDetector[i];
      if (gain > 1.0 && m.lightGain.mirrorAverage &&
          (mirrorAverage == MirrorAverage::kEveryCrop || fromBox)) {
        mirror[static_cast<size_t>(b)] = batch + static_cast<int64_t>(dimRows.size());
        dimRows.push_back(b);
      }
    }
    torch::Tensor netInput = input;
    if (!dimRows.empty()) {
      const torch::Tensor rows = torch::tensor(dimRows, torch::kLong);
      netInput = torch::cat({input, input.index_select(0, rows).flip({3})}, 0);
    }
    auto result =
        forward(impl_->module, netInput, impl_->device, impl_->path, g == 1 ? m.detectorBoxMethod : "");
    if (!result) return result.error();
    const torch::Tensor& t = result.value();
    const float* p = t.data_ptr<float>();
    const auto inputPoint = [&](int64_t row, int k) {
      return cv::Point2f(p[(row * kNumKeypoints + k) * 2] * m.xScale + m.xOffset,
                         p[(row * kNumKeypoints + k) * 2 + 1] * m.yScale + m.yOffset);
    };
    for (int64_t b = 0; b < batch; ++b) {
      const auto i = static_cast<size_t>(index[static_cast<size_t>(b)]);
      const CropWindow& w = crops[i];
      const int64_t mb = mirror[static_cast<size_t>(b)];
      for (int k = 0; k < kNumKeypoints; ++k) {
        cv::Point2f q = inputPoint(b, k);
        if (mb >= 0) {
          // x in the mirrored input is W - x in the crop (the mirror training flips with), and its point k is
          // the crop's mirrored point.
          const cv::Point2f r = inputPoint(mb, kMirroredKeypoint[static_cast<size_t>(k)]);
          q = 0.5f * (q + cv::Point2f(static_cast<float>(m.inputWidth) - r.x, r.y));
        }
        out[i][static_cast<size_t>(k)] = w.toFrame(q.x, q.y, m.inputWidth);
      }
    }
    if (scorePresence) {
      auto score = presenceOf(impl_->module, input, impl_->device, impl_->path, m.presenceMethod);
      if (!score) return score.error();
      const float* q = score.value().data_ptr<float>();
      for (int64_t b = 0; b < batch; ++b) {
        (*presence)[static_cast<size_t>(index[static_cast<size_t>(b)])] = std::clamp(q[b], 0.f, 1.f);
      }
    }
  }
  return out;
}

bool KeypointModel::hasDetectorStage() const {
  return impl_->detectorStage;
}
bool KeypointModel::hasPresence() const {
  return impl_->presence;
}

KeypointModel KeypointModel::withEyeLineCrops(bool eyeLine) const {
  auto impl = std::make_shared<Impl>(*impl_);
  impl->metadata.boxFromPoints.eyeLine = eyeLine;
  return KeypointModel(std::move(impl));
}
const ModelMetadata& KeypointModel::metadata() const {
  return impl_->metadata;
}
const std::string& KeypointModel::path() const {
  return impl_->path;
}
std::string KeypointModel::deviceName() const {
  return impl_->device.str();
}

}  // namespace facefilter
