// The machine and the OS scheduler: SMT sharing with exact re-rating, placement on idle cores
// before idle siblings, time slicing, and CPU utilisation as top reports it.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
Scenario native_only(int cores, int threads_per_core) {
  Scenario s = exact_scenario("3.11", cores, 0);
  s.machine.threads_per_core = threads_per_core;
  s.machine.smt_throughput = 1.25;
  return s;
}
}  // namespace

TEST_CASE("work in progress is re-rated exactly when a hyperthread sibling starts and stops",
          "[models][machine][smt]") {
  // A: 1 s of native work from t=0, alone on the core (rate 1). B starts at 0.5 s on the
  // sibling: both run at 1.25/2 = 0.625. A's last 0.5 s of work takes 0.8 s: done at 1.3 s.
  // B has then done 0.5 s of work, and finishes its other 0.5 s alone: at 1.8 s.
  Scenario s = native_only(1, 2);
  s.groups.push_back(group("a", 1, {step(StepKind::Native, 1 * kSecond)}));
  s.groups.push_back(group("b", 1, {step(StepKind::Native, 1 * kSecond)}, 500 * kMillisecond));
  sim::Simulator sim(1);
  World world(sim, s);
  world.run();
  CHECK(world.thread(0).finish_time() == 1300 * kMillisecond);
  CHECK(world.thread(1).finish_time() == 1800 * kMillisecond);
}

TEST_CASE("a runnable thread goes to an idle core before an idle hyperthread",
          "[models][machine][smt]") {
  // Two native threads on 2 cores x 2 hyperthreads: each gets a core of its own, full speed.
  Scenario s = native_only(2, 2);
  s.groups.push_back(group("n", 2, {step(StepKind::Native, 1 * kSecond)}));
  const RunResult r = simulate(s, 1);
  CHECK(r.makespan == 1 * kSecond);
  CHECK(r.cpu_utilization() == Approx(0.5));
  // A third and fourth share cores with them: 4 threads of 1 s take 1 / 0.625 = 1.6 s.
  s.groups[0].count = 4;
  CHECK(simulate(s, 1).makespan == 1600 * kMillisecond);
}

TEST_CASE("threads outnumbering CPUs share them by time slices", "[models][os]") {
  // Two native threads of 10 ms on one CPU with 4 ms slices: they take turns, and the two
  // finish at 18 ms and 20 ms (in some order), every nanosecond of the CPU used.
  Scenario s = native_only(1, 1);
  s.os.timeslice = 4 * kMillisecond;
  s.os.wakeup_preemption = false;
  s.groups.push_back(group("n", 2, {step(StepKind::Native, 10 * kMillisecond)}));
  sim::Simulator sim(1);
  World world(sim, s);
  const RunResult r = world.run();
  const sim::Time a = world.thread(0).finish_time(), b = world.thread(1).finish_time();
  CHECK(std::min(a, b) == 18 * kMillisecond);
  CHECK(std::max(a, b) == 20 * kMillisecond);
  CHECK(r.cpu_utilization() == Approx(1.0));
  CHECK(r.preemptions >= 2);
  CHECK(r.groups[0].split[std::size_t(TimeCat::CpuWait)] == 18 * kMillisecond);
}

TEST_CASE("a woken thread preempts a busy CPU one wake-up latency later", "[models][os]") {
  // One CPU, a native hog from L. B starts at 2 ms: the hog leads it by more than the
  // granularity, so it preempts, once the wake-up interrupt has arrived (L later). It sleeps
  // 5 ms, wakes (timer), preempts again L later and runs 1 ms of native work: done at
  // 2 + L + 5 + L + 1 ms. The hog lost 1 ms of CPU: done at L + 101 ms.
  const sim::Time L = 20 * kMicrosecond;
  Scenario s = native_only(1, 1);
  s.os.wakeup_latency = sim::Dist::constant(L);
  s.os.wakeup_granularity = 1 * kMillisecond;
  s.os.sleeper_credit = 6 * kMillisecond;
  s.groups.push_back(group("hog", 1, {step(StepKind::Native, 100 * kMillisecond)}));
  s.groups.push_back(group(
      "b", 1, {step(StepKind::Sleep, 5 * kMillisecond), step(StepKind::Native, 1 * kMillisecond)},
      2 * kMillisecond));
  sim::Simulator sim(1);
  World world(sim, s);
  const RunResult r = world.run();
  CHECK(world.thread(1).finish_time() == 8 * kMillisecond + 2 * L);
  CHECK(world.thread(0).finish_time() == 101 * kMillisecond + L);
  CHECK(r.preemptions == 2);
}

TEST_CASE("a context switch costs CPU time on every dispatch", "[models][os]") {
  Scenario s = native_only(1, 1);
  s.os.context_switch = 5 * kMicrosecond;
  s.groups.push_back(group("n", 1, {step(StepKind::Native, 1 * kMillisecond)}));
  const RunResult r = simulate(s, 1);
  CHECK(r.makespan == 1 * kMillisecond + 5 * kMicrosecond);
  CHECK(r.groups[0].split[std::size_t(TimeCat::Sys)] == 5 * kMicrosecond);
}

TEST_CASE("every nanosecond of a thread's life is in exactly one category", "[models][os]") {
  Scenario s = exact_scenario("3.11", 2, 20 * kMicrosecond);
  s.os.context_switch = 2 * kMicrosecond;
  s.groups.push_back(group("cpu", 2, {step(StepKind::Cpu, 30 * kMillisecond)}));
  s.groups.push_back(group(
      "io", 3,
      {repeat(10, {step(StepKind::Io, 1 * kMillisecond), step(StepKind::Native, 200 * kMicrosecond),
                   step(StepKind::Cpu, 50 * kMicrosecond)})},
      3 * kMillisecond));
  sim::Simulator sim(1);
  World world(sim, s);
  const RunResult r = world.run();
  for (ThreadId t = 0; t < 5; ++t) {
    sim::Time total = 0;
    for (sim::Time v : world.os().split(t)) total += v;
    const sim::Time start = t < 2 ? 0 : 3 * kMillisecond;
    INFO("thread " << t);
    CHECK(total == world.thread(t).finish_time() - start);
  }
  // CPU busy time is exactly the threads' time on CPU.
  sim::Time on_cpu = 0;
  for (const GroupResult& g : r.groups) {
    on_cpu += g.split[std::size_t(TimeCat::Cpu)] + g.split[std::size_t(TimeCat::Native)] +
              g.split[std::size_t(TimeCat::Sys)];
  }
  CHECK(on_cpu == r.cpu_busy);
}

TEST_CASE("a free-threaded build runs bytecode in parallel, slowed by its overhead",
          "[models][gil][nogil]") {
  Scenario s = exact_scenario("3.13t", 4, 0);
  s.groups.push_back(group("cpu", 4, {step(StepKind::Cpu, 1 * kSecond)}));
  const RunResult r = simulate(s, 1);
  CHECK(r.makespan == 1060 * kMillisecond);
  CHECK(r.speedup() == Approx(4 / 1.06));
  CHECK(r.gil.switches == 0);
}
