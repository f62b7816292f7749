// The "new GIL" of CPython 3.2 and later GIL builds (Python/ceval_gil.c).
//
// Notes about the model, transcribed from take_gil/drop_gil:
// - The GIL is a boolean `locked` plus `last_holder` and `switch_number`, which counts changes
//   of holder. There is no queue: a thread calling take_gil while the GIL is free takes it at
//   once, even if another thread was just signalled ("barging").
// - A thread finding it locked waits on `cond` with a timeout of `switch_interval`, restarted
//   on every wake-up (the timeout, a futex hrtimer, fires `timer_slack` late, as a sleep's
//   does). If the wait timed out, the GIL is still locked and switch_number has not
//   moved, it posts a drop request; in every case it loops. A wake-up needs the OS: the waiter
//   re-checks only once it is back on a CPU (wake-up latency, run queue).
// - The holder notices a drop request at its next eval-breaker check point: within
//   `check_gap` of bytecode (uniformly placed), or when a C call returns; a long C call is
//   never interrupted. It then drops the GIL and immediately calls take_gil again.
// - drop_gil signals one waiter of `cond`: the one that posted the pending request with
//   probability `requester_wins` (glibc lets a waiter not yet asleep consume the signal) if it
//   posted from another CPU than the dropper's (on the same CPU the holder ran again only once
//   the requester had gone back to sleep: kernel traces show it never wins there), else
//   the one the futex queue gives (WaiterChoice; FIFO by default); with
//   `requester_persistence` the chance depends on who won the previous race. With FORCE_SWITCHING,
//   a thread dropping while a request is pending (also before a blocking call) clears it and waits
//   on `switch_cond` until another thread has taken the GIL, so it cannot re-grab it.
// - A blocking call with no pending request releases without any hand-off.
// 3.13 moved the request bit to the holder's thread state; the behaviour modelled is the same.
#pragma once

#include <vector>

#include "models/gil/gil.hpp"
#include "models/gil/waiter_set.hpp"

namespace gilsim::models {

class SwitchIntervalGil final : public GilPolicy {
 public:
  SwitchIntervalGil(const GilSpec& spec, GilHost& host, int threads);

  bool take(ThreadId t) override;
  bool drop(ThreadId t, bool final) override;
  bool check_point(ThreadId t) override;
  void on_running(ThreadId t) override;
  void on_sys_done(ThreadId t) override;
  const GilStats& stats() const override { return stats_; }

  bool locked() const { return locked_; }
  ThreadId holder() const { return holder_; }
  bool drop_requested() const { return drop_request_; }

 private:
  enum class Phase : std::uint8_t { Idle, Cond, CondWaking, Switch, SwitchWaking };
  struct Waiter {
    Phase phase = Phase::Idle;
    bool timed_out = false;
    bool retake = false;  // after the forced-switch wait, call take_gil (eval-breaker drop)
    std::uint64_t saved_switch = 0;
    sim::EventId timer;
  };

  void acquire(ThreadId t);
  void wait(ThreadId t);
  void on_timeout(ThreadId t);
  void signal_cond(ThreadId waker);
  void post_drop_request();
  void count_forced_switch(ThreadId winner, ThreadId dropper);

  GilSpec spec_;
  GilHost& host_;
  sim::Rng rng_;
  sim::LaneId timeouts_;  // every timed wait lasts one interval: they expire in order
  bool locked_ = false;
  ThreadId holder_ = kNoThread;
  ThreadId last_holder_ = kNoThread;
  std::uint64_t switch_number_ = 0;
  bool drop_request_ = false;
  ThreadId requester_ = kNoThread;  // the waiter whose timeout posted the pending request
  bool requester_won_ = false;      // the last race for a signal went to the requester
  CpuId requester_cpu_ = kNoCpu;    // where the requester was when it posted
  // The forced switch in progress: who requested it, and whether from the dropper's CPU.
  ThreadId forced_requester_ = kNoThread;
  bool forced_from_holder_cpu_ = false;
  ThreadId previous_dropper_ = kNoThread;  // the dropper of the last forced switch
  WaiterSet cond_;
  WaiterSet switch_cond_;
  std::vector<Waiter> waiters_;
  GilStats stats_;
};

}  // namespace gilsim::models
