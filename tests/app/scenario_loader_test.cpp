#include <catch2/catch.hpp>
#include <string>

#include "app/diagnostics.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"

using namespace gilsim;
using app::InputError;
using app::parse_scenario;

namespace {
const char* kMinimal = R"(
interpreter: {version: "3.11"}
threads:
  - name: w
    program: [{cpu: 5ms}]
)";

std::string first_error(const std::string& text, const std::vector<std::string>& sets = {}) {
  try {
    parse_scenario(text, "t.yaml", sets);
  } catch (const InputError& e) {
    return e.diagnostics().front().format();
  }
  return "";
}
}  // namespace

TEST_CASE("a minimal scenario gets every default", "[app][scenario]") {
  const models::Scenario s = parse_scenario(kMinimal, "dir/minimal.yaml");
  CHECK(s.name == "minimal");
  CHECK(s.seed == 1);
  CHECK_FALSE(s.stop.has_value());
  CHECK(s.machine.cores == 2);
  CHECK(s.machine.threads_per_core == 1);
  CHECK(s.gil.kind == models::GilKind::SwitchInterval);
  CHECK(s.gil.switch_interval == 5 * sim::kMillisecond);
  CHECK(s.gil.check_gap == 500);
  CHECK(s.groups.size() == 1);
  CHECK(s.groups[0].count == 1);
  CHECK(s.groups[0].program[0].duration == sim::Dist::constant(5 * sim::kMillisecond));
}

TEST_CASE("the version picks the GIL model and its defaults", "[app][scenario]") {
  auto with = [](const char* v) {
    return parse_scenario(std::string("interpreter: {version: \"") + v +
                              "\"}\nthreads: [{name: w, program: [{cpu: 1ms}]}]",
                          "v.yaml");
  };
  CHECK(with("2.7").gil.kind == models::GilKind::Tick);
  CHECK(with("2.7").gil.check_interval == 100);
  CHECK(with("3.1").gil.kind == models::GilKind::Tick);
  CHECK(with("3.2").gil.kind == models::GilKind::SwitchInterval);
  CHECK(with("3.9").gil.check_gap < with("3.10").gil.check_gap);
  CHECK(with("3.13t").gil.kind == models::GilKind::None);
  CHECK(with("3.13t").gil.bytecode_overhead == Approx(0.06));
}

TEST_CASE("a tick cost keeps its fraction of a nanosecond, and check prints it back",
          "[app][scenario]") {
  const models::Scenario s = parse_scenario(
      "interpreter: {version: \"2.7\", tick_cost: 7.333ns}\n"
      "threads: [{name: w, program: [{cpu: 1ms}]}]",
      "t.yaml");
  CHECK(s.gil.tick_cost == Approx(7.333));
  CHECK(app::resolved_yaml(s).find("  tick_cost: 7.333ns\n") != std::string::npos);
  CHECK(parse_scenario(app::resolved_yaml(s), "again.yaml").gil.tick_cost == Approx(7.333));
  CHECK_THROWS(parse_scenario(
      "interpreter: {version: \"2.7\", tick_cost: 0ns}\nthreads: [{name: w, program: [{cpu: "
      "1ms}]}]",
      "zero.yaml"));
}

TEST_CASE("OS defaults scale with the CPU count as Linux does", "[app][scenario]") {
  CHECK(app::default_os(2).wakeup_granularity == 0);  // EEVDF: none, whatever the CPU count
  CHECK(app::default_os(12).wakeup_granularity == 0);
  // EEVDF's lag clamp, max(2 x base slice, tick): the tick on 2 CPUs, twice the slice on 64.
  CHECK(app::default_os(2).sleeper_credit == 4 * sim::kMillisecond);
  CHECK(app::default_os(64).sleeper_credit == 5600 * sim::kMicrosecond);
  CHECK(app::default_os(4).timeslice == 4 * sim::kMillisecond);
}

