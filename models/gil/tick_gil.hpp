// The "old GIL" of CPython 2.x, 3.0 and 3.1 (Python/ceval.c, Python/thread_pthread.h;
// Python/ceval.c: _Py_CheckInterval, _Py_Ticker).
//
// Notes about the model:
// - The GIL is a plain lock (a POSIX semaphore on Linux) with no queue and no fairness.
// - The holder counts ticks (about one heavy bytecode each, `tick_cost` of work); every
//   `check_interval` ticks (default 100) it releases the lock and immediately re-acquires it:
//   PyThread_release_lock(interpreter_lock); /* Other threads may run now */ acquire(...).
// - A release while any thread waits on the lock is a system call (glibc's sem_post calls
//   futex_wake whenever a waiter is registered, asleep or not): if one is asleep it is woken and
//   the call costs the releaser `release_syscall`; if all are awake and on their way it finds
//   nobody and costs `empty_wake_syscall`. The lock is free during the call.
// - The woken thread needs the OS to run it (wake-up latency). When it finally tries, the
//   releaser has usually re-acquired long ago: it fails, spends `failed_acquire` in the kernel
//   and sleeps again, to be woken by the next release. On several cores this is the "GIL
//   battle": system calls and CPU burnt for nothing, and threaded CPU-bound code slower than
//   sequential. A waiter wins only when the lock really is free when it tries: the releaser is
//   inside its system call, blocked, finished, or preempted by the OS at the release (on one
//   core, wake-up preemption does exactly that).
// - Contention also slows the holder itself. While another thread is in the lock's slow path
//   on a CPU, a check-point release first costs the holder `contended_release` with the lock
//   still held (cache-line transfers of the lock word, the futex hash bucket's spinlock, the
//   wake-ups' interrupts on busy CPUs). It is paid once per visit of a waiter to the slow
//   path (the lines move to the waiter's CPU once a visit), not at every check point the
//   visit spans: at short check intervals the cost per second then stops growing with the
//   release rate, as measured (2.7 on the AMD host, 4 threads: 2.1 times slower than
//   sequential at 200 ticks, 2.3 at 100, not 2.8). On the 2-vCPU reference machine this is
//   what makes 4 and 8 threads twice as slow as sequential code while 2 threads lose a third.
// - A blocking call releases the lock the same way and re-takes it afterwards.
#pragma once

#include <vector>

#include "models/gil/gil.hpp"
#include "models/gil/waiter_set.hpp"

namespace gilsim::models {

class TickGil final : public GilPolicy {
 public:
  TickGil(const GilSpec& spec, GilHost& host, int threads);

  bool take(ThreadId t) override;
  bool drop(ThreadId t, bool final) override;
  bool check_point(ThreadId t) override;
  void on_running(ThreadId t) override;
  void on_sys_done(ThreadId t) override;
  const GilStats& stats() const override { return stats_; }

  bool locked() const { return locked_; }
  ThreadId holder() const { return holder_; }

 private:
  enum class Phase : std::uint8_t { Idle, Sleeping, Woken, FailCost, ReleaseCost, Contended };
  struct Waiter {
    Phase phase = Phase::Idle;
    bool retake = false;   // a check-point release: re-acquire after the release
    bool charged = false;  // this visit to the slow path already cost the holder once
  };

  void acquire(ThreadId t);
  void fail(ThreadId t);
  bool release(ThreadId t);
  /// A check-point release and re-take; false while the thread is in the kernel.
  bool release_and_retake(ThreadId t);
  /// Another thread is in the lock's slow path on a CPU.
  bool contended(ThreadId holder);
  /// Changes a thread's phase, keeping count of the threads registered on the lock (in
  /// sem_wait's slow path: asleep, woken, or failing).
  void set_phase(ThreadId t, Phase phase);

  GilSpec spec_;
  GilHost& host_;
  sim::Rng rng_;
  bool locked_ = false;
  ThreadId holder_ = kNoThread;
  ThreadId last_holder_ = kNoThread;
  WaiterSet sleepers_;
  std::vector<Waiter> waiters_;
  int registered_ = 0;
  bool contention_costs_;  // contended_release is not a constant 0
  GilStats stats_;
};

/// Free-threaded builds (3.13t, 3.14t; PEP 703): no GIL. Threads run bytecode in parallel,
/// each slower by `bytecode_overhead` (biased reference counting, per-object locks).
class NoGil final : public GilPolicy {
 public:
  explicit NoGil(const GilSpec& spec) : factor_(1.0 + spec.bytecode_overhead) {}
  bool take(ThreadId) override {
    ++stats_.acquisitions;
    return true;
  }
  bool drop(ThreadId, bool) override { return true; }
  bool check_point(ThreadId) override { return true; }
  void on_running(ThreadId) override {}
  void on_sys_done(ThreadId) override {}
  double bytecode_factor() const override { return factor_; }
  const GilStats& stats() const override { return stats_; }

 private:
  double factor_;
  GilStats stats_;
};

}  // namespace gilsim::models
