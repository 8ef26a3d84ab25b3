#pragma once
// How our JSON outputs (points files, the landmark sidecar, the CLI's and the bench's reports, the app's
// stats file) are written: nlohmann-json documents in insertion order, numbers rounded to a fixed count of
// decimals.

#include <string>

#include <nlohmann/json.hpp>

namespace facefilter {

// Keys keep the order they were added in, so that files read in a stable, documented order.
using OrderedJson = nlohmann::ordered_json;

// `v` rounded to `decimals` places as a JSON number: "1.5", "2" (an integer prints without a fraction), "0"
// for a negative value that rounds to zero; null where `v` is not finite. nlohmann prints the rounded value
// as fixed notation with the trailing zeros trimmed (what %.*f gives, trimmed) for up to 3 places below 1e8
// and 4 places below 1e4 (tests/test_core.cpp checks both). Beyond, its shortest-round-trip printing (Grisu2)
// gives a longer form of the same double for about one value in a thousand (0.01207 to 5 places prints as
// 0.012070000000000001), and values below 1e-4 print with an exponent (5e-05).
OrderedJson fixedDecimals(double v, int decimals);

// The document on one line. Bytes that are not UTF-8 (a file name on Linux may hold any) print as U+FFFD
// instead of throwing.
std::string jsonLine(const OrderedJson& document);

}  // namespace facefilter
