// How the OS shares a CPU between a thread that sleeps and threads that never do, measured and
// as the model has it. `gilsim calibrate` runs a thread that computes, then sleeps, over and
// over, beside as many spinning processes as there are logical CPUs (no GIL involved), and
// reports its stretch: (median cycle - sleep) / compute, 1 when it had a CPU to itself whenever
// it was runnable. The same probe is simulated on the calibrated machine and OS (a
// free-threaded build, so that no lock is involved there either) and written beside it. It is
// reported, not fitted: on Linux the sleeper shares one CPU with one spinner (per-CPU run
// queues, a stretch near 2 for long compute phases), which the model's single run queue,
// whose sharing is fair over all CPUs (at most 1.5 with two CPUs), cannot reproduce.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "models/scenario.hpp"

namespace gilsim::app {

/// `host` (its machine and OS) running the probe for about `seconds`: `busy` threads that
/// compute throughout and one that computes `compute_s`, then sleeps `sleep_s`, repeatedly.
models::Scenario sleeper_probe(const models::Scenario& host, int busy, double compute_s,
                               double sleep_s, double seconds);

/// The probe's stretch in simulation: (median cycle - sleep) / compute, the median over
/// `replicas` runs.
double simulated_sleeper_stretch(const models::Scenario& host, int busy, double compute_s,
                                 double sleep_s, double seconds, int replicas = 3);

/// The profile's `sleeper_beside_busy` calibration section (empty if not measured): each
/// point's measured stretch beside the simulated one.
std::string sleeper_probe_yaml(const YAML::Node& measured, const models::Scenario& host);

}  // namespace gilsim::app
