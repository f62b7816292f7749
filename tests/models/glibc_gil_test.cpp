// The switch-interval GIL over glibc's condition variable and the GIL's mutex (condvar: glibc),
// with constant costs: wake-up latency L = 20 us, interval I = 5 ms, drop requests noticed at
// once; a waiter back from its wait holds the mutex H (after R to reach take_gil's check, 0
// unless said), falls asleep E after registering, and the holder reaches drop_gil's mutex D
// after noticing a request; a futex_wake that wakes a sleeper costs 2 us, with the mutex held.
#include <catch2/catch.hpp>

#include "fixtures.hpp"
#include "models/world.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time L = 20 * kMicrosecond;
constexpr sim::Time I = 5 * kMillisecond;

Scenario glibc_scenario(sim::Time hold, sim::Time entry, sim::Time drop) {
  Scenario s = exact_scenario("3.11", 2, L);
  s.gil.condvar = CondvarModel::Glibc;
  s.gil.mutex_hold = sim::Dist::constant(hold);
  s.gil.sleep_entry = sim::Dist::constant(entry);
  s.gil.drop_entry = sim::Dist::constant(drop);
  s.gil.wake_syscall = sim::Dist::constant(2 * kMicrosecond);
  return s;
}

std::uint64_t total(const ForcedSwitchWinners& w) {
  return w.requester + w.back + w.other;
}

/// The convoy of the tests below: one CPU thread, an I/O thread making 5 calls, H = 1 us,
/// E = 5 us, D = 3 us and a return path of R to take_gil's check. Each call resumes after the
/// interval, two wake-ups, R + H + E and the 2 us switch_cond signal, the holder never blocking.
void check_convoy_resumes(sim::Time R) {
  const sim::Time H = 1 * kMicrosecond, E = 5 * kMicrosecond, D = 3 * kMicrosecond;
  Scenario s = glibc_scenario(H, E, D);
  s.gil.request_delay = sim::Dist::constant(R);
  s.groups.push_back(group("cpu", 1, {step(StepKind::Cpu, 500 * kMillisecond)}));
  s.groups.push_back(convoy_io_group(5));
  const RunResult r = simulate(s, 1);
  const sim::Histogram& resume = r.groups[1].io_resume;
  CHECK(resume.count() == 5);
  const sim::Time W = 2 * kMicrosecond;
  CHECK(resume.min() == I + 2 * L + R + H + E + W);
  CHECK(resume.max() == I + 2 * L + R + H + E + W);
  CHECK(total(r.gil.mutex_blocked) == 0);
}
}  // namespace

TEST_CASE(
    "over glibc's condvar the convoy's I/O thread waits an interval, two wake-ups and its "
    "lock code",
    "[models][gil][glibc][convoy]") {
  // The I/O thread wakes (L), registers its wait; its timeout wakes it (L); it posts the request,
  // holds the mutex H, registers again and is on its way to its futex for E. The CPU thread
  // drops D after the request, with the mutex free, and signals while the I/O thread is still
  // awake: the I/O thread takes that signal itself when it looks, H + E after posting, and goes
  // on once it has signalled switch_cond to release the CPU thread (2 us).
  check_convoy_resumes(0);
}

TEST_CASE(
    "a timed-out waiter posts its drop request only once back at take_gil's check, and the "
    "convoy's I/O thread resumes that much later",
    "[models][gil][glibc][convoy]") {
  // As above, but the I/O thread's return path to take_gil's check takes R = 4 us with the
  // mutex held: the request, and everything after it, comes R later. Posted at the return
  // instead, the CPU thread would reach the mutex D after it, while the I/O thread still held
  // it, and block.
  check_convoy_resumes(4 * kMicrosecond);
}

