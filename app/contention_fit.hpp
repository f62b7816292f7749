// Fits the tick GIL's `contended_release` (what contention costs the holder per release) to the
// slowdown of real CPU-bound threads on a 2.x interpreter. The measurement runs N threads
// sharing one loop's work at several check intervals, each against the same work done by one
// thread just before (side by side: the CPU's speed drifts on shared machines). The fit
// simulates the same runs on the calibrated machine over a grid of costs and keeps the one
// with the least squared error in log slowdown. The default check interval, 100, is left out
// of the measurement: the validation suite checks it, so it stays a prediction.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// One measurement: `threads` threads at `check_interval` took `slowdown` times as long as one
/// thread doing the same work.
struct TickSlowdown {
  int threads = 2;
  int check_interval = 100;
  double slowdown = 1;
};

struct ContentionFit {
  double cost_s = 0;  ///< mean of the fitted `contended_release` (uniform over 0.5-1.5 of it)
  std::vector<double> simulated;  ///< per measurement, at the fitted cost
  double error = 0;               ///< the least sum of squared log differences
};

/// How calibrated costs vary from call to call: uniformly over half to one and a half times
/// their mean (`mean_s`, seconds).
sim::Dist uniform_around(double mean_s);

/// The measured slowdowns of calibrate's `tick_contention` (empty when not measured).
std::vector<TickSlowdown> tick_slowdowns(const YAML::Node& measured);

/// The slowdown in a simulation of `base` (its groups replaced by `threads` CPU-bound threads
/// sharing `work_s` of work) at `check_interval`.
double simulated_tick_slowdown(const models::Scenario& base, int threads, int check_interval,
                               double work_s);

/// Grid search over `contended_release` means from 0 to 8 us in steps of 0.25 us, with `base`
/// supplying the machine, OS and the rest of the tick GIL's parameters.
ContentionFit fit_contended_release(const models::Scenario& base,
                                    const std::vector<TickSlowdown>& measured, double work_s = 0.1);

/// The fit's record for a profile's `fits:` section (block YAML, indented for it).
std::string contention_fit_yaml(const YAML::Node& measured, const ContentionFit& fit);

}  // namespace gilsim::app
