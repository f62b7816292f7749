// Calibration's arithmetic and profile writing: the least-squares fits recover known
// parameters, a profile written from measurements is one the scenario loader accepts, and an
// interpreter entry merges into an existing profile without touching the rest.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/calibrate.hpp"
#include "app/interpreter_entry.hpp"
#include "app/profile_writer.hpp"
#include "app/scenario_loader.hpp"
#include "cli.hpp"

using namespace gilsim;
using namespace gilsim::testing;

TEST_CASE("a linear fit recovers the line through exact points, with zero residuals",
          "[app][calibrate]") {
  const app::LinearFit f =
      app::fit_linear({{1}, {2}, {4}, {8}}, {3 + 2 * 1, 3 + 2 * 2, 3 + 2 * 4, 3 + 2 * 8});
  REQUIRE(f.coefficients.size() == 2);
  CHECK(f.coefficients[0] == Approx(3));
  CHECK(f.coefficients[1] == Approx(2));
  CHECK(f.rms == Approx(0).margin(1e-9));
}

TEST_CASE("a log-normal fit through its own quantiles gives back its median and sigma",
          "[app][calibrate]") {
  // z(0.1) = -1.2816, z(0.9) = +1.2816.
  const double median = 40e-6, sigma = 0.9;
  const app::LinearFit f = app::fit_lognormal(
      {0.1, 0.5, 0.9},
      {median * std::exp(-1.2816 * sigma), median, median * std::exp(1.2816 * sigma)});
  CHECK(f.coefficients[0] == Approx(median).epsilon(1e-3));
  CHECK(f.coefficients[1] == Approx(sigma).epsilon(1e-3));
}

TEST_CASE("an interpreter entry replaces its old line and leaves every other line alone",
          "[app][calibrate]") {
  const std::string profile =
      "# comment\nmachine:\n  cores: 2\ninterpreters:  # applied\n  \"2.7\": {tick_cost: 16ns}\n"
      "  \"3.11\": {check_gap: 26ns}\ncalibration:\n  python: x\n";
  const std::string merged = app::with_interpreter_entry(profile, "2.7", "{tick_cost: 19ns}");
  CHECK(merged ==
        "# comment\nmachine:\n  cores: 2\ninterpreters:  # applied\n"
        "  \"3.11\": {check_gap: 26ns}\n  \"2.7\": {tick_cost: 19ns}\ncalibration:\n  python: x\n");
  // A new version is added to the block; a profile without the block gains one.
  CHECK(app::with_interpreter_entry(profile, "3.13", "{check_gap: 41ns}")
            .find("  \"3.13\": {check_gap: 41ns}\ncalibration:") != std::string::npos);
  CHECK(app::with_interpreter_entry("machine:\n  cores: 2\n", "2.7", "{}") ==
        "machine:\n  cores: 2\ninterpreters:  # applied to scenarios for that version\n"
        "  \"2.7\": {}\n");
}

