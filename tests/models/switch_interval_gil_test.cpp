// Hand-worked timelines for the switch-interval GIL (3.2+), with constant costs: wake-up
// latency L = 20 us, no context-switch cost, drop requests noticed at once, interval I = 5 ms.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;
constexpr sim::Time I = 5 * kMillisecond;

/// Three CPU-bound threads on two cores; the futex queue is FIFO.
Scenario three_cpu_threads(double requester_wins) {
  Scenario s = exact_scenario("3.11", 2, L);
  s.gil.waiter_choice = WaiterChoice::Fifo;
  s.gil.requester_wins = requester_wins;
  s.groups.push_back(group("cpu", 3, {step(StepKind::Cpu, 40 * kMillisecond)}));
  return s;
}
}  // namespace

TEST_CASE("two CPU-bound threads hand the GIL over every interval plus three wake-ups",
          "[models][gil][switch]") {
  // A (thread 0) takes the GIL at L. B waits I, wakes (L), posts a drop request; A drops at
  // once and waits on switch_cond; B, signalled, wakes (L) and takes it: at L+I+2L. Then A,
  // woken by the switch, re-waits from +L: its request comes I+L later and B hands over one L
  // after that. So the holder changes every I + 3L... minus one L the first time.
  Scenario s = exact_scenario("3.11", 2, L);
  s.groups.push_back(group("cpu", 2, {step(StepKind::Cpu, 20 * kMillisecond)}));
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  REQUIRE(acq.size() >= 5);
  CHECK(acq[0] == std::pair<sim::Time, ThreadId>{L, 0});
  CHECK(acq[1] == std::pair<sim::Time, ThreadId>{L + I + 2 * L, 1});
  CHECK(acq[2] == std::pair<sim::Time, ThreadId>{L + 2 * (I + 3 * L) - L, 0});
  CHECK(acq[3] == std::pair<sim::Time, ThreadId>{L + 3 * (I + 3 * L) - L, 1});
  CHECK(acq[4] == std::pair<sim::Time, ThreadId>{L + 4 * (I + 3 * L) - L, 0});
  // Every forced switch was requested, and each request produced exactly one switch; the
  // other two switches are A's first acquisition and B's when A finishes.
  CHECK(run.result.gil.drop_requests == run.result.gil.forced_switches);
  CHECK(run.result.gil.switches == run.result.gil.drop_requests + 2);
  // The work is done once, serially, plus the hand-off gaps: no speedup.
  CHECK(run.result.speedup() < 1.0);
  CHECK(run.result.speedup() > 0.98);
}

TEST_CASE("without forced switching the holder re-takes the GIL it just dropped",
          "[models][gil][switch]") {
  // The 3.2 problem FORCE_SWITCHING cured: the dropper barges back in before the signalled
  // waiter is scheduled, so B only gets the GIL when A finishes.
  Scenario s = exact_scenario("3.11", 2, L);
  s.gil.force_switching = false;
  s.groups.push_back(group("cpu", 2, {step(StepKind::Cpu, 20 * kMillisecond)}));
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  REQUIRE(acq.size() >= 2);
  for (std::size_t i = 0; i + 1 < acq.size(); ++i) CHECK(acq[i].second == 0);
  CHECK(acq.back().second == 1);
  CHECK(run.world.thread(1).finish_time() - run.world.thread(0).finish_time() > 19 * kMillisecond);
  CHECK(run.result.gil.drop_requests >= 3);
  CHECK(run.result.gil.switches == 2);
}

TEST_CASE("an I/O thread next to a CPU thread gets the GIL back one interval plus 3L later",
          "[models][gil][switch][convoy]") {
  // After each blocking call the I/O thread wakes (L), finds the GIL taken and waits I; its
  // timeout wakes it (L) to post a drop request; the CPU thread drops at once and signals it;
  // it wakes (L) and takes the GIL: I + 3L after the call ended, every time.
  for (sim::Time interval : {1 * kMillisecond, 5 * kMillisecond, 20 * kMillisecond}) {
    Scenario s = exact_scenario("3.11", 2, L);
    s.gil.switch_interval = interval;
    s.groups.push_back(group("cpu", 1, {step(StepKind::Cpu, 500 * kMillisecond)}));
    s.groups.push_back(convoy_io_group(5));
    const RunResult r = simulate(s, 1);
    const sim::Histogram& resume = r.groups[1].io_resume;
    INFO("interval " << interval);
    CHECK(resume.count() == 5);
    CHECK(resume.min() == interval + 3 * L);
    CHECK(resume.max() == interval + 3 * L);
  }
}

TEST_CASE("a GIL wait times out timer_slack after the interval, as a sleep does",
          "[models][gil][switch][convoy]") {
  // The timed wait is a futex with an hrtimer: with 50 us of slack, the I/O thread of the
  // convoy gets the GIL back I + slack + 3L after each call.
  const sim::Time slack = 50 * kMicrosecond;
  Scenario s = exact_scenario("3.11", 2, L);
  s.os.timer_slack = sim::Dist::constant(slack);
  s.groups.push_back(group("cpu", 1, {step(StepKind::Cpu, 500 * kMillisecond)}));
  s.groups.push_back(convoy_io_group(5));
  const RunResult r = simulate(s, 1);
  CHECK(r.groups[1].io_resume.count() == 5);
  CHECK(r.groups[1].io_resume.min() == I + slack + 3 * L);
  CHECK(r.groups[1].io_resume.max() == I + slack + 3 * L);
}

