// Strict reading of YAML values: every problem becomes a located Diagnostic and reading goes on,
// so that a user sees all the errors of a file at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "app/diagnostics.hpp"
#include "sim/distribution.hpp"
#include "sim/time.hpp"

namespace gilsim::app {

/// Where --set options put values: errors inside them are located at the option, not the file.
struct OverrideOrigin {
  std::string path;      ///< canonical key path, e.g. threads[1].count
  std::string argument;  ///< the option as typed, e.g. --set threads.io.count=8
};

enum class Sign { Positive, NonNegative, Any };

class FieldReader {
 public:
  FieldReader(std::string file, std::vector<OverrideOrigin> overrides)
      : file_(std::move(file)), overrides_(std::move(overrides)) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message);
  bool failed() const { return !diagnostics_.empty(); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  const std::string& file() const { return file_; }

  /// Checks that `node` is a map whose keys are all in `allowed` (unknown keys get a
  /// did-you-mean, duplicates an error). Returns false if it is not a map at all.
  bool check_map(const YAML::Node& node, const std::string& path,
                 const std::vector<std::string>& allowed);

  std::optional<std::string> string(const YAML::Node& node, const std::string& path);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& path,
                                      std::int64_t min, std::int64_t max);
  std::optional<double> number(const YAML::Node& node, const std::string& path, double min,
                               double max);
  std::optional<sim::Time> duration(const YAML::Node& node, const std::string& path, Sign sign);
  /// A positive duration in nanoseconds, kept to the picosecond ("7.407ns"): a per-operation cost
  /// that whole nanoseconds would round by several per cent.
  std::optional<double> fine_duration(const YAML::Node& node, const std::string& path);
  /// A duration, or a distribution of durations: {uniform: {min, max}}, {exponential: {mean}},
  /// {normal: {mean, stddev}}, {lognormal: {median, sigma} | {mean, stddev}}, {constant: D}.
  std::optional<sim::Dist> dist(const YAML::Node& node, const std::string& path, Sign sign);

 private:
  bool scalar(const YAML::Node& node, const std::string& path, const char* what);
  /// A duration in units of 1/per_ns nanosecond (see sim::parse_duration).
  std::optional<sim::Time> duration_in(const YAML::Node& node, const std::string& path, Sign sign,
                                       sim::Time per_ns, const char* what);

  std::string file_;
  std::vector<OverrideOrigin> overrides_;
  std::vector<Diagnostic> diagnostics_;
};

/// The scalar text of a node, for messages ("" when not a scalar).
std::string scalar_text(const YAML::Node& node);

}  // namespace gilsim::app
