// Fits the switch-interval GIL's `requester_wins` and `requester_persistence` to the order in
// which real CPU-bound threads get the GIL. With three or more threads, the thread that held
// the GIL before the current holder is, in the model, the one whose timed wait expires first
// and posts the drop request; whether the next hand-off goes back to it (rather than to the
// longest waiter, which the futex queue favours) is what `requester_wins` sets, and whether
// such hand-offs come in runs (two threads passing the GIL back and forth) is what
// `requester_persistence` sets. The relation also depends on timer slack and wake-up
// latencies, so the fit is by simulation: the same threads and interval are simulated on the
// calibrated machine over a grid of values, and the pair with the least squared error against
// the measured fractions wins.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// Fractions of hand-offs back to the holder before the current one: overall, after a
/// hand-off that also went back, and after one that did not (NaN where not measured).
struct HandoffStats {
  double back = 0;
  double after_back = std::numeric_limits<double>::quiet_NaN();
  double after_other = std::numeric_limits<double>::quiet_NaN();
};

/// One measurement: `threads` CPU-bound threads for `seconds` at `interval_s`.
struct HandoffOrder {
  int threads = 3;
  double interval_s = 0.005;
  double seconds = 2;
  HandoffStats measured;
  /// Reported, not fitted (NaN where not measured): the share of hand-offs to a thread on the
  /// old holder's CPU, and the fraction back to the previous holder among those and the others.
  double same_cpu = std::numeric_limits<double>::quiet_NaN();
  double back_same_cpu = std::numeric_limits<double>::quiet_NaN();
  double back_other_cpu = std::numeric_limits<double>::quiet_NaN();
};

struct RequesterFit {
  double requester_wins = 0;
  double requester_persistence = 0;
  /// `condvar: glibc`: the race is timed, not drawn, and the fit is of the two lock-code
  /// timings that decide it (the means of uniforms from half to one and a half times them).
  bool lock_code = false;
  double sleep_entry_s = 0;
  double wake_syscall_s = 0;
  models::GilSpec gil;  ///< lock code: the fitted GIL (the kept lock code with the two timings)
  std::vector<HandoffStats> simulated;  ///< per measurement, at the fitted values
  double error = 0;                     ///< the least sum of squared differences
};

/// `base` with its thread groups replaced by `threads` CPU-bound threads of `each_s` of work
/// each (the machine, OS and GIL stay).
models::Scenario spinning_threads(const models::Scenario& base, const std::string& name,
                                  int threads, double each_s);

/// The hand-off order in a simulation of `base` (its thread groups replaced by `threads`
/// CPU-bound threads running for about `seconds`), averaged over `replicas` runs.
HandoffStats simulated_handoff_order(const models::Scenario& base, int threads, double seconds,
                                     int replicas);

/// The grid the fit searches: requester_wins from 0 to kRequesterWinsMax in steps of 0.025.
/// Some hosts' hand-off orders need more than half the races to go to the requester (the
/// AMD host of docs/validation-amd-epyc.md fitted the earlier bound, 0.5, for both versions).
inline constexpr int kRequesterWinsSteps = 38;
inline constexpr double kRequesterWinsStep = 0.025;
inline constexpr double kRequesterWinsMax = kRequesterWinsSteps * kRequesterWinsStep;

/// Grid search over requester_wins in [0, kRequesterWinsMax] and, when the measurements
/// include the conditional fractions, requester_persistence in [0, 0.8] (steps of 0.1), with
/// `base` supplying the machine, OS and the rest of the GIL's parameters.
RequesterFit fit_requester_wins(const models::Scenario& base,
                                const std::vector<HandoffOrder>& measured, int replicas = 4);

/// The lock-code grid (`condvar: glibc`): the mean of `sleep_entry` from 1 to 10 us, the time
/// in which a waiter that has just released the GIL's mutex still takes a signal itself, and of
/// `wake_syscall` from 2 to 16 us, what a futex_wake that wakes a thread costs its caller (on a
/// virtual machine, an interrupt to another virtual CPU). Both set how often the requester wins
/// the race for the holder's signal, which differs from host to host (kernel traces: 5-25 us
/// per waking futex_wake on one AMD host).
inline constexpr int kSleepEntrySteps = 10;
inline constexpr double kSleepEntryStep = 1e-6;
inline constexpr int kWakeSyscallSteps = 8;
inline constexpr double kWakeSyscallStep = 2e-6;

/// Grid search over the lock-code timings above, with `base` (whose GIL has `condvar: glibc`)
/// supplying the machine, OS and the rest of the lock code.
RequesterFit fit_lock_code(const models::Scenario& base, const std::vector<HandoffOrder>& measured,
                           int replicas = 4);

}  // namespace gilsim::app
