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
//   re-checks only once it is back on a CPU (wake-up latency, run queue). Until then it is
//   still in the futex's queue (Linux unqueues a futex waiter when it runs): a signal
//   meanwhile is its own and its wait returns woken, not timed out. Kernel traces of the 1 ms
//   convoy show the I/O thread taking the GIL so, its timer having fired on the holder's CPU.
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
// With `condvar: glibc` (switch_interval_gil_glibc.cpp) the signal's race is not drawn: the
// condition variable is glibc's (GlibcCondvar) and the GIL's mutex is modelled. take_gil and
// drop_gil lock it; a waiter back from its wait holds it, reaches take_gil's check
// (`request_delay`: a timed-out waiter posts its drop request only then) and holds it on
// (`mutex_hold`) until it registers its next wait, then takes `sleep_entry` to fall asleep; the
// holder takes `drop_entry` to reach the mutex in drop_gil and blocks there while a waiter
// holds it. A futex_wake that wakes a thread costs its caller `wake_syscall`: the signals of
// `cond` and `switch_cond`, made with the mutex held, and the mutex's release when it wakes a
// waiter of it. A waiter whose release woke the blocked holder is awake through that call and
// takes a signal sent meanwhile (kernel traces: such calls take 5-25 us on the AMD host).
#pragma once

#include <vector>

#include "models/gil/gil.hpp"
#include "models/gil/glibc_condvar.hpp"
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
  enum class Phase : std::uint8_t {
    Idle,
    Cond,
    CondWaking,
    Switch,
    SwitchWaking,
    // glibc condvar only:
    Entering,       // registered, on its way to its futex
    Checking,       // back from a wait with the mutex, on its way to take_gil's check
    Holding,        // back from a wait, holding the mutex until it waits again
    DropEntry,      // the holder on its way to drop_gil's mutex
    Acquired,       // took the GIL; signalling switch_cond with the mutex held
    Signalling,     // dropped the GIL; signalling cond with the mutex held
    MutexEntering,  // found the mutex held, on its way to the mutex's futex
    MutexWait,      // blocked on the mutex
    MutexWaking,    // woken by the mutex's release
    Unlocking,      // releasing the mutex with a futex_wake that woke a waiter of it
  };
  // What a thread releasing the mutex goes on with: looking for a signal on its way to the
  // condition's futex, the forced-switch wait, or running Python.
  enum class AfterUnlock : std::uint8_t { Look, SwitchWait, Run };
  // What a thread blocked on the mutex goes on with once it has it.
  enum class Then : std::uint8_t { Return, Take, Drop };
  struct Waiter {
    Phase phase = Phase::Idle;
    bool timed_out = false;
    bool retake = false;  // after the forced-switch wait, call take_gil (eval-breaker drop)
    bool final = false;   // glibc: the drop in progress is the thread's last
    Then then = Then::Return;
    AfterUnlock after_unlock = AfterUnlock::Run;
    std::uint64_t saved_switch = 0;
    sim::Time deadline = 0;  // glibc: the timed wait's absolute deadline
    sim::EventId timer;
  };

  bool acquire(ThreadId t);  // true if it released a dropper from switch_cond
  void wait(ThreadId t);
  void on_timeout(ThreadId t);
  void signal_cond(ThreadId waker);
  void wake_signalled(ThreadId t, ThreadId waker);  // a signal (or a group's close) wakes t
  void post_if_timed_out(ThreadId t);
  void post_drop_request();
  void count_forced_switch(ThreadId winner, ThreadId dropper);
  bool forced_switch_wait(ThreadId t, bool final);
  bool glibc() const { return spec_.condvar == CondvarModel::Glibc; }

  // glibc condvar (switch_interval_gil_glibc.cpp): each returns true if the operation it
  // continues completed at once, false if the thread is now waiting or running lock code.
  bool g_take(ThreadId t);
  bool g_take_locked(ThreadId t);
  bool g_acquire_locked(ThreadId t);
  bool g_drop(ThreadId t, bool final);
  bool g_drop_locked(ThreadId t);
  void g_drop_completed(ThreadId t);
  void g_on_running(ThreadId t);
  void g_on_sys_done(ThreadId t);
  bool lock_mutex(ThreadId t, Then then);
  bool unlock_mutex(ThreadId t);  // true if it woke a waiter of the mutex
  /// Releases the mutex: true if the thread goes on at once (then after_unlock(t) or its
  /// caller's own continuation), false if its futex_wake woke a waiter and it runs that call
  /// first, after_unlock(t) following.
  bool release_mutex(ThreadId t, AfterUnlock after);
  void after_unlock(ThreadId t);
  void mutex_sleep(ThreadId t);
  void mutex_granted(ThreadId t);
  void g_enter_wait(ThreadId t);
  void g_look(ThreadId t);
  void g_sleep(ThreadId t);
  bool g_signal(ThreadId waker);  // true if the signal woke a sleeper
  void g_returned(ThreadId t, bool timed_out);
  void g_returned_locked(ThreadId t);
  /// Glibc: at take_gil's check with the mutex held: posts a drop request if its wait timed out.
  void g_check(ThreadId t);
  void run_lock_code(ThreadId t, Phase phase, const sim::Dist& cost);

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
  bool forced_blocked_ = false;            // glibc: its dropper blocked on the mutex
  ThreadId previous_dropper_ = kNoThread;  // the dropper of the last forced switch
  WaiterSet cond_;
  WaiterSet switch_cond_;
  GlibcCondvar glibc_cond_;
  ThreadId mutex_owner_ = kNoThread;
  WaiterSet mutex_queue_;
  std::vector<ThreadId> released_;  // scratch: sleepers of a group a signal closed
  std::vector<Waiter> waiters_;
  GilStats stats_;
};

}  // namespace gilsim::models
