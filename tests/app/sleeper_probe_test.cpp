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
