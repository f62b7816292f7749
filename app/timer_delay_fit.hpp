// Fits `os.idle_timer_delay` (models/hr_timers.hpp) to the overshoot of real 1 ms sleeps on an
// idle CPU beside busy ones (harness/host_probes.py, late_timers). The body of that overshoot is
// timer slack plus a wake-up, which the profile has already fitted; what its upper quantiles
// show beyond that body is the late timer interrupts. The fit is by simulation, as the
// requester's is: the same sleeps beside the same busy threads are simulated on the calibrated
// machine over a grid of (chance, median delay, sigma), and the triple whose overshoot
// quantiles above the 95th come closest to the measured ones (squared log error of the excess
// over each side's median, so that the body's own level does not count) wins.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// The measured overshoot quantiles (seconds), `q` increasing.
struct SleepTail {
  double sleep_s = 1e-3;
  int busy = 1;  ///< busy processes beside the sleeper
  std::vector<double> q;
  std::vector<double> overshoot_s;
};

struct TimerDelayFit {
  models::IdleTimerDelay delay;
  std::vector<double> simulated_s;  ///< at `q`, at the fitted values
  double error = 0;
};

/// The quantiles the fit compares (those of SleepTail::q from 0.95 up).
inline constexpr double kTailFrom = 0.95;

/// The overshoot quantiles of `sleeps` simulated sleeps of `tail.sleep_s` on `base`'s machine
/// beside `tail.busy` threads running GIL-releasing work, at `tail.q`.
std::vector<double> simulated_sleep_tail(const models::Scenario& base, const SleepTail& tail,
                                         int sleeps);

/// The best grid point; chance 0 when the body alone explains the tail best.
TimerDelayFit fit_idle_timer_delay(const models::Scenario& base, const SleepTail& tail);

/// The probe's measurement (calibrate's `late_timers`), if it ran.
std::optional<SleepTail> sleep_tail(const YAML::Node& measured);

/// The profile's os line: `  idle_timer_delay: {...}  # ...`.
std::string idle_timer_delay_line(const TimerDelayFit& fit, const SleepTail& tail);

/// The profile's fits entry (under `fits:`).
std::string idle_timer_delay_fit_yaml(const TimerDelayFit& fit, const SleepTail& tail);

}  // namespace gilsim::app
