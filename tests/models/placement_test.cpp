// Where a woken thread runs: an idle CPU, or (wake_affine) the busy CPU it last ran on; and the
// GIL race that placement decides. Constant costs, worked out by hand.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;

/// Two CPUs and thread 0, B: 1 ms of native work on CPU 0, a 5 ms sleep, 1 ms more.
Scenario sleeper_b() {
  Scenario s = exact_scenario("3.11", 2, L);
  s.os.wakeup_granularity = 1 * kMillisecond;
  s.os.sleeper_credit = 6 * kMillisecond;
  s.os.balance_delay = 300 * kMicrosecond;
  s.groups.push_back(
      group("b", 1,
            {step(StepKind::Native, 1 * kMillisecond), step(StepKind::Sleep, 5 * kMillisecond),
             step(StepKind::Native, 1 * kMillisecond)}));
  return s;
}

/// B beside a hog that takes CPU 0 at 2 ms (both CPUs are idle then: the first is chosen), so
/// B wakes beside it with CPU 1 idle.
Scenario hog_beside_sleeper(double wake_affine) {
  Scenario s = sleeper_b();
  s.os.wake_affine = wake_affine;
  s.groups.push_back(
      group("hog", 1, {step(StepKind::Native, 100 * kMillisecond)}, 2 * kMillisecond));
  return s;
}
}  // namespace

TEST_CASE("a woken thread takes an idle CPU when it does not stay where it last ran",
          "[models][os][placement]") {
  // B starts at L, sleeps at 1 ms + L, wakes at 6 ms + L onto idle CPU 1 (L later) and is
  // done at 7 ms + 2L. The hog, on CPU 0 from 2 ms + L, is never disturbed.
  sim::Simulator sim(1);
  World world(sim, hog_beside_sleeper(0));
  const RunResult r = world.run();
  CHECK(world.thread(0).finish_time() == 7 * kMillisecond + 2 * L);
  CHECK(world.thread(1).finish_time() == 102 * kMillisecond + L);
  CHECK(r.preemptions == 0);
}

TEST_CASE(
    "a thread staying on its busy CPU preempts the thread there, which an idle CPU pulls "
    "one balance delay later",
    "[models][os][placement]") {
  // wake_affine 1: B stays on CPU 0; the hog leads it by more than the granularity, so B
  // preempts it when the wake-up interrupt arrives, at 6 ms + 2L, and is done at 7 ms + 2L as
  // before. The hog waits in the queue until CPU 1 pulls it 300 us later: it loses 300 us.
  sim::Simulator sim(1);
  World world(sim, hog_beside_sleeper(1));
  const RunResult r = world.run();
  CHECK(world.thread(0).finish_time() == 7 * kMillisecond + 2 * L);
  CHECK(world.thread(1).finish_time() == 102 * kMillisecond + L + 300 * kMicrosecond);
  CHECK(r.preemptions == 1);
}

TEST_CASE("a requester that posted from the holder's own CPU leaves the race to the futex queue",
          "[models][gil][switch][placement]") {
  // One CPU: every drop request is posted while the holder is off the CPU, so the requester
  // has gone back to sleep before the holder signals, and requester_wins changes nothing.
  auto run = [](double requester_wins) {
    Scenario s = exact_scenario("3.11", 1, L);
    s.gil.waiter_choice = WaiterChoice::Fifo;
    s.gil.requester_wins = requester_wins;
    s.groups.push_back(group("cpu", 3, {step(StepKind::Cpu, 40 * kMillisecond)}));
    ObservedRun observed(s);
    return std::make_pair(observed.timeline.acquisitions(), observed.result.gil);
  };
  const auto [always, g] = run(1);
  const auto [never, g0] = run(0);
  const ForcedSwitchWinners& w = g.from_holder_cpu;
  REQUIRE(w.requester + w.back + w.other >= 10);
  CHECK(g.from_other_cpu.requester + g.from_other_cpu.back + g.from_other_cpu.other == 0);
  CHECK(always == never);
}

namespace {
/// Per-CPU run queues or one shared. B runs 1 ms of native work on CPU 0, sleeps 5 ms, runs
/// 1 ms more; hog 1 takes CPU 1 at 500 us for `hog1_work`, hog 2 CPU 0 at 2 ms for 100 ms (B
/// is asleep then), so B wakes with no CPU idle.
Scenario both_cpus_busy_at_wake(bool per_cpu, sim::Time hog1_work = 100 * kMillisecond) {
  Scenario s = sleeper_b();
  s.os.per_cpu_queues = per_cpu;
  s.groups.push_back(group("hog1", 1, {step(StepKind::Native, hog1_work)}, 500 * kMicrosecond));
  s.groups.push_back(
      group("hog2", 1, {step(StepKind::Native, 100 * kMillisecond)}, 2 * kMillisecond));
  return s;
}
}  // namespace

