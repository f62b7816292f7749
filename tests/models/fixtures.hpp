// Helpers for model tests: scenarios with constant latencies, so timelines can be worked out
// by hand, and an observer that records who held the GIL when.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "models/gil/versions.hpp"
#include "models/observer.hpp"
#include "models/scenario.hpp"
#include "models/world.hpp"
#include "sim/simulator.hpp"

namespace gilsim::testing {

using namespace gilsim::models;
namespace sim = gilsim::sim;
using sim::kMicrosecond;
using sim::kMillisecond;
using sim::kSecond;

/// A scenario on `cores` cores with exact, constant costs: wake-up latency `wake`, no context
/// switch cost, no timer slack, drop requests noticed at once (check_gap 0).
inline Scenario exact_scenario(const std::string& version, int cores, sim::Time wake) {
  Scenario s;
  s.name = "test";
  s.machine.cores = cores;
  s.os.wakeup_latency = sim::Dist::constant(wake);
  s.os.context_switch = 0;
  s.os.timer_slack = sim::Dist::constant(0);
  s.gil = *gil_defaults(version);
  s.gil.check_gap = 0;
  return s;
}

inline Step step(StepKind kind, sim::Time d) {
  Step s;
  s.kind = kind;
  s.duration = sim::Dist::constant(d);
  return s;
}

inline Step repeat(std::int64_t times, Program body) {
  Step s;
  s.kind = StepKind::Repeat;
  s.times = times;
  s.body = std::move(body);
  return s;
}

inline ThreadGroup group(const std::string& name, int count, Program program, sim::Time start = 0) {
  ThreadGroup g;
  g.name = name;
  g.count = count;
  g.program = std::move(program);
  g.start = sim::Dist::constant(start);
  return g;
}

/// The convoy's I/O thread: `calls` times a 1 ms blocking call then 50 us of Python, from 1 ms.
inline ThreadGroup convoy_io_group(std::int64_t calls) {
  return group("io", 1,
               {repeat(calls, {step(StepKind::Io, 1 * kMillisecond),
                               step(StepKind::Cpu, 50 * kMicrosecond)})},
               1 * kMillisecond);
}

/// Records GIL acquisitions and releases in order.
struct GilTimeline : Observer {
  struct Change {
    sim::Time at;
    ThreadId thread;
    bool acquired;
  };
  std::vector<Change> changes;
  void on_gil(sim::Time at, ThreadId thread, bool acquired) override {
    changes.push_back({at, thread, acquired});
  }
  /// The acquisitions only, as (time, thread).
  std::vector<std::pair<sim::Time, ThreadId>> acquisitions() const {
    std::vector<std::pair<sim::Time, ThreadId>> out;
    for (const Change& c : changes) {
      if (c.acquired) out.emplace_back(c.at, c.thread);
    }
    return out;
  }
};

/// A scenario run to the end with its GIL timeline recorded.
struct ObservedRun {
  explicit ObservedRun(Scenario scenario, std::uint64_t seed = 1)
      : s(std::move(scenario)), sim(seed), world(sim, s) {
    world.observe(timeline);
    result = world.run();
  }
  Scenario s;
  sim::Simulator sim;
  World world;
  GilTimeline timeline;
  RunResult result;
};

}  // namespace gilsim::testing
