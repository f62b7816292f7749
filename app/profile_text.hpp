// Small text helpers shared by the profile writers (numbers and lists as the profile shows them).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace gilsim::app::profile_text {

inline double num(const YAML::Node& n, double fallback = 0) {
  if (!n || !n.IsScalar()) return fallback;
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    return fallback;
  }
}

/// A measurement the probe produced (a probe that could not measure writes null).
inline bool measured(const YAML::Node& n) {
  return n && n.IsScalar() && n.Scalar() != "null";
}

inline std::string us(double seconds) {  // a duration for the profile, in whole nanoseconds
  return sim::format_duration(sim::Time(std::llround(std::max(0.0, seconds) * 1e9)));
}

inline std::string round3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

inline std::string list(const std::vector<double>& v, double scale) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    s += (i ? ", " : "") + (std::isnan(v[i]) ? std::string("null") : round3(v[i] * scale));
  }
  return s + "]";
}

inline std::string today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace gilsim::app::profile_text
