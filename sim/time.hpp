// Simulated time: a signed 64-bit count of nanoseconds (584 years of range), so that a 5 ms
// switch interval lands on the same tick on every platform and no comparison needs an epsilon.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace gilsim::sim {

using Time = std::int64_t;  ///< nanoseconds

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kNever = std::numeric_limits<Time>::max();

/// Seconds as a double, for reports only (never for decisions).
constexpr double to_seconds(Time t) {
  return static_cast<double>(t) / 1e9;
}

/// Result of parsing a duration: either a value or a message saying what is wrong.
struct DurationParse {
  bool ok = false;
  Time value = 0;
  std::string error;
};

/// Parses "5ms", "250us", "1.5s", "100ns" (also "µs"). A unit is required; the value is rounded
/// to the nearest nanosecond, or with `per_ns` (a power of ten) to the nearest 1/per_ns of one
/// (per_ns 1000: picoseconds). Negative values parse (the caller decides whether they are allowed).
DurationParse parse_duration(std::string_view text, Time per_ns = 1);

/// Shortest exact rendering in the largest unit that keeps it short: 5000000 -> "5ms",
/// 1500 -> "1.5us", 0 -> "0s". parse_duration(format_duration(t)).value == t for every t.
std::string format_duration(Time t);

/// Nanoseconds kept to the picosecond: "7.333ns", or format_duration's text when whole.
/// parse_duration(format_fine_duration(x), 1000) is x rounded to the picosecond.
std::string format_fine_duration(double ns);

}  // namespace gilsim::sim