TEST_CASE("distributions are read in every form", "[app][scenario]") {
  const models::Scenario s = parse_scenario(R"(
interpreter: {version: "3.11"}
os: {wakeup_latency: {exponential: {mean: 30us}}}
threads:
  - name: w
    start: {uniform: {min: 0ms, max: 5ms}}
    program:
      - io: {normal: {mean: 10ms, stddev: 2ms}}
      - cpu: {lognormal: {median: 1ms, sigma: 0.5}}
      - native: {lognormal: {mean: 2ms, stddev: 1ms}}
      - sleep: {constant: 3ms}
)",
                                            "d.yaml");
  using K = sim::Dist::Kind;
  CHECK(s.os.wakeup_latency.kind == K::Exponential);
  CHECK(s.groups[0].start == sim::Dist::uniform(0, 5 * sim::kMillisecond));
  const auto& p = s.groups[0].program;
  CHECK(p[0].duration == sim::Dist::normal(10 * sim::kMillisecond, 2 * sim::kMillisecond));
  CHECK(p[1].duration == sim::Dist::lognormal(sim::kMillisecond, 0.5));
  CHECK(p[2].duration.kind == K::Lognormal);
  CHECK(p[2].duration.mean() == Approx(2e6));
  CHECK(p[3].duration == sim::Dist::constant(3 * sim::kMillisecond));
}

TEST_CASE("the wake-up latency by idle time is read as rows in increasing order",
          "[app][scenario]") {
  const models::Scenario s = parse_scenario(R"(
interpreter: {version: "3.11"}
os:
  idle_wakeup_latency:
    - {after: 100us, latency: 40us}
    - {after: 1ms, latency: {lognormal: {median: 80us, sigma: 0.3}}}
threads: [{name: a, program: [{cpu: 1ms}]}]
)",
                                            "i.yaml");
  REQUIRE(s.os.idle_wakeup_latency.size() == 2);
  CHECK(s.os.idle_wakeup_latency[0].after == 100 * sim::kMicrosecond);
  CHECK(s.os.idle_wakeup_latency[0].latency == sim::Dist::constant(40 * sim::kMicrosecond));
  CHECK(s.os.idle_wakeup_latency[1].after == sim::kMillisecond);
  CHECK(s.os.idle_wakeup_latency[1].latency == sim::Dist::lognormal(80 * sim::kMicrosecond, 0.3));
}

TEST_CASE("late timer interrupts on an idle CPU are read with their chance and delay",
          "[app][scenario]") {
  CHECK(parse_scenario(kMinimal, "d.yaml").os.idle_timer_delay.chance == 0);
  const models::Scenario s = parse_scenario(R"(
interpreter: {version: "3.11"}
os:
  idle_timer_delay: {chance: 0.0125, delay: {lognormal: {median: 1.1ms, sigma: 0.4}}}
threads: [{name: a, program: [{cpu: 1ms}]}]
)",
                                            "l.yaml");
  CHECK(s.os.idle_timer_delay.chance == 0.0125);
  CHECK(s.os.idle_timer_delay.delay == sim::Dist::lognormal(1100 * sim::kMicrosecond, 0.4));
  const models::Scenario off = parse_scenario(R"(
interpreter: {version: "3.11"}
os: {idle_timer_delay: {chance: 0}}
threads: [{name: a, program: [{cpu: 1ms}]}]
)",
                                              "o.yaml");
  CHECK(off.os.idle_timer_delay.chance == 0);
}

