#pragma once
// Telling a recorded tone from anything else: how much of a stretch of samples' energy lies at one
// frequency (Goertzel's algorithm at that exact frequency, so no bin rounding).

#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace facefilter::test {

// The share of the energy of x[begin, end) at `hz`: near 1 for a pure tone of that frequency, near 0 for
// silence, noise or a tone of another frequency (a few cycles apart over the stretch).
inline double toneShare(const std::vector<float>& x, size_t begin, size_t end, double sampleRate, double hz) {
  if (end <= begin) return 0;
  const double w = 2 * std::numbers::pi * hz / sampleRate;
  const double coeff = 2 * std::cos(w);
  double s1 = 0;
  double s2 = 0;
  double energy = 0;
  for (size_t i = begin; i < end; ++i) {
    const double s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += static_cast<double>(x[i]) * x[i];
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  const double n = static_cast<double>(end - begin);
  return energy > 0 ? power / (n / 2 * energy) : 0;
}

}  // namespace facefilter::test