TEST_CASE("with one shared run queue a woken thread preempts the fairest-to-stop thread anywhere",
          "[models][os][placement]") {
  // B sleeps from 1 ms + L to 6 ms + L. Virtual runtimes then: hog 1 6 ms (placed at B's
  // 0.5 ms, then 5.5 ms), hog 2 5.5 ms (placed at hog 1's 1.5 ms, then 4 ms), B 1 ms. Hog 1
  // leads most: B reaches CPU 1 by an interrupt at 6 ms + 2L and hog 1 resumes when B ends.
  sim::Simulator sim(1);
  World world(sim, both_cpus_busy_at_wake(false));
  const RunResult r = world.run();
  CHECK(world.thread(0).finish_time() == 7 * kMillisecond + 2 * L);
  CHECK(world.thread(1).finish_time() == 101 * kMillisecond + 500 * kMicrosecond + L);
  CHECK(world.thread(2).finish_time() == 102 * kMillisecond + L);
  CHECK(r.preemptions == 1);
}

TEST_CASE("with per-CPU run queues a woken thread preempts only on the CPU it last ran on",
          "[models][os][placement]") {
  // The same wake-up goes to CPU 0, where B last ran: hog 2 there makes way (it ran 4.02 ms
  // and resumes at 7 ms + 2L) and hog 1 on CPU 1 is never disturbed.
  sim::Simulator sim(1);
  World world(sim, both_cpus_busy_at_wake(true));
  const RunResult r = world.run();
  CHECK(world.thread(0).finish_time() == 7 * kMillisecond + 2 * L);
  CHECK(world.thread(1).finish_time() == 100 * kMillisecond + 500 * kMicrosecond + L);
  CHECK(world.thread(2).finish_time() == 103 * kMillisecond + L);
  CHECK(r.preemptions == 1);
}

TEST_CASE(
    "with per-CPU run queues a CPU falling idle pulls a queued thread at once only once it "
    "is no longer cache-hot",
    "[models][os][placement]") {
  // Hog 2 queues on CPU 0 from 6 ms + 2L, preempted by B. Hog 1 ends at 6.3 ms, so CPU 1 falls
  // idle 260 us after hog 2 left its CPU. With a migration cost of 500 us hog 2 is
  // cache-hot: CPU 1 idles, and the idle balance pulls it 300 us later, at 6.6 ms. With
  // 100 us it is pulled at once. Either way it has 95.98 ms left.
  const sim::Time hog1_work = 5780 * kMicrosecond;
  auto hog2_finish = [&](sim::Time migration_cost) {
    Scenario s = both_cpus_busy_at_wake(true, hog1_work);
    s.os.migration_cost = migration_cost;
    sim::Simulator sim(1);
    World world(sim, s);
    world.run();
    return world.thread(2).finish_time();
  };
  const sim::Time left = 95980 * kMicrosecond;
  CHECK(hog2_finish(500 * kMicrosecond) == 6600 * kMicrosecond + left);
  CHECK(hog2_finish(100 * kMicrosecond) == 6300 * kMicrosecond + left);
}

namespace {
/// Per-CPU run queues, no sleeper credit, no preemption below 10 ms of lead, balance delay
/// 300 us. B takes CPU 0 at L for 1 ms of native work, sleeps `nap`, then works 1 ms more;
/// `busy` takes CPU 1 from L to 1.05 ms + L; the hog arrives at 200 us with no CPU idle and
/// queues on CPU 0 (virtual runtime 200 us - L, the least of the running threads'), where it
/// takes over when B sleeps.
Scenario blocks_ahead_of_its_cpu(bool delayed_dequeue, sim::Time nap) {
  Scenario s = exact_scenario("3.11", 2, L);
  s.os.per_cpu_queues = true;
  s.os.delayed_dequeue = delayed_dequeue;
  s.os.sleeper_credit = 0;
  s.os.wakeup_granularity = 10 * kMillisecond;
  s.os.balance_delay = 300 * kMicrosecond;
  s.groups.push_back(group("b", 1,
                           {step(StepKind::Native, 1 * kMillisecond), step(StepKind::Sleep, nap),
                            step(StepKind::Native, 1 * kMillisecond)}));
  s.groups.push_back(group("busy", 1, {step(StepKind::Native, 1050 * kMicrosecond)}));
  s.groups.push_back(
      group("hog", 1, {step(StepKind::Native, 100 * kMillisecond)}, 200 * kMicrosecond));
  return s;
}

/// B's finish time, and how many times a thread was preempted.
std::pair<sim::Time, std::uint64_t> b_finish(bool delayed_dequeue, sim::Time nap) {
  sim::Simulator sim(1);
  World world(sim, blocks_ahead_of_its_cpu(delayed_dequeue, nap));
  const RunResult r = world.run();
  return {world.thread(0).finish_time(), r.preemptions};
}
}  // namespace

