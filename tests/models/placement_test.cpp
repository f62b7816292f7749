// Where a woken thread runs: an idle CPU, or (wake_affine) the busy CPU it last ran on; and the
// GIL race that placement decides. Constant costs, worked out by hand.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;

/// B runs 1 ms of native work on CPU 0, sleeps 5 ms, runs 1 ms more. A hog takes CPU 0 at
/// 2 ms (both CPUs are idle then: the first is chosen), so B wakes beside it with CPU 1 idle.
Scenario hog_beside_sleeper(double wake_affine) {
  Scenario s = exact_scenario("3.11", 2, L);
  s.os.wakeup_granularity = 1 * kMillisecond;
  s.os.sleeper_credit = 6 * kMillisecond;
  s.os.wake_affine = wake_affine;
  s.os.balance_delay = 300 * kMicrosecond;
  s.groups.push_back(
      group("b", 1,
            {step(StepKind::Native, 1 * kMillisecond), step(StepKind::Sleep, 5 * kMillisecond),
             step(StepKind::Native, 1 * kMillisecond)}));
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