TEST_CASE("an I/O thread alone gets the GIL back after one wake-up", "[models][gil][switch]") {
  Scenario s = exact_scenario("3.11", 2, L);
  s.groups.push_back(group(
      "io", 1,
      {repeat(5, {step(StepKind::Io, 1 * kMillisecond), step(StepKind::Cpu, 50 * kMicrosecond)})}));
  const RunResult r = simulate(s, 1);
  CHECK(r.groups[0].io_resume.max() == L);
  CHECK(r.gil.drop_requests == 0);
}

TEST_CASE("a long C call is never interrupted: the waiter waits for all of it",
          "[models][gil][switch]") {
  // A takes the GIL at L and enters a 300 ms C call at once. B's drop request (at L+I+L) is
  // noticed only when the call returns; B gets the GIL L after that.
  Scenario s = exact_scenario("3.11", 2, L);
  s.groups.push_back(
      group("caller", 1,
            {step(StepKind::CCall, 300 * kMillisecond), step(StepKind::Cpu, 1 * kMillisecond)}));
  s.groups.push_back(group("waiter", 1, {step(StepKind::Cpu, 1 * kMillisecond)}));
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  REQUIRE(acq.size() >= 2);
  CHECK(acq[0] == std::pair<sim::Time, ThreadId>{L, 0});
  CHECK(acq[1] == std::pair<sim::Time, ThreadId>{L + 300 * kMillisecond + L, 1});
}

TEST_CASE("the holder notices a drop request within the check gap", "[models][gil][switch]") {
  // With check points 1 ms of bytecode apart, the drop comes up to 1 ms after the request.
  Scenario s = exact_scenario("3.11", 2, L);
  s.gil.check_gap = 1 * kMillisecond;
  s.groups.push_back(group("cpu", 2, {step(StepKind::Cpu, 200 * kMillisecond)}));
  ObservedRun run(s, 7);
  bool some_late = false;
  const auto& ch = run.timeline.changes;
  for (std::size_t i = 1; i + 1 < ch.size(); ++i) {
    // A release followed by the next acquisition: the gap is the waiter's wake-up, L.
    if (!ch[i].acquired && ch[i + 1].acquired) CHECK(ch[i + 1].at - ch[i].at == L);
  }
  const auto acq = run.timeline.acquisitions();
  // Runs between acquisitions, leaving out the last (the survivor after the other finished).
  for (std::size_t i = 2; i + 1 < acq.size(); ++i) {
    const sim::Time run = acq[i].first - acq[i - 1].first;
    CHECK(run >= I + 3 * L);
    CHECK(run <= I + 3 * L + 1 * kMillisecond);
    some_late = some_late || run > I + 3 * L + 100 * kMicrosecond;
  }
  CHECK(some_late);
}

TEST_CASE("with three CPU-bound threads the futex queue hands the GIL to the longest waiter",
          "[models][gil][switch]") {
  // The poster of each drop request is the thread that held the GIL before the current holder
  // (its wait began after the last switch, so only its timeout finds switch_number unchanged);
  // it has just re-queued, so FIFO wakes the third thread: the threads take turns.
  const Scenario s = three_cpu_threads(0);
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  REQUIRE(acq.size() >= 12);
  for (std::size_t i = 0; i < 12; ++i) CHECK(acq[i].second == ThreadId(i % 3));
}

TEST_CASE("when the poster of a drop request always takes the signal, the third thread starves",
          "[models][gil][switch]") {
  // requester_wins = 1: glibc lets a waiter that has not gone back to sleep consume a signal.
  // The two threads that alternate are always the posters; the third only runs once one of them
  // has finished.
  const Scenario s = three_cpu_threads(1);
  ObservedRun run(s);
  const auto acq = run.timeline.acquisitions();
  const sim::Time first_exit =
      std::min(run.world.thread(0).finish_time(), run.world.thread(1).finish_time());
  REQUIRE(acq.size() >= 10);
  for (const auto& [at, thread] : acq) {
    if (thread == 2) CHECK(at >= first_exit);
  }
  for (std::size_t i = 0; i + 1 < 8; ++i) CHECK(acq[i].second == ThreadId(i % 2));
}

TEST_CASE("forced switches are counted by who took over: the requester, back, or another thread",
          "[models][gil][switch]") {
  auto total = [](const ForcedSwitchWinners& w) { return w.requester + w.back + w.other; };
  SECTION("taking turns, every switch goes to a third thread") {
    ObservedRun run(three_cpu_threads(0));
    const GilStats& g = run.result.gil;
    REQUIRE(g.forced_switches >= 10);
    // All but the first: the two waiters started together, and the one that posts the request
    // is also the longest waiter.
    CHECK(g.from_other_cpu.other + g.from_holder_cpu.other == g.forced_switches - 1);
    CHECK(g.from_other_cpu.requester + g.from_holder_cpu.requester == 1);
  }
  SECTION("when the poster always takes the signal, every switch goes to it") {
    ObservedRun run(three_cpu_threads(1));
    const GilStats& g = run.result.gil;
    REQUIRE(g.forced_switches >= 10);
    CHECK(g.from_other_cpu.requester + g.from_holder_cpu.requester == g.forced_switches);
  }
  SECTION("every forced switch is counted once, under the CPU its requester posted from") {
    ObservedRun run(three_cpu_threads(0.5));
    const GilStats& g = run.result.gil;
    CHECK(total(g.from_other_cpu) + total(g.from_holder_cpu) + total(g.no_request) ==
          g.forced_switches);
    // The holder runs on one of the two CPUs and the waiter that times out takes the idle one.
    CHECK(total(g.from_other_cpu) == g.forced_switches);
    // The requester is always the holder before the current one, so "back" is never counted
    // apart from it: the race decides between the requester and the third thread.
    CHECK(g.from_other_cpu.back == 0);
    CHECK(g.from_other_cpu.requester > 0);
    CHECK(g.from_other_cpu.other > 0);
  }
}
