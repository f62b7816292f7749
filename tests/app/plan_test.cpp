// The plan handed to the real-run replayer holds exactly the durations the simulation uses.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "app/plan.hpp"
#include "app/scenario_loader.hpp"
#include "models/world.hpp"

using namespace gilsim;

namespace {
const char* kRandom = R"(
interpreter: {version: "3.11"}
threads:
  - name: mixed
    count: 3
    start: {uniform: {min: 0ms, max: 5ms}}
    program:
      - repeat: 20
        steps:
          - sleep: {exponential: {mean: 2ms}}
          - cpu: {normal: {mean: 300us, stddev: 100us}}
          - native: {uniform: {min: 1ms, max: 3ms}}
          - c_call: {lognormal: {median: 50us, sigma: 0.5}}
)";
}  // namespace

TEST_CASE("the plan's durations add up to the simulation's serial time", "[app][plan]") {
  const models::Scenario s = app::parse_scenario(kRandom, "random.yaml");
  for (std::uint64_t seed : {1, 2, 3}) {
    const YAML::Node plan = YAML::Load(app::plan_json(s, seed));
    double total = 0;
    std::size_t steps = 0;
    for (const YAML::Node& g : plan["groups"]) {
      for (const YAML::Node& t : g["threads"]) {
        CHECK(t["kinds"].Scalar().size() == t["durations_ns"].size());
        steps += t["durations_ns"].size();
        for (const YAML::Node& d : t["durations_ns"]) total += d.as<double>();
        CHECK_FALSE(t["truncated"].as<bool>());
      }
    }
    CHECK(steps == 3 * 20 * 4);
    const models::RunResult r = models::simulate(s, seed);
    INFO("seed " << seed);
    CHECK(total == Approx(r.serial).epsilon(1e-12));
  }
}

TEST_CASE("a plan unrolls an endless loop a little past the stop and says so", "[app][plan]") {
  const models::Scenario s = app::parse_scenario(R"(
stop: 100ms
interpreter: {version: "3.11"}
threads:
  - name: loop
    program:
      - repeat: forever
        steps: [{sleep: 1ms}, {cpu: 1ms}]
)",
                                                 "loop.yaml");
  const YAML::Node t = YAML::Load(app::plan_json(s, 1))["groups"][0]["threads"][0];
  CHECK(t["truncated"].as<bool>());
  double total = 0;
  for (const YAML::Node& d : t["durations_ns"]) total += d.as<double>();
  CHECK(total >= 100e6 * 1.25);
  CHECK(total < 100e6 * 1.25 + 20e6);
}

TEST_CASE("the plan carries what the replayer needs to set up the interpreter", "[app][plan]") {
  const models::Scenario s = app::parse_scenario(
      "interpreter: {version: \"3.12\", switch_interval: 2ms}\nthreads: [{name: a, program: "
      "[{cpu: 1ms}]}]",
      "p.yaml");
  const YAML::Node plan = YAML::Load(app::plan_json(s, 9, R"({"spin_per_s": 1000})"));
  CHECK(plan["switch_interval_s"].as<double>() == Approx(0.002));
  CHECK(plan["gil_model"].Scalar() == "switch_interval");
  CHECK(plan["seed"].as<int>() == 9);
  CHECK(plan["calibration"]["spin_per_s"].as<int>() == 1000);
}

TEST_CASE("the plan's fingerprint changes with the work and not with the host", "[app][plan]") {
  const models::Scenario s = app::parse_scenario(kRandom, "random.yaml");
  const std::string work = app::plan_fingerprint(s, 1);
  CHECK(work.size() == 16);
  CHECK(app::plan_fingerprint(s, 1) == work);
  models::Scenario host = s;  // the machine and the OS are the model's side
  host.machine.cores = 8;
  host.os.timer_slack = sim::Dist::constant(5 * sim::kMicrosecond);
  CHECK(app::plan_fingerprint(host, 1) == work);
  CHECK(app::plan_fingerprint(s, 2) != work);  // other draws of the durations
  models::Scenario interval = s;
  interval.gil.switch_interval = 20 * sim::kMillisecond;
  CHECK(app::plan_fingerprint(interval, 1) != work);
  models::Scenario longer = s;
  longer.groups[0].program[0].times = 21;
  CHECK(app::plan_fingerprint(longer, 1) != work);
}

TEST_CASE("a plan names the group whose end ends the run by its index", "[app][plan]") {
  models::Scenario s = app::parse_scenario(R"(
stop_after: io
interpreter: {version: "3.11"}
threads:
  - {name: crunch, program: [{cpu: 100s}]}
  - {name: io, program: [{sleep: 1ms}]}
)",
                                           "p.yaml");
  CHECK(YAML::Load(app::plan_json(s, 1))["stop_after"].as<int>() == 1);
  s.stop_after.reset();
  CHECK_FALSE(YAML::Load(app::plan_json(s, 1))["stop_after"]);
}