TEST_CASE("a profile written from measurements is accepted by the scenario loader",
          "[app][calibrate]") {
  const YAML::Node m = YAML::Load(R"({
    python: {version: "3.11", full_version: "3.11.2"}, logical_cpus: 2,
    kernels: {spin_per_s: 4.0e7, spin_burst_per_s: 3.8e7, c_call_per_s: 8.0e7,
              native_bytes_per_s: 1.3e9, native_kernel: sha256},
    wake_latency_s: {quantiles: {p10: 1.5e-5, p50: 2.5e-5, p90: 3.2e-5}},
    release_s: {with_sleeper: 1.2e-5, alone: 1.0e-6, wake_cost: 1.1e-5, empty_wake_cost: 2.0e-7},
    sleep_overshoot_s: {0.00005: 1.1e-4, 0.001: 1.3e-4, 0.005: 1.9e-4},
    thread_start_s: {p10: 2.4e-5, p50: 6.6e-5, p90: 9.8e-5},
    handoffs: {"2": {interval_s: 0.005, run_s: {p50: 0.00515}, gap_s: {p10: 1.6e-5, p50: 4.2e-5, p90: 1.3e-4}},
               "4": {interval_s: 0.005, run_s: {p50: 0.00516}, gap_s: {p10: 1.6e-5, p50: 4.2e-5, p90: 1.3e-4}}},
    handoff_order: [{threads: 3, interval_s: 0.005, seconds: 1.0, back_to_previous: 0.4,
                     back_after_back: 0.6, back_after_other: 0.3, same_cpu: 0.25,
                     back_same_cpu: 0.1, back_other_cpu: 0.5},
                    {threads: 4, interval_s: 0.005, seconds: 1.0, back_to_previous: 0.35,
                     back_after_back: null, back_after_other: 0.3}],
    context_switch_s: 1.5e-6,
    idle_wake_s: {"0.003": {p10: 7e-5, p50: 8e-5, p90: 9e-5}, "1e-05": {p10: 2e-6, p50: 3e-6, p90: 4e-6}},
    late_timers: {sleep_s: 0.001, busy: 1, samples: 5000,
                  quantiles: {"0.5": 1.2e-4, "0.9": 1.5e-4, "0.95": 2.0e-4, "0.97": 3.1e-4,
                              "0.98": 4.7e-4, "0.99": 9.6e-4, "0.995": 1.15e-3, "0.998": 2.07e-3}},
    parallelism: {"1": 1.0, "2": 1.96, "3": 1.98}})");
  const std::string profile = app::profile_yaml(m, "/usr/bin/python3", YAML::Node());
  CHECK(profile.find("  context_switch: 1.5us") != std::string::npos);
  // A tail beyond slack and wake-up: late timer interrupts, with the quantiles beside the fit.
  CHECK(profile.find("  idle_timer_delay: {chance: 0.0") != std::string::npos);
  CHECK(profile.find("      measured_us: [120, 150, 200, 310, 470, 960, 1150, 2070]\n") !=
        std::string::npos);
  // Reported in order of idle time, each with its own quantiles.
  CHECK(profile.find("    10: {p10: 2, p50: 3, p90: 4}\n    3000: {p10: 70, p50: 80, p90: 90}\n") !=
        std::string::npos);
  CHECK(profile.find("cores: 2") != std::string::npos);
  CHECK(profile.find("threads_per_core: 1") != std::string::npos);
  CHECK(profile.find("\"3.11\": {check_gap: 25ns, requester_wins: ") != std::string::npos);
  CHECK(profile.find("    requester_wins:\n") != std::string::npos);
  // The conditional fractions are written beside the fit, a missing one as null.
  CHECK(profile.find("      measured_after_back: [0.6, null]\n") != std::string::npos);
  // The CPU split is reported beside it, where measured.
  CHECK(profile.find("      measured_back_same_cpu: [0.1, null]\n") != std::string::npos);
  CHECK(profile.find("      measured_back_other_cpu: [0.5, null]\n") != std::string::npos);
  const auto dir = temp_dir("calibrate");
  { std::ofstream(dir / "p.yaml") << profile; }
  {
    std::ofstream(dir / "s.yaml") << "name: s\ninterpreter: {version: \"3.11\"}\n"
                                     "threads: [{name: a, program: [{cpu: 1ms}]}]\n";
  }
  const app::LoadedScenario loaded =
      app::load_scenario_file((dir / "s.yaml").string(), {{}, (dir / "p.yaml").string()});
  CHECK(loaded.scenario.gil.check_gap == 25);
  CHECK(loaded.scenario.gil.requester_wins >= 0);
  CHECK(loaded.scenario.gil.requester_wins <= 0.5);
  CHECK(loaded.scenario.gil.requester_persistence >= 0);
  CHECK(loaded.scenario.gil.requester_persistence <= 0.8);
  CHECK(loaded.scenario.machine.cores == 2);
  CHECK(loaded.scenario.os.idle_timer_delay.chance > 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a tick-GIL interpreter's entry carries the fitted contention cost", "[app][calibrate]") {
  // On this simulated host, 4 threads at check interval 200 are about twice as slow as one:
  // far more than the model gives without a contention cost (about 1.2).
  const YAML::Node m = YAML::Load(R"({
    python: {version: "2.7", full_version: "2.7.18"}, logical_cpus: 2,
    kernels: {spin_per_s: 5.0e7},
    release_s: {wake_cost: 6.0e-6, empty_wake_cost: 2.5e-7},
    tick_contention: {work_s: 0.05, points: [
      {threads: 2, check_interval: 200, slowdown: 1.3},
      {threads: 4, check_interval: 200, slowdown: 2.0}]}})");
  models::Scenario host;
  host.machine.cores = 2;
  host.os.wakeup_latency = sim::Dist::lognormal(40 * sim::kMicrosecond, 0.9);
  host.os.context_switch = 1700;
  const std::string entry = app::interpreter_entry(m, host);
  INFO(entry);
  CHECK(entry.rfind("{tick_cost: 6.667ns, release_syscall: {uniform: {min: 3us, max: 9us}}, "
                    "empty_wake_syscall: {uniform: {min: 125ns, max: 375ns}}, "
                    "contended_release: {uniform: {min: ",
                    0) == 0);
  CHECK(entry.find("(threads/check interval 2/200, 4/200), measured [1.3, 2]") !=
        std::string::npos);
  const auto fit = app::fit_contention(m, host);
  REQUIRE(fit);
  CHECK(fit->cost_s >= 1e-6);
  CHECK(fit->simulated[1] == Approx(2.0).epsilon(0.15));
  // Switch-interval interpreters have no such fit.
  CHECK_FALSE(app::fit_contention(YAML::Load("{python: {version: \"3.11\"}, tick_contention: "
                                             "{points: [{threads: 2, check_interval: 200, "
                                             "slowdown: 1.3}]}}"),
                                  host));
}

