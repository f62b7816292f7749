// Fits the switch-interval GIL's `requester_wins` to the order in which real CPU-bound threads
// get the GIL. With three or more threads, the thread that held the GIL before the current
// holder is, in the model, the one whose timed wait expires first and posts the drop request;
// whether the next hand-off goes back to it (rather than to the longest waiter, which the futex
// queue favours) is what `requester_wins` sets. The relation also depends on timer slack and
// wake-up latencies, so the fit is by simulation: the same threads and interval are simulated
// on the calibrated machine for a grid of values, and the value with the least squared error
// against the measured fractions wins.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// One measurement: `threads` CPU-bound threads for `seconds` at `interval_s`; the fraction of
/// hand-offs that gave the GIL back to the thread that held it before the current holder.
struct HandoffOrder {
  int threads = 3;
  double interval_s = 0.005;
  double seconds = 2;
  double back_to_previous = 0;
};

struct RequesterFit {
  double requester_wins = 0;
  std::vector<double> simulated;  ///< per measurement, at the fitted value
  std::vector<double> residuals;  ///< simulated - measured
};

/// The fraction of hand-offs back to the previous holder in a simulation of `base` (its
/// thread groups are replaced by `threads` CPU-bound threads running for about `seconds`),
/// averaged over `replicas` runs.
double simulated_back_to_previous(const models::Scenario& base, int threads, double seconds,
                                  int replicas);

/// Grid search over requester_wins in [0, 0.5] (steps of 0.025) with `base` supplying the
/// machine, OS and the rest of the GIL's parameters.
RequesterFit fit_requester_wins(const models::Scenario& base,
                                const std::vector<HandoffOrder>& measured, int replicas = 4);

}  // namespace gilsim::app
