// Measuring a scenario for real: gilsim writes the plan (every thread's steps with the durations
// the simulation uses), runs the embedded replayer under the given interpreter several times,
// and reports the median of each metric with its range, in the shape of `gilsim run --json`.
// Each repetition waits for a quiet machine first and is re-run if other processes used CPU
// while it ran.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "app/python_runner.hpp"
#include "models/scenario.hpp"

namespace gilsim::app {

struct MeasureSettings {
  int repeat = 3;
  int max_reruns = 4;             ///< per repetition, when it was disturbed
  double quiet_threshold = 0.25;  ///< other processes' CPUs below which the machine is quiet
  double quiet_wait_s = 60;       ///< how long to wait for quiet before going ahead anyway
  double disturbed_above = 0.15;  ///< other load (CPUs) during a run that makes it disturbed
  double max_speed_drift = 0.2;   ///< change of the machine's speed over a run that does too
  double max_work_error = 0.15;   ///< replayed work's CPU time off its nominal duration: too
  std::string calibration_json = "{}";
};

struct Measurement {
  YAML::Node median, min, max;  ///< result trees in the shape of `gilsim run --json`
  int repetitions = 0;
  int reruns = 0;
  std::vector<double> other_loads;  ///< per kept repetition
  int still_disturbed = 0;

  /// The median result, plus "range": {"min": ..., "max": ...} and "measurement" details.
  std::string json() const;
  /// A numeric metric by dotted path ("groups.io.io_resume_latency_s.p50"); false if absent.
  bool get(const YAML::Node& tree, const std::string& path, double& value) const;
};

/// A scenario's real runs, taken one repetition at a time. `measure` takes them in a row;
/// `validate` takes one repetition of every scenario in turn, round after round, so that a
/// change of the machine during a batch (its neighbours, the hour) spreads over every
/// scenario's runs instead of deciding one scenario's (the interleaving that careful
/// benchmarking uses against drift).
class RealRuns {
 public:
  /// Writes the plan and calibrates the replayer's work kernels (unless the settings carry a
  /// calibration). Throws InputError when the interpreter cannot run the replayer.
  RealRuns(const models::Scenario& scenario, std::uint64_t seed, const PythonInfo& python,
           const MeasureSettings& settings, std::ostream& log);
  RealRuns(const RealRuns&) = delete;
  RealRuns& operator=(const RealRuns&) = delete;

  bool done() const { return remaining() <= 0; }
  /// Repetitions still to take.
  int remaining() const { return settings_.repeat - int(results_.size()); }
  /// Runs the next repetition, again while other load disturbs it (up to max_reruns times).
  /// Progress goes to the log. Throws InputError when the interpreter fails to run the plan.
  void run_next();
  /// The repetitions taken so far, as median, minimum and maximum.
  Measurement result() const;

 private:
  std::string name_;
  PythonInfo python_;
  MeasureSettings settings_;
  std::ostream& log_;
  double timeout_s_ = 0;
  HarnessDir dir_;
  std::vector<YAML::Node> results_;
  int reruns_ = 0;
  int still_disturbed_ = 0;
  std::vector<double> other_loads_;  // per kept repetition
};

/// Measures `scenario` (its interpreter version must be the interpreter's): its repetitions in
/// a row. Progress goes to `log`. Throws InputError when the interpreter fails to run the plan.
Measurement measure(const models::Scenario& scenario, std::uint64_t seed, const PythonInfo& python,
                    const MeasureSettings& settings, std::ostream& log);

/// The scenario's `--set` assignments that make it run on this interpreter's version (empty if
/// it already does).
std::vector<std::string> version_sets(const models::Scenario& scenario, const PythonInfo& python);

/// Median, minimum and maximum of every numeric leaf over result trees of one shape (strings
/// and other non-numbers are taken from the first tree).
struct Spread {
  YAML::Node median, min, max;
};
Spread spread_of(const std::vector<YAML::Node>& trees);

/// How widely runs of one metric spread around their median, as a fraction: (max - min) over
/// |median|; 0 when the median is 0.
double relative_spread(double median, double min, double max);

/// Writes a YAML tree parsed from JSON back as JSON (numbers, booleans and nulls kept).
std::string tree_json(const YAML::Node& node);

}  // namespace gilsim::app
