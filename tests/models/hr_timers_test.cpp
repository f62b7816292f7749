// Timer coalescing: timers of one CPU already past their deadline fire with the next one due.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "models/hr_timers.hpp"

using gilsim::models::HrTimers;
namespace sim = gilsim::sim;

namespace {
/// Which timer fired when.
struct Log {
  sim::Simulator sim{1};
  sim::LaneId lane = sim.add_lane();
  std::vector<std::pair<int, sim::Time>> fired;
  sim::Callback note(int k) {
    return [this, k] { fired.emplace_back(k, sim.now()); };
  }
};
using Fired = std::vector<std::pair<int, sim::Time>>;
}  // namespace

namespace Catch {
template <>
struct StringMaker<std::pair<int, sim::Time>> {
  static std::string convert(const std::pair<int, sim::Time>& p) {
    return "timer " + std::to_string(p.first) + " at " + std::to_string(p.second);
  }
};
}  // namespace Catch

TEST_CASE("timers of one CPU whose deadlines have passed fire with the first one due",
          "[models][os][timers]") {
  // Deadline 100, slack 50: due at 150. Timer 1 (deadline 120, same CPU) fires with it;
  // timer 2 (deadline 120, the other CPU) at its own 170; timer 3 (deadline 160) is not due
  // at 150 and fires at 210.
  Log log;
  HrTimers timers(log.sim, 2, true);
  timers.arm(0, log.lane, 100, 50, log.note(0));
  timers.arm(0, log.lane, 120, 50, log.note(1));
  timers.arm(1, log.lane, 120, 50, log.note(2));
  timers.arm(0, log.lane, 160, 50, log.note(3));
  log.sim.run_until(sim::kNever);
  CHECK(log.fired == Fired{{0, 150}, {1, 150}, {2, 170}, {3, 210}});
}

TEST_CASE("without coalescing every timer fires at its deadline plus its slack",
          "[models][os][timers]") {
  Log log;
  HrTimers timers(log.sim, 2, false);
  timers.arm(0, log.lane, 100, 50, log.note(0));
  timers.arm(0, log.lane, 120, 50, log.note(1));
  log.sim.run_until(sim::kNever);
  CHECK(log.fired == Fired{{0, 150}, {1, 170}});
}

namespace {
struct Rearm {
  Log* log;
  HrTimers* timers;
  void operator()() const {
    log->fired.emplace_back(2, log->sim.now());
    timers->arm(0, log->lane, 20, 5, log->note(3));
  }
};
}  // namespace

TEST_CASE("a cancelled timer neither fires nor rides along, and one armed meanwhile waits its turn",
          "[models][os][timers]") {
  Log log;
  HrTimers timers(log.sim, 1, true);
  timers.arm(0, log.lane, 100, 50, log.note(0));
  sim::EventId cancelled = timers.arm(0, log.lane, 110, 50, log.note(1));
  log.sim.cancel(cancelled);
  // Timer 2 (due at 140) fires first and takes timer 0 (deadline 100, due 150) along, in the
  // order they were due; it arms timer 3 (deadline 160, due 165), which fires on its own.
  timers.arm(0, log.lane, 140, 0, Rearm{&log, &timers});
  log.sim.run_until(sim::kNever);
  CHECK(log.fired == Fired{{2, 140}, {0, 140}, {3, 165}});
}

namespace {
/// CPU 0 idle, CPU 1 busy.
struct FirstIdle final : HrTimers::CpuState {
  bool cpu_idle(gilsim::models::CpuId cpu) const override { return cpu == 0; }
};
}  // namespace

TEST_CASE("a timer due on an idle CPU comes late by the delay, and one on a busy CPU on time",
          "[models][os][timers]") {
  Log log;
  FirstIdle state;
  sim::Rng rng(1, "timers");
  HrTimers timers(log.sim, 2, false, {1.0, sim::Dist::constant(400)}, &state);
  timers.arm(0, log.lane, 100, 50, log.note(0), &rng);
  timers.arm(1, log.lane, 100, 50, log.note(1), &rng);
  log.sim.run_until(sim::kNever);
  CHECK(log.fired == Fired{{1, 150}, {0, 550}});
}

TEST_CASE("cancelling a timer whose late interrupt is in flight stops it", "[models][os][timers]") {
  Log log;
  FirstIdle state;
  sim::Rng rng(1, "timers");
  HrTimers timers(log.sim, 2, false, {1.0, sim::Dist::constant(400)}, &state);
  sim::EventId late = timers.arm(0, log.lane, 100, 50, log.note(0), &rng);
  log.sim.at(300, [] {});
  log.sim.run_until(300);  // past the deadline: the interrupt is on its way
  CHECK(log.fired.empty());
  timers.cancel(late);
  CHECK_FALSE(late);
  log.sim.run_until(sim::kNever);
  CHECK(log.fired.empty());
}

TEST_CASE("timers of an idle CPU due at one instant share their interrupt's lateness",
          "[models][os][timers]") {
  // Chance one half: whatever the first timer draws, the second, due at the same instant on
  // the same CPU, comes with it.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Log log;
    FirstIdle state;
    sim::Rng rng(seed, "timers");
    HrTimers timers(log.sim, 2, true, {0.5, sim::Dist::uniform(100, 900)}, &state);
    timers.arm(0, log.lane, 100, 50, log.note(0), &rng);
    timers.arm(0, log.lane, 120, 30, log.note(1), &rng);
    log.sim.run_until(sim::kNever);
    REQUIRE(log.fired.size() == 2);
    CHECK(log.fired[0].second == log.fired[1].second);
  }
}