TEST_CASE("two CPUs doing one CPU's worth with no hyperthreads reported is flagged as disturbed",
          "[app][calibrate]") {
  const YAML::Node shared =
      YAML::Load("{logical_cpus: 2, smt_siblings: false, parallelism: {\"1\": 1.0, \"2\": 1.14}}");
  CHECK(app::host_warning(shared).find("the OS reports no hyperthreads") != std::string::npos);
  // Real hyperthreads, or a host whose processes did the CPUs' worth, are not.
  CHECK(app::host_warning(
            YAML::Load(
                "{logical_cpus: 2, smt_siblings: true, parallelism: {\"1\": 1.0, \"2\": 1.14}}"))
            .empty());
  CHECK(app::host_warning(
            YAML::Load(
                "{logical_cpus: 2, smt_siblings: false, parallelism: {\"1\": 1.0, \"2\": 2.0}}"))
            .empty());
}

TEST_CASE("a tick-GIL interpreter's tick costs a third of one iteration of the replayer's loop",
          "[app][calibrate]") {
  // `while n: n -= 1` counts three ticks per iteration under 2.x's ticker (POP_JUMP_IF_FALSE,
  // INPLACE_SUBTRACT and JUMP_ABSOLUTE): 30 ns per iteration is 10 ns per tick.
  const YAML::Node m = YAML::Load(R"({
    python: {version: "2.7", full_version: "2.7.18"}, logical_cpus: 2,
    kernels: {spin_per_s: 3.3333333e7}, release_s: {wake_cost: 6.0e-6}})");
  models::Scenario host;
  host.machine.cores = 2;
  const std::string entry = app::interpreter_entry(m, host);
  INFO(entry);
  CHECK(entry.rfind("{tick_cost: 10ns, ", 0) == 0);
}

TEST_CASE("a profile timing the GIL with glibc's lock code keeps it and refits two of its timings",
          "[app][calibrate]") {
  const YAML::Node m = YAML::Load(R"({
    python: {version: "3.11", full_version: "3.11.2"}, kernels: {spin_per_s: 1.0e8},
    handoff_order: [{threads: 3, interval_s: 0.005, seconds: 1.0, back_to_previous: 0.8}]})");
  models::Scenario host;
  host.machine.cores = 2;
  host.os.wakeup_latency = sim::Dist::lognormal(10 * sim::kMicrosecond, 1.2);
  host.gil.condvar = models::CondvarModel::Glibc;  // as the kept profile's entry says
  host.gil.mutex_hold = sim::Dist::uniform(2000, 8000);
  host.gil.drop_entry = sim::Dist::uniform(3000, 7000);
  const std::string entry = app::interpreter_entry(m, host);
  INFO(entry);
  CHECK(entry.rfind("{check_gap: 10ns, condvar: glibc, mutex_hold: {uniform: {min: 2us, max: "
                    "8us}}, drop_entry: {uniform: {min: 3us, max: 7us}}, sleep_entry: ",
                    0) == 0);
  CHECK(entry.find("wake_syscall: {uniform: {min: ") != std::string::npos);
  CHECK(entry.find("requester_wins") == std::string::npos);
  CHECK(entry.find("sleep_entry and wake_syscall fitted to them") != std::string::npos);
  // Without glibc in the kept entry, the race is drawn and its probability fitted.
  host.gil.condvar = models::CondvarModel::Drawn;
  CHECK(app::interpreter_entry(m, host).find("requester_wins: ") != std::string::npos);
}
