#pragma once
// The One Euro filter (Casiez, Roussel, Vogel, CHI 2012): a low-pass filter whose cutoff rises with
// speed, so a still point stops jittering and a moving one does not lag. Time comes from the frame
// stamps, so tests drive it with a manual clock. Not thread-safe.

#include <cmath>
#include <cstdint>

namespace facefilter {

struct OneEuroParams {
  double minCutoffHz = 1.0;  // lower = smoother when still, more lag
  // higher = less lag when moving (per pixel/s of speed). 0.2 was chosen with facefilter-bench's stability
  // section (a face at IOD 80 px): it keeps a still face's jitter well under the raw CNN's and a moving face
  // as accurate as a still one, where much lower betas left a moving face behind.
  double beta = 0.2;
  double derivativeCutoffHz = 1.0;
};

class OneEuroFilter {
 public:
  double filter(double value, int64_t timeNs, const OneEuroParams& p) {
    if (!initialised_) {
      initialised_ = true;
      x_ = value;
      dx_ = 0;
      lastNs_ = timeNs;
      return x_;
    }
    double dt = static_cast<double>(timeNs - lastNs_) * 1e-9;
    lastNs_ = timeNs;
    if (!(dt > 0)) dt = 1.0 / 30.0;  // repeated or out-of-order stamps: assume a frame interval
    const double dxRaw = (value - x_) / dt;
    dx_ += alpha(dt, p.derivativeCutoffHz) * (dxRaw - dx_);
    const double cutoff = p.minCutoffHz + p.beta * std::abs(dx_);
    x_ += alpha(dt, cutoff) * (value - x_);
    return x_;
  }
  void reset() { initialised_ = false; }
  bool initialised() const { return initialised_; }

 private:
  static double alpha(double dt, double cutoffHz) {
    const double tau = 1.0 / (2.0 * 3.14159265358979323846 * cutoffHz);
    return 1.0 / (1.0 + tau / dt);
  }
  bool initialised_ = false;
  double x_ = 0;
  double dx_ = 0;
  int64_t lastNs_ = 0;
};

}  // namespace facefilter
