// A wake-up onto an idle CPU costs what the idle state it reached costs
// (os.idle_wakeup_latency), and goes back to the CPU the thread last ran on when that one is
// idle. Constant costs, worked out by hand.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;

void idle_table(Scenario& s) {
  s.os.idle_wakeup_latency = {{100 * kMicrosecond, sim::Dist::constant(50 * kMicrosecond)},
                              {kMillisecond, sim::Dist::constant(200 * kMicrosecond)}};
}

/// One thread on one core: 1 ms of native work, a sleep of `nap`, 1 ms more.
sim::Time finish_after_nap(sim::Time nap) {
  Scenario s = exact_scenario("3.11", 1, L);
  idle_table(s);
  s.groups.push_back(group("t", 1,
                           {step(StepKind::Native, kMillisecond), step(StepKind::Sleep, nap),
                            step(StepKind::Native, kMillisecond)}));
  sim::Simulator sim(1);
  World world(sim, s);
  world.run();
  return world.thread(0).finish_time();
}
}  // namespace

TEST_CASE("a thread woken onto a CPU that idled longer waits for the deeper idle state",
          "[models][os][idle]") {
  // It starts at L (the CPU had not idled at all), sleeps from 1 ms + L; its CPU idles as
  // long as the nap, and the wake-up costs the latency of the last row the nap reaches.
  CHECK(finish_after_nap(50 * kMicrosecond) == 2 * kMillisecond + L + 50 * kMicrosecond + L);
  CHECK(finish_after_nap(500 * kMicrosecond) ==
        2 * kMillisecond + L + 500 * kMicrosecond + 50 * kMicrosecond);
  CHECK(finish_after_nap(5 * kMillisecond) ==
        2 * kMillisecond + L + 5 * kMillisecond + 200 * kMicrosecond);
}

TEST_CASE("a woken thread goes back to the idle CPU it last ran on", "[models][os][idle]") {
  // Two cores, both idle when b wakes: CPU 0 (a's) has idled 3 ms, CPU 1 (b's) 2 ms. b goes
  // back to CPU 1, in the shallow state (L); CPU 0 would have cost the 2.5 ms row.
  Scenario s = exact_scenario("3.11", 2, L);
  s.os.idle_wakeup_latency = {{2500 * kMicrosecond, sim::Dist::constant(300 * kMicrosecond)}};
  s.groups.push_back(group(
      "a", 1, {step(StepKind::Native, kMillisecond), step(StepKind::Sleep, 10 * kMillisecond)}));
  s.groups.push_back(
      group("b", 1,
            {step(StepKind::Native, 2 * kMillisecond), step(StepKind::Sleep, 2 * kMillisecond),
             step(StepKind::Native, kMillisecond)}));
  sim::Simulator sim(1);
  World world(sim, s);
  world.run();
  CHECK(world.thread(1).finish_time() == 5 * kMillisecond + 2 * L);
}

TEST_CASE("without an idle table every wake-up costs the wake-up latency", "[models][os][idle]") {
  Scenario s = exact_scenario("3.11", 1, L);
  s.groups.push_back(
      group("t", 1,
            {step(StepKind::Native, kMillisecond), step(StepKind::Sleep, 5 * kMillisecond),
             step(StepKind::Native, kMillisecond)}));
  sim::Simulator sim(1);
  World world(sim, s);
  world.run();
  CHECK(world.thread(0).finish_time() == 7 * kMillisecond + 2 * L);
}
