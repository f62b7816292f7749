// The timeline of one run as CSV, for users who want to see *why* (and for plots): one row per
// change of a thread's state and per GIL acquisition or release, in event order.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "models/observer.hpp"
#include "models/scenario.hpp"

namespace gilsim::app {

class TraceWriter final : public models::Observer {
 public:
  explicit TraceWriter(const models::Scenario& scenario);

  void on_thread_state(sim::Time at, models::ThreadId thread, models::TimeCat cat,
                       models::CpuId cpu) override;
  void on_gil(sim::Time at, models::ThreadId thread, bool acquired) override;
  void on_gil_event(sim::Time at, models::ThreadId thread, models::GilEvent event) override;
  void on_woken(sim::Time at, models::ThreadId thread) override;
  void on_exit(sim::Time at, models::ThreadId thread) override;

  /// The CSV text: `time_s,thread,event,cpu`, where thread is `group/index`, event is a state
  /// (`cpu`, `native`, `sys`, `io`, `gil_wait`, `cpu_wait`), `acquired_gil` or `released_gil`,
  /// `gil_timeout` or `forced_switch` (GilEvent), `woken` (runnable again, not yet on a CPU),
  /// or `done` when the thread has finished, and
  /// cpu is the logical CPU the thread is on after the row (empty when it is on none).
  std::string text() const;

 private:
  struct Row {
    sim::Time at;
    models::ThreadId thread;
    const char* event;
    models::CpuId cpu;
  };
  void row(sim::Time at, models::ThreadId thread, const char* event);

  std::vector<std::string> names_;   // per thread
  std::vector<models::CpuId> cpus_;  // per thread: the CPU it is on now, or kNoCpu
  std::vector<Row> rows_;            // as reported: a few are back-dated (a context switch)
};

}  // namespace gilsim::app
