// The sleeper-beside-busy probe in simulation, and its section of the profile.
#include <catch2/catch.hpp>

#include <string>

#include "app/sleeper_probe.hpp"

using namespace gilsim;

namespace {
models::Scenario host() {
  models::Scenario s;
  s.machine.cores = 2;
  s.os.wakeup_latency = sim::Dist::lognormal(40 * sim::kMicrosecond, 0.9);
  s.os.timer_slack = sim::Dist::constant(60 * sim::kMicrosecond);
  return s;
}
}  // namespace

TEST_CASE("a sleeper beside fewer spinners than CPUs computes at full speed", "[app][calibrate]") {
  const double stretch = app::simulated_sleeper_stretch(host(), 1, 0.010, 0.005, 0.5);
  CHECK(stretch > 0.99);
  CHECK(stretch < 1.05);  // a wake-up and the timer slack per 10 ms cycle
}

TEST_CASE("without a sleeper credit a sleeper beside as many spinners as CPUs gets a fair share",
          "[app][calibrate]") {
  models::Scenario s = host();
  s.os.sleeper_credit = 0;
  const double fair = app::simulated_sleeper_stretch(s, 2, 0.010, 0.005, 0.5);
  s.os.sleeper_credit = 20 * sim::kMillisecond;
  const double credited = app::simulated_sleeper_stretch(s, 2, 0.010, 0.005, 0.5);
  // Three runnable threads on two CPUs: about 2/3 of a CPU each, unless the sleeper's credit
  // lets it preempt a spinner and keep the CPU.
  CHECK(fair > 1.25);
  CHECK(fair < 1.6);
  CHECK(credited < 1.1);
}

TEST_CASE("with per-CPU run queues a sleeper beside as many spinners as CPUs shares one CPU",
          "[app][calibrate]") {
  // As on Linux: the sleeper wakes onto the CPU it slept on and shares it with the spinner
  // there, instead of a fair share of both CPUs (3 threads on 2 CPUs, at most 1.5): about 2,
  // half a CPU while it computes, and more while it waits for the spinner's time slice.
  models::Scenario s = host();
  s.os.sleeper_credit = 0;
  s.os.per_cpu_queues = true;
  s.os.wake_affine = 1;
  const double stretch = app::simulated_sleeper_stretch(s, 2, 0.010, 0.005, 0.5);
  CHECK(stretch > 1.6);
  CHECK(stretch < 2.5);
}

TEST_CASE("the profile lists each measured point of the probe beside the simulated one",
          "[app][calibrate]") {
  const YAML::Node m = YAML::Load(
      "{sleeper_beside_busy: {busy: 2, points: ["
      "{compute_s: 0.01, sleep_s: 0.005, cycles: 40, stretch: 2.05},"
      "{compute_s: 0.001, sleep_s: 0.001, cycles: 900, stretch: null}]}}");
  const std::string y = app::sleeper_probe_yaml(m, host());
  CHECK(y.find("beside 2 spinning processes") != std::string::npos);
  CHECK(y.find("{compute: 10ms, sleep: 5ms, measured: 2.05, simulated: ") != std::string::npos);
  CHECK(y.find("{compute: 1ms, sleep: 1ms, measured: null, simulated: ") != std::string::npos);
  CHECK(app::sleeper_probe_yaml(YAML::Load("{}"), host()).empty());
}

TEST_CASE("beside a single spinner every sleeper hold goes straight back to it",
          "[app][calibrate]") {
  CHECK(app::simulated_straight_back(host(), 0.005, 0.001, 50e-6, 1, 0.5) == 1.0);
}

TEST_CASE("beside two spinners the model's one run queue rarely hands the GIL straight back",
          "[app][calibrate]") {
  // The interrupted spinner wakes on the other CPU while the sleeper still holds the GIL and
  // queues at the back of the condition variable (Linux queues it behind the sleeper instead).
  const double share = app::simulated_straight_back(host(), 0.005, 0.001, 50e-6, 2, 1.0);
  CHECK(share >= 0);
  CHECK(share < 0.2);
}

TEST_CASE("the requester fit reports the measured straight-back share beside the simulated one",
          "[app][calibrate]") {
  const YAML::Node m = YAML::Load(
      "{interval_s: 0.005, sleep_s: 0.001, hold_s: 0.00005, spinners: 2, holds: 600,"
      " straight_back: 0.55, woke_on_same_cpu: 0.7}");
  const std::string y = app::straight_back_yaml(m, host());
  CHECK(y.find("sleeps 1ms, then holds the GIL 50us, beside 2 CPU-bound threads at 5ms") !=
        std::string::npos);
  CHECK(y.find("measured_straight_back: 0.55\n") != std::string::npos);
  CHECK(y.find("simulated_straight_back: 0") != std::string::npos);
  CHECK(y.find("measured_woke_on_same_cpu: 0.7\n") != std::string::npos);
  CHECK(app::straight_back_yaml(YAML::Load("{straight_back: null}"), host()).empty());
  CHECK(app::straight_back_yaml(YAML::Node(), host()).empty());
}

TEST_CASE("with per-CPU run queues and wake-affine placement most sleeper holds go straight back",
          "[app][calibrate]") {
  // The interrupted spinner, woken by the hand-off, queues behind the sleeper on the
  // sleeper's CPU and takes the GIL when the sleeper sleeps again.
  models::Scenario s = host();
  s.os.per_cpu_queues = true;
  s.os.wake_affine = 1;
  CHECK(app::simulated_straight_back(s, 0.005, 0.001, 50e-6, 2, 1.0) > 0.5);
}
