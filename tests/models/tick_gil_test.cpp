// Hand-worked timelines for the tick GIL (CPython <= 3.1), with constant costs: wake-up
// latency L = 20 us, no context-switch cost, tick_cost 40 ns x check_interval 100 = a release
// every 4 us of bytecode, release_syscall 5 us, failed_acquire 3 us.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;

Scenario battle(int cores, int threads, sim::Time work) {
  Scenario s = exact_scenario("2.7", cores, L);
  s.gil.tick_cost = 40;
  s.gil.check_interval = 100;
  s.gil.release_syscall = sim::Dist::constant(5 * kMicrosecond);
  s.gil.failed_acquire = sim::Dist::constant(3 * kMicrosecond);
  s.gil.empty_wake_syscall = sim::Dist::constant(0);
  s.groups.push_back(group("cpu", threads, {step(StepKind::Cpu, work)}));
  return s;
}
}  // namespace

TEST_CASE("on two cores the releaser always wins the tick GIL battle when wake-ups are slow",
          "[models][gil][tick]") {
  // A holds the GIL; B sleeps on it. Each release that finds B asleep wakes it (A pays a 5 us
  // system call, the lock free meanwhile) and B arrives L = 20 us later, long after A took the
  // lock back: B fails (3 us) and sleeps at r+23 us. A's next release after that is at r+25 us
  // (releases every 4 us of bytecode after its 5 us call). So every 25 us, A does 20 us of work
  // and 5 us of system call, and B never wins: A finishes its 10 ms in 12.5 ms, then B runs.
  const Scenario s = battle(2, 2, 10 * kMillisecond);
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  // B's only acquisition is after A's final release.
  ThreadId first_b = 0;
  for (const auto& [at, t] : acq) {
    if (t == 1) {
      first_b = t;
      CHECK(at >= run.world.thread(0).finish_time());
      break;
    }
  }
  CHECK(first_b == 1);
  CHECK(run.result.gil.switches == 2);
  CHECK(run.world.thread(0).finish_time() ==
        Approx(double(L + 12500 * kMicrosecond)).epsilon(0.002));
  // One real wake-up per 25 us while both were alive, each wasted; and since B stays
  // registered on the lock, every one of A's five releases per cycle calls futex_wake.
  CHECK(double(run.result.gil.waiters_woken) == Approx(12500.0 / 25).epsilon(0.02));
  CHECK(run.result.gil.failed_acquisitions + 1 >= run.result.gil.waiters_woken - 1);
  CHECK(double(run.result.gil.wake_syscalls) == Approx(5 * 12500.0 / 25).epsilon(0.02));
  // Slower than sequential, and more than one core's worth of CPU in use.
  CHECK(run.result.speedup() < 0.92);
  CHECK(run.result.cpu_utilization() > 0.5);
  const TimeSplit& split = run.result.groups[0].split;
  CHECK(split[std::size_t(TimeCat::Sys)] > 4 * kMillisecond);
}

TEST_CASE("a contended release costs the holder time only while a waiter is in the slow path",
          "[models][gil][tick]") {
  // The battle above, with contended_release C = 1 us. In each 25 us cycle that starts at a
  // release r waking B, B fails from r+20 to r+23 us; A's check point at r+21 finds it there
  // and pays C with the lock held, so the cycle's later check points slip by 1 us and the
  // next one that finds B asleep is at r+26. Every cycle is 26 us for 20 us of work.
  Scenario s = battle(2, 2, 10 * kMillisecond);
  s.gil.contended_release = sim::Dist::constant(kMicrosecond);
  ObservedRun run(s);
  CHECK(run.world.thread(0).finish_time() ==
        Approx(double(L + 13000 * kMicrosecond)).epsilon(0.002));
  CHECK(run.result.gil.switches == 2);
  // One contended release per cycle: 10 ms of A's work at 20 us of it per cycle.
  CHECK(double(run.result.gil.contended_releases) == Approx(10000.0 / 20).epsilon(0.01));
  // Alone, a thread never finds anyone in the slow path.
  Scenario alone = battle(2, 1, 10 * kMillisecond);
  alone.gil.contended_release = sim::Dist::constant(10 * kMicrosecond);
  CHECK(ObservedRun(alone).result.makespan == L + 10 * kMillisecond);  // L: its first start
}