TEST_CASE("a requester still on its way to its futex takes the holder's signal, asleep it does not",
          "[models][gil][glibc]") {
  // The holder signals D = 3 us after the request, with the mutex free (H = 1 us). With E = 5 us
  // the requester is still awake and takes the signal itself, unless the sleeper the signal
  // woke gets a CPU and looks first; with E = 1 us it is asleep by then and the signal goes to
  // the group's longest sleeper, never to it. Started 1 ms apart, no two timeouts coincide.
  auto races = [](sim::Time entry) {
    Scenario s = glibc_scenario(1 * kMicrosecond, entry, 3 * kMicrosecond);
    s.os.wakeup_granularity = 0;  // EEVDF's rule, the scenario default
    for (int i = 0; i < 3; ++i) {
      s.groups.push_back(group("cpu" + std::to_string(i), 1,
                               {step(StepKind::Cpu, 40 * kMillisecond)}, i * kMillisecond));
    }
    return simulate(s, 1).gil;
  };
  const GilStats awake = races(5 * kMicrosecond);
  const GilStats asleep = races(1 * kMicrosecond);
  REQUIRE(total(awake.from_other_cpu) >= 10);
  REQUIRE(total(asleep.from_other_cpu) >= 10);
  CHECK(awake.from_other_cpu.requester > total(awake.from_other_cpu) / 2);
  CHECK(asleep.from_other_cpu.requester == 0);
  CHECK(total(awake.mutex_blocked) + total(asleep.mutex_blocked) == 0);
}

TEST_CASE("a holder that finds the requester holding the mutex blocks and signals too late for it",
          "[models][gil][glibc]") {
  // The holder reaches the mutex D = 1 us after the request, while the requester holds it for
  // H = 10 us; on its way to the mutex's futex (E = 2 us) it sees no release and sleeps, so the
  // release must wake it (L). By then the requester has been asleep for L - E: the signal wakes
  // the group's longest sleeper, the third thread, and the threads take turns.
  Scenario s = glibc_scenario(10 * kMicrosecond, 2 * kMicrosecond, 1 * kMicrosecond);
  s.groups.push_back(group("cpu", 3, {step(StepKind::Cpu, 40 * kMillisecond)}));
  ObservedRun run(s);
  const GilStats& g = run.result.gil;
  REQUIRE(total(g.from_other_cpu) >= 10);
  CHECK(total(g.mutex_blocked) == total(g.from_other_cpu));
  CHECK(g.mutex_blocked.requester == 0);
  const auto acq = run.timeline.acquisitions();
  REQUIRE(acq.size() >= 12);
  for (std::size_t i = 1; i < 12; ++i) CHECK(acq[i].second != acq[i - 1].second);
}

TEST_CASE(
    "a requester whose unlock wakes the blocked holder is awake through that system call and "
    "takes the signal the holder sends meanwhile",
    "[models][gil][glibc]") {
  // As above (D = 1 us, H = 10 us, E = 2 us): the holder sleeps on the mutex, and the
  // requester's unlock is a futex_wake that wakes it, a system call of W. The holder runs L
  // after the unlock and signals at once. With W = 30 us > L the requester is still in that
  // call: it looks once back and takes the signal itself, so the GIL goes back and forth
  // between two threads (the requester is always the last dropper, the one waiter whose wait
  // saw no switch). With W = 2 us it is asleep by then, and the threads take turns.
  auto holders = [](sim::Time w) {
    Scenario s = glibc_scenario(10 * kMicrosecond, 2 * kMicrosecond, 1 * kMicrosecond);
    s.gil.wake_syscall = sim::Dist::constant(w);
    s.groups.push_back(group("cpu", 3, {step(StepKind::Cpu, 40 * kMillisecond)}));
    ObservedRun run(s);
    return run.timeline.acquisitions();
  };
  const auto slow = holders(30 * kMicrosecond);
  const auto fast = holders(2 * kMicrosecond);
  REQUIRE(slow.size() >= 12);
  REQUIRE(fast.size() >= 12);
  for (std::size_t i = 2; i < 12; ++i) {
    CHECK(slow[i].second != slow[i - 1].second);
    CHECK(slow[i].second == slow[i - 2].second);
    CHECK(fast[i].second != fast[i - 2].second);
  }
}

TEST_CASE("over glibc's condvar CPU-bound threads still gain nothing from a second core",
          "[models][gil][glibc]") {
  Scenario s = glibc_scenario(1 * kMicrosecond, 2 * kMicrosecond, 1 * kMicrosecond);
  s.groups.push_back(group("cpu", 4, {step(StepKind::Cpu, 50 * kMillisecond)}));
  const RunResult r = simulate(s, 1);
  CHECK(r.speedup() < 1.0);
  CHECK(r.speedup() > 0.95);
}
