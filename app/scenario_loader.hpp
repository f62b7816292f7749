// Scenario files: YAML in, a validated models::Scenario out, with every default filled in.
// The format is documented key by key in docs/scenarios.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// One metric a validation scenario checks against a real run, and how close it must be.
struct MetricCheck {
  std::string metric;      ///< a path into the JSON result, e.g. groups.io.io_resume_latency_s.p50
  double tolerance = 0.1;  ///< relative (0.1 for "10%"), or absolute in the metric's unit
  bool relative = true;
};

/// A scenario's `validation:` block (docs/validation.md).
struct ValidationSpec {
  std::vector<std::string> versions;  ///< interpreters it applies to; default its own version
  int repeat = 3;
  std::vector<MetricCheck> metrics;
};

struct LoadOptions {
  std::vector<std::string> sets;  ///< --set key.path=value
  std::string profile;            ///< --profile PATH; "" uses the scenario's `profile:` key
};

struct LoadedScenario {
  models::Scenario scenario;
  std::optional<ValidationSpec> validation;
  std::string profile;  ///< the profile applied, if any
};

/// Reads and validates a scenario file: its profile's machine and os sections first (as
/// defaults), then the file, then --set overrides. Throws InputError with every problem found
/// (each located at file:line:col and key path).
LoadedScenario load_scenario_file(const std::string& path, const LoadOptions& options);
models::Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {});

/// The same from text; `label` names it in messages (a file name, usually); a relative profile
/// path is taken from `base_dir`.
LoadedScenario parse_scenario_text(const std::string& text, const std::string& label,
                                   const LoadOptions& options, const std::string& base_dir = ".");
models::Scenario parse_scenario(const std::string& text, const std::string& label,
                                const std::vector<std::string>& sets = {});

/// OS defaults for a machine with this many logical CPUs (Linux's scaling of its scheduler
/// tunables by 1 + log2(min(cpus, 8))).
models::OsSpec default_os(int logical_cpus);

}  // namespace gilsim::app
