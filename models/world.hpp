// One run, assembled: the machine and OS scheduler, the interpreter's GIL and the Python
// threads, wired together by ids. World is the GIL's host and the scheduler's client; it
// owns every model of the run and nothing outlives it.
#pragma once

#include <memory>
#include <vector>

#include "models/gil/gil.hpp"
#include "models/observer.hpp"
#include "models/os_scheduler.hpp"
#include "models/py_thread.hpp"
#include "models/result.hpp"
#include "models/scenario.hpp"

namespace gilsim::models {

class World final : private GilHost, private OsScheduler::Client, private Observer {
 public:
  World(sim::Simulator& sim, const Scenario& scenario);
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  /// Runs to the scenario's stop time (or until every thread has finished) and reports.
  RunResult run();
  /// The parts of run(), for tests that step the simulator themselves: schedules the threads'
  /// starts; then, after the simulator has run, computes the result as of now.
  void start();
  RunResult collect();
  /// Attaches an observer (not owned; it must outlive the run).
  void observe(Observer& observer);

  const GilPolicy& gil() const { return *gil_; }
  OsScheduler& os() { return *os_; }
  PyThread& thread(ThreadId t) { return *threads_[t]; }

 private:
  // GilHost
  sim::Simulator& sim() override { return sim_; }
  sim::Rng& rng(ThreadId t) override { return rngs_[t]; }
  void block(ThreadId t) override { os_->block(t, TimeCat::GilWait); }
  void wake(ThreadId t, ThreadId waker) override { os_->wake(t, waker); }
  void run_sys(ThreadId t, std::int64_t work) override { os_->run_burst(t, TimeCat::Sys, work); }
  void done(ThreadId t) override { threads_[t]->gil_done(); }
  void request_check(ThreadId t, std::int64_t within) override {
    threads_[t]->request_check(within);
  }
  void reset_check(ThreadId t, std::int64_t after) override { threads_[t]->reset_check(after); }
  bool is_running(ThreadId t) const override { return os_->running(t); }
  CpuId cpu_of(ThreadId t) const override { return os_->cpu_of(t); }
  sim::Time timer_slack(ThreadId t) override { return os_->timer_slack(t); }
  sim::EventId arm_timer(ThreadId t, sim::LaneId lane, sim::Time deadline_in,
                         sim::Callback fire) override {
    return os_->arm_timer(t, lane, deadline_in, os_->timer_slack(t), fire);
  }
  void cancel_timer(sim::EventId& id) override { os_->cancel_timer(id); }
  void gil_changed(ThreadId t, bool acquired) override {
    for (Observer* o : observers_) o->on_gil(sim_.now(), t, acquired);
  }
  void gil_event(ThreadId t, GilEvent event) override {
    for (Observer* o : observers_) o->on_gil_event(sim_.now(), t, event);
  }
  // Observer (fan-out of the scheduler's reports)
  void on_thread_state(sim::Time at, ThreadId t, TimeCat cat, CpuId cpu) override {
    for (Observer* o : observers_) o->on_thread_state(at, t, cat, cpu);
  }
  void on_woken(sim::Time at, ThreadId t) override {
    for (Observer* o : observers_) o->on_woken(at, t);
  }
  void on_exit(sim::Time at, ThreadId t) override {
    for (Observer* o : observers_) o->on_exit(at, t);
    if (group_of_[t] == stop_group_ &&
        ++stop_group_done_ == scenario_.groups[std::size_t(stop_group_)].count) {
      sim_.halt();
    }
  }
  // OsScheduler::Client
  void on_running(ThreadId t) override { threads_[t]->on_running(); }
  void on_burst_done(ThreadId t) override { threads_[t]->on_burst_done(); }

  sim::Simulator& sim_;
  const Scenario& scenario_;
  std::vector<std::vector<Instr>> code_;  // per group
  std::vector<int> group_of_;             // per thread
  std::vector<ThreadId> first_of_;        // per group: its first thread
  std::vector<sim::Time> starts_;         // per thread: start offset
  std::vector<sim::Rng> rngs_;            // per thread, stream "thread/<group>/<index>"
                                          // (its step durations: ".../program")
  std::unique_ptr<OsScheduler> os_;
  std::unique_ptr<GilPolicy> gil_;
  std::vector<std::unique_ptr<PyThread>> threads_;
  std::vector<Observer*> observers_;
  bool started_ = false;
  int stop_group_ = -1;      // scenario.stop_after's group
  int stop_group_done_ = 0;  // its threads that have finished
  RunResult result_;
};

/// Builds a World for the scenario with the given seed and runs it (reporting to `observer`,
/// if one is given). Replica k > 0 runs the same work (the same step durations) with the
/// machine's, OS's and GIL's randomness drawn afresh: the simulated counterpart of running a
/// program again.
RunResult simulate(const Scenario& scenario, std::uint64_t seed, Observer* observer = nullptr,
                   std::uint64_t replica = 0);

}  // namespace gilsim::models