TEST_CASE(
    "a waiter's visit to the slow path costs the holder one contended release, however "
    "many check points it spans",
    "[models][gil][tick]") {
  // The battle above with C = 1 us and failed_acquire 9 us: B fails from r+20 to r+29, which
  // spans A's check points at r+21 and r+26. The lock's line moved to B's CPU once: A pays C at
  // r+21 only, releases at r+26 without it, and wakes B again at r+30. Every cycle is 30 us
  // for 24 us of work (charging each check point would make it 31 us, with two charges).
  Scenario s = battle(2, 2, 10 * kMillisecond);
  s.gil.contended_release = sim::Dist::constant(kMicrosecond);
  s.gil.failed_acquire = sim::Dist::constant(9 * kMicrosecond);
  ObservedRun run(s);
  CHECK(run.world.thread(0).finish_time() ==
        Approx(double(L + 12500 * kMicrosecond)).epsilon(0.002));
  CHECK(double(run.result.gil.contended_releases) == Approx(10000.0 / 24).epsilon(0.01));
}

TEST_CASE("a contended release slows more threads more than two", "[models][gil][tick]") {
  const auto slowdown = [](int threads, sim::Time cost) {
    Scenario s = battle(2, threads, 20 * kMillisecond / threads);
    s.gil.contended_release = sim::Dist::constant(cost);
    return 1 / ObservedRun(s).result.speedup();
  };
  const double two = slowdown(2, 2 * kMicrosecond) / slowdown(2, 0);
  const double four = slowdown(4, 2 * kMicrosecond) / slowdown(4, 0);
  CHECK(two >= 1.0);
  CHECK(four > two);
  CHECK(four > 1.1);
}

TEST_CASE("a waiter that wakes faster than the releaser's system call wins the tick GIL",
          "[models][gil][tick]") {
  // With a 2 us wake-up, B arrives while A is still inside its 5 us release call: the lock is
  // free and B takes it. The threads then alternate at every wake.
  Scenario s = battle(2, 2, 2 * kMillisecond);
  s.os.wakeup_latency = sim::Dist::constant(2 * kMicrosecond);
  const RunResult r = simulate(s, 1);
  CHECK(r.gil.switches > 100);
  CHECK(r.gil.failed_acquisitions < r.gil.switches);
}

TEST_CASE("on one core wake-up preemption at the release makes the old GIL alternate",
          "[models][gil][tick]") {
  // On one CPU the woken thread preempts the releaser inside its system call (the lock is free
  // then) once the releaser leads it by the wake-up granularity of virtual runtime: the
  // threads take turns instead of one starving.
  Scenario s = battle(1, 2, 100 * kMillisecond);
  s.os.wakeup_granularity = 1 * kMillisecond;
  s.os.timeslice = 4 * kMillisecond;
  ObservedRun run(s);
  CHECK(run.result.gil.switches > 20);
  const sim::Time gap = run.world.thread(1).finish_time() - run.world.thread(0).finish_time();
  CHECK(std::abs(double(gap)) < 10.0 * double(kMillisecond));
  CHECK(run.result.preemptions > 20);
}

TEST_CASE("an I/O thread under the old GIL is woken by the next release", "[models][gil][tick]") {
  // Releases come every 4 us; B's sem_wait fails (3 us) and sleeps; the next release wakes it.
  // With a 2 us wake-up it arrives inside the releaser's 5 us system call and wins.
  Scenario s = battle(2, 1, 200 * kMillisecond);
  s.os.wakeup_latency = sim::Dist::constant(2 * kMicrosecond);
  s.groups.push_back(group(
      "io", 1,
      {repeat(20, {step(StepKind::Io, 1 * kMillisecond), step(StepKind::Cpu, 10 * kMicrosecond)})},
      1 * kMillisecond));
  const RunResult r = simulate(s, 1);
  CHECK(r.groups[1].io_resume.count() == 20);
  CHECK(r.groups[1].io_resume.max() < 20 * kMicrosecond);
}
