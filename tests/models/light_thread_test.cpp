// Light threads (os.light_share): a light thread woken by a running thread while its own CPU
// idles follows the waker to its CPU (os.light_follows_waker), and only light threads get the
// sleeper credit (os.sleeper_credit_for: light), so that the thread queued first on a CPU runs
// first. Checked on the convoy they were traced in: three CPU-bound threads and an I/O thread.
#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {

/// Where each thread last ran, and for each GIL acquisition: the new holder, the previous one
/// and whether both were on one CPU when the GIL changed hands.
struct Handoffs : Observer {
  struct Handoff {
    ThreadId to, from;
    bool same_cpu;
  };
  std::vector<CpuId> cpu_of;
  std::vector<Handoff> handoffs;
  ThreadId last_holder = kNoThread;
  void on_thread_state(sim::Time, ThreadId t, TimeCat, CpuId cpu) override {
    if (cpu_of.size() <= std::size_t(t)) cpu_of.resize(std::size_t(t) + 1, kNoCpu);
    if (cpu != kNoCpu) cpu_of[t] = cpu;
  }
  void on_gil(sim::Time, ThreadId t, bool acquired) override {
    if (!acquired) return;
    if (last_holder != kNoThread && last_holder != t) {
      handoffs.push_back({t, last_holder, cpu_of[t] == cpu_of[last_holder]});
    }
    last_holder = t;
  }
};

/// A scenario run to the end with its hand-offs recorded.
struct ObservedHandoffs {
  explicit ObservedHandoffs(Scenario scenario) : s(std::move(scenario)), sim(1), world(sim, s) {
    world.observe(handoffs);
    world.run();
  }
  Scenario s;
  sim::Simulator sim;
  World world;
  Handoffs handoffs;
};

/// The 5 ms convoy in small: three CPU-bound threads (0-2) and the I/O thread (3), on two
/// CPUs with per-CPU run queues, wake-ups staying on a busy CPU they last ran on.
Scenario small_convoy(double follows, sim::Time tick = 0) {
  Scenario s = exact_scenario("3.11", 2, 20 * kMicrosecond);
  s.os.per_cpu_queues = true;
  s.os.wake_affine = 1;
  s.os.context_switch = 3 * kMicrosecond;
  s.os.wakeup_granularity = 0;
  s.os.tick = tick;
  s.os.light_follows_waker = follows;
  s.gil.switch_interval = 5 * kMillisecond;
  s.groups.push_back(group("crunch", 3, {step(StepKind::Cpu, 3 * kSecond)}));
  s.groups.push_back(convoy_io_group(200));
  return s;
}

struct Shares {
  double io_beside_holder = 0;  ///< the I/O thread's takeovers on the CPU of the holder before
  double straight_back = 0;     ///< the I/O thread's holds after which the GIL went back
};

Shares convoy_shares(double follows) {
  const ObservedHandoffs run(small_convoy(follows));
  const Handoffs& h = run.handoffs;
  int io = 0, io_beside = 0, back = 0;
  for (std::size_t i = 0; i < h.handoffs.size(); ++i) {
    const Handoffs::Handoff& x = h.handoffs[i];
    if (x.to != 3) continue;
    ++io;
    io_beside += x.same_cpu ? 1 : 0;
    if (i + 1 < h.handoffs.size() && h.handoffs[i + 1].to == x.from) ++back;
  }
  REQUIRE(io >= 150);
  return {double(io_beside) / io, double(back) / io};
}

}  // namespace

TEST_CASE("a light thread woken while its own CPU idles follows its waker to the waker's CPU",
          "[models][os][light]") {
  // The I/O thread sleeps on its own CPU while the holder computes on the other, and the
  // holder's drop wakes it. Without the rule it takes its idle CPU about half the time (the
  // other half it last ran on the holder's); with the rule, always the holder's. There the
  // dropper, woken by its takeover, queues behind it and gets the GIL straight back.
  const Shares stays = convoy_shares(0);
  const Shares follows = convoy_shares(1);
  CHECK(stays.io_beside_holder < 0.6);
  CHECK(follows.io_beside_holder > 0.95);
  CHECK(follows.straight_back > 0.85);
  CHECK(follows.straight_back > stays.straight_back + 0.3);
}

TEST_CASE("CPU-bound threads are not light: the rule leaves where their hand-offs land",
          "[models][os][light]") {
  // Without the I/O thread the CPU-bound threads wake each other at every switch, each using
  // about a third of a CPU, as much as its waker: none is light, and the share of takeovers on
  // the old holder's CPU stays as it was. (Only at the start, before they have run, do the
  // waiters count as light; the runs part there.)
  auto beside = [](double follows) {
    Scenario s = small_convoy(follows);
    s.groups.pop_back();
    ObservedHandoffs run(s);
    int n = 0, same = 0;
    for (const Handoffs::Handoff& x : run.handoffs.handoffs) {
      ++n;
      same += x.same_cpu ? 1 : 0;
    }
    REQUIRE(n > 1000);
    return double(same) / n;
  };
  CHECK(beside(1) == Approx(beside(0)).margin(0.02));
}
namespace {
/// The small convoy with the scheduler tick, and the credit for every thread or light ones.
Scenario ticking_convoy(bool credit_light_only) {
  Scenario s = small_convoy(1, 4 * kMillisecond);
  s.os.credit_light_only = credit_light_only;
  return s;
}

/// Preemptions in it at a 1 ms interval, without its I/O thread.
std::uint64_t crunchers_preemptions(bool credit_light_only) {
  Scenario s = ticking_convoy(credit_light_only);
  s.gil.switch_interval = 1 * kMillisecond;
  s.groups.pop_back();
  sim::Simulator sim(1);
  World world(sim, s);
  return world.run().preemptions;
}

/// When its I/O thread finishes beside one CPU-bound thread.
sim::Time io_finish_beside_one(Scenario s) {
  s.groups[0].count = 1;
  sim::Simulator sim(1);
  World world(sim, s);
  world.run();
  return world.thread(1).finish_time();
}
}  // namespace

TEST_CASE(
    "with the sleeper credit for light threads only, CPU-bound threads woken onto a busy CPU "
    "queue behind the threads there instead of preempting them",
    "[models][os][light]") {
  // At a 1 ms interval the CPU-bound threads wake every millisecond. With the credit they
  // often lead the running thread and preempt it; without, they wait their turn.
  const std::uint64_t credit_all = crunchers_preemptions(false);
  const std::uint64_t credit_light = crunchers_preemptions(true);
  // Enough preemptions for the ratio to mean something (749 since a waiter whose timer fired
  // keeps its place in the futex's queue, which ends some waits before their thread runs).
  REQUIRE(credit_all > 500);
  CAPTURE(credit_all, credit_light);
  CHECK(credit_light * 20 < credit_all);
}

TEST_CASE(
    "the light I/O thread keeps the sleeper credit: beside one CPU-bound thread it waits one "
    "interval a call, not the running thread's slice on top",
    "[models][os][light]") {
  // 200 calls of 1 ms and 50 us, each waiting about 5 ms for the GIL: about 1.23 s. Without
  // the credit its wake-ups onto the holder's CPU would wait for the holder's slice to end.
  const sim::Time credit_all = io_finish_beside_one(ticking_convoy(false));
  CHECK(io_finish_beside_one(ticking_convoy(true)) == credit_all);
  CHECK(credit_all < 1300 * kMillisecond);
  Scenario no_credit = ticking_convoy(false);
  no_credit.os.sleeper_credit = 0;
  CHECK(io_finish_beside_one(no_credit) > 2 * kSecond);
}
