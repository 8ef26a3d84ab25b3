#include "engine/io/json_output.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace facefilter {

OrderedJson fixedDecimals(double v, int decimals) {
  if (!std::isfinite(v)) return nullptr;
  // Rounding the exact binary value in decimal (as printf's %.*f does) keeps halfway cases where they fell.
  char text[400];
  const auto printed =
      std::to_chars(text, text + sizeof text, v, std::chars_format::fixed, std::clamp(decimals, 0, 17));
  double rounded = v;
  std::from_chars(text, printed.ptr, rounded);
  if (rounded == std::trunc(rounded) && std::abs(rounded) < 9e18) return static_cast<int64_t>(rounded);
  return rounded;
}

std::string jsonLine(const OrderedJson& document) {
  return document.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace facefilter