TEST_CASE("the condition variable model and its lock-code costs are read for 3.2+",
          "[app][scenario]") {
  const models::Scenario drawn = parse_scenario(kMinimal, "d.yaml");
  CHECK(drawn.gil.condvar == models::CondvarModel::Drawn);
  const models::Scenario s = parse_scenario(R"(
interpreter: {version: "3.11", condvar: glibc, mutex_hold: 2us,
              sleep_entry: {uniform: {min: 1us, max: 3us}}, drop_entry: 500ns,
              wake_syscall: 4us}
threads: [{name: a, program: [{cpu: 1ms}]}]
)",
                                            "g.yaml");
  CHECK(s.gil.condvar == models::CondvarModel::Glibc);
  CHECK(s.gil.mutex_hold == sim::Dist::constant(2 * sim::kMicrosecond));
  CHECK(s.gil.sleep_entry == sim::Dist::uniform(sim::kMicrosecond, 3 * sim::kMicrosecond));
  CHECK(s.gil.drop_entry == sim::Dist::constant(500));
  CHECK(s.gil.wake_syscall == sim::Dist::constant(4 * sim::kMicrosecond));
  CHECK(first_error(R"(
interpreter: {version: "2.7", condvar: glibc}
threads: [{name: a, program: [{cpu: 1ms}]}]
)")
            .find("interpreter.condvar") != std::string::npos);
}

TEST_CASE("loops nest and may repeat forever when the scenario has a stop", "[app][scenario]") {
  const models::Scenario s = parse_scenario(R"(
stop: 1s
interpreter: {version: "3.11"}
threads:
  - name: w
    program:
      - repeat: forever
        steps:
          - repeat: 3
            steps: [{io: 1ms}, {c_call: 2us}]
)",
                                            "l.yaml");
  REQUIRE(s.groups[0].program.size() == 1);
  CHECK(s.groups[0].program[0].times == models::kForever);
  CHECK(s.groups[0].program[0].body[0].times == 3);
  CHECK(s.groups[0].program[0].body[0].body[1].kind == models::StepKind::CCall);
}

TEST_CASE("stop_after names the group whose end ends the run, and must name one",
          "[app][scenario]") {
  const models::Scenario s = parse_scenario(R"(
stop_after: io
interpreter: {version: "3.11"}
threads:
  - {name: crunch, program: [{cpu: 100s}]}
  - {name: io, program: [{sleep: 1ms}]}
)",
                                            "s.yaml");
  REQUIRE(s.stop_after);
  CHECK(*s.stop_after == "io");
  CHECK(app::resolved_yaml(s).find("\nstop_after: \"io\"\n") != std::string::npos);
  CHECK(first_error(R"(
stop_after: oi
interpreter: {version: "3.11"}
threads: [{name: io, program: [{sleep: 1ms}]}]
)") == "t.yaml:2:13: stop_after: no thread group is named 'oi' (stop_after names the group "
       "whose end ends the run)");
}

TEST_CASE("overrides reach list elements by name or index and create missing keys",
          "[app][scenario]") {
  const models::Scenario s =
      parse_scenario(kMinimal, "m.yaml",
                     {"threads.w.count=3", "threads.0.program.0.cpu=7ms", "machine.cores=8",
                      "interpreter.switch_interval=1ms", "stop=2s"});
  CHECK(s.groups[0].count == 3);
  CHECK(s.groups[0].program[0].duration == sim::Dist::constant(7 * sim::kMillisecond));
  CHECK(s.machine.cores == 8);
  CHECK(s.gil.switch_interval == sim::kMillisecond);
  CHECK(s.stop == 2 * sim::kSecond);
}

TEST_CASE("every error is reported with file, line, column and key path", "[app][scenario]") {
  CHECK(
      first_error("interpreter: {version: \"3.11\"}\nthreads: [{name: w, program: [{cpu: 5}]}]") ==
      "t.yaml:2:37: threads[0].program[0].cpu: a duration needs a unit (ns, us, ms or s), as in "
      "\"5ms\", found \"5\"");
  CHECK(first_error(kMinimal, {"machine.cores=0"}) ==
        "--set machine.cores=0: machine.cores: must be between 1 and 4096, found 0");
  try {
    parse_scenario("machine: {cores: 0, smt: 2}\nthreads: 3\n", "t.yaml");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().size() == 4);  // cores, smt, interpreter missing, threads
  }
}
