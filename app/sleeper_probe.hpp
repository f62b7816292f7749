// How the OS shares a CPU between a thread that sleeps and threads that never do, measured and
// as the model has it. `gilsim calibrate` runs a thread that computes, then sleeps, over and
// over, beside as many spinning processes as there are logical CPUs (no GIL involved), and
// reports its stretch: (median cycle - sleep) / compute, 1 when it had a CPU to itself whenever
// it was runnable. The same probe is simulated on the calibrated machine and OS (a
// free-threaded build, so that no lock is involved there either) and written beside it. It is
// reported, not fitted: on Linux the sleeper shares one CPU with one spinner (per-CPU run
// queues, a stretch near 2 for long compute phases), which the model reproduces with
// `run_queues: per_cpu` and not with one shared run queue, whose sharing is fair over all
// CPUs (at most 1.5 with two CPUs).
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

/// `host` (its machine, OS and GIL) running the convoy's I/O thread in small for `seconds`:
/// `spinners` CPU-bound threads and one that sleeps `sleep_s`, then runs `hold_s` of Python,
/// over and over, at switch interval `interval_s`.
models::Scenario sleeper_holds_probe(const models::Scenario& host, double interval_s,
                                     double sleep_s, double hold_s, int spinners, double seconds);

/// In simulation, the fraction of the sleeper's holds after which the GIL goes straight back to
/// the thread it took it from (the median over `replicas` runs; -1 if it never held it). On
/// Linux that thread, woken by the hand-off, queues behind the sleeper on the sleeper's CPU and
/// takes the GIL as soon as it sleeps again (so does the model with per-CPU run queues and
/// `wake_affine` 1); one shared run queue wakes it on the other CPU, where it arrives while
/// the sleeper still holds the GIL.
double simulated_straight_back(const models::Scenario& host, double interval_s, double sleep_s,
                               double hold_s, int spinners, double seconds, int replicas = 3);

/// Lines for the requester fit's section (empty if not measured): the measured share of the
/// sleeper's holds that went straight back, its share of wake-ups on the CPU it slept on, and
/// the simulated share on `fitted` (the profile's machine, OS and fitted GIL).
std::string straight_back_yaml(const YAML::Node& measured, const models::Scenario& fitted);

/// The profile's `sleeper_beside_busy` calibration section (empty if not measured): each
/// point's measured stretch beside the simulated one.
std::string sleeper_probe_yaml(const YAML::Node& measured, const models::Scenario& host);

}  // namespace gilsim::app