TEST_CASE(
    "with delayed dequeue a thread that blocks ahead of its CPU's average is woken back onto "
    "that CPU, not onto the idle one",
    "[models][os][placement]") {
  // B blocks at 1 ms + L with 1 ms of virtual runtime against the hog's 200 us - L: past
  // their average, so it stays in CPU 0's queue. Woken at 1.1 ms + L, it goes back there
  // behind the hog although CPU 1 idles since 1.05 ms + L, and CPU 1 pulls it one balance delay
  // later: done at 2.4 ms + L. Dequeued at once, it would take idle CPU 1 after the wake-up
  // latency: done at 2.1 ms + 2L.
  const sim::Time nap = 100 * kMicrosecond;
  CHECK(b_finish(true, nap).first == 2400 * kMicrosecond + L);
  CHECK(b_finish(false, nap).first == 2100 * kMicrosecond + 2 * L);
}

TEST_CASE("a delayed thread that its CPU picks first is dequeued and wakes like any other",
          "[models][os][placement]") {
  // B sleeps 5 ms. At the end of the hog's slice, 4 ms after it took CPU 0 at 1 ms + L, B's
  // 1 ms of virtual runtime is the least on CPU 0: picked, it leaves the queue. Woken at
  // 6 ms + L it takes idle CPU 1: done at 7 ms + 2L either way (still queued there, it would
  // wait behind the hog for the pull, until 7.3 ms + L). Picking it does not preempt the hog.
  const sim::Time nap = 5 * kMillisecond;
  for (const bool delayed_dequeue : {true, false}) {
    const auto [finish, preemptions] = b_finish(delayed_dequeue, nap);
    CHECK(finish == 7 * kMillisecond + 2 * L);
    CHECK(preemptions == 0);
  }
}

namespace {
/// One CPU, a tick every 4 ms: the hog takes the CPU at L for 100 ms of native work; B arrives
/// at `arrival` for 1 ms. B is placed `credit` of virtual runtime behind the hog (at most its
/// whole run), its lead; with no granularity it may preempt the hog. Its deadline is a slice
/// past its virtual runtime.
Scenario hog_then_b(sim::Time tick, sim::Time slice, sim::Time credit, sim::Time arrival) {
  Scenario s = exact_scenario("3.11", 1, L);
  s.os.tick = tick;
  s.os.slice = slice;
  s.os.wakeup_granularity = 0;
  s.os.sleeper_credit = credit;
  s.groups.push_back(group("hog", 1, {step(StepKind::Native, 100 * kMillisecond)}));
  s.groups.push_back(group("b", 1, {step(StepKind::Native, 1 * kMillisecond)}, arrival));
  return s;
}

/// B's finish time and the hog's.
std::pair<sim::Time, sim::Time> finishes(sim::Time tick, sim::Time slice, sim::Time credit,
                                         sim::Time arrival) {
  sim::Simulator sim(1);
  World world(sim, hog_then_b(tick, slice, credit, arrival));
  world.run();
  return {world.thread(1).finish_time(), world.thread(0).finish_time()};
}
}  // namespace

TEST_CASE(
    "with a tick a woken thread with no lead preempts only once the running thread's protected "
    "slice is over and its deadline has passed, a tie going to the wakee; else at a later tick",
    "[models][os][placement]") {
  const sim::Time ms = kMillisecond;
  const sim::Time us = kMicrosecond;
  const sim::Time tick = 4 * ms;
  const sim::Time slice = 1400 * us;
  // B is placed at the hog's virtual runtime: no lead. Without a tick (CFS) it never preempts
  // and waits for the end of the hog's 4 ms timeslice, at 4 ms + L.
  CHECK(finishes(0, slice, 0, 1 * ms).first == 5 * ms + L);
  // The hog's deadline, a slice past its start, falls at 1.4 ms + L; until then it is protected.
  // Arriving at 1 ms, B queues; each tick after the protection picks, and at 4 ms the hog, past
  // B, is past the average: B runs from 4 ms.
  CHECK(finishes(tick, slice, 0, 1 * ms).first == 5 * ms);
  // Arriving at 2 ms, after the deadline (no tick has renewed it), the wake-up renews it from
  // now: B's deadline ties and B preempts once its interrupt lands, L later.
  CHECK(finishes(tick, slice, 0, 2 * ms).first == 3 * ms + L);
  // The tick at 4 ms renewed the hog's deadline to 5.4 ms: arriving at 4.5 ms, B has the later
  // deadline and queues until the tick at 8 ms; arriving at 6 ms, past it, B preempts at once.
  CHECK(finishes(tick, slice, 0, 4500 * us).first == 9 * ms);
  CHECK(finishes(tick, slice, 0, 6 * ms).first == 7 * ms + L);
  // With a lead, however small, the hog is past the average of the two: B preempts at once.
  CHECK(finishes(tick, slice, 200 * us, 4500 * us).first == 5500 * us + L);
  // A slice of 5 ms protects the hog until 5 ms + L: B arriving at 3 ms runs from the tick at
  // 8 ms.
  CHECK(finishes(tick, 5 * ms, 0, 3 * ms).first == 9 * ms);
  // The hog loses B's 1 ms whenever B runs.
  CHECK(finishes(tick, slice, 0, 1 * ms).second == 101 * ms + L);
  CHECK(finishes(0, slice, 0, 1 * ms).second == 101 * ms + L);
}
