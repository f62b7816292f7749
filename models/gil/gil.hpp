// The GIL policy: the one interface in gilsim with several implementations, because the
// mechanism really differs between CPython versions:
//   TickGil            CPython <= 3.1: release and re-take every `check_interval` ticks
//   SwitchIntervalGil  CPython 3.2+ GIL builds: timed waits, drop requests, forced switching
//   NoGil              free-threaded builds (3.13t and later): no lock at all
// Differences inside one mechanism (the switch interval, the check-point spacing of 3.10+
// against 3.9) are data in GilSpec, filled from the version table (versions.cpp).
//
// Protocol. A thread calls take/drop/check_point while it is on a CPU. A call returning true
// completed at once; false means the thread is now inside the policy (blocked on a condition,
// or running lock code), and the policy calls GilHost::done(t) when the operation completes.
// While inside, the host forwards the thread's scheduling events to on_running/on_sys_done.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/ids.hpp"
#include "sim/distribution.hpp"
#include "sim/rng.hpp"
#include "sim/simulator.hpp"

namespace gilsim::models {

enum class GilKind : std::uint8_t { Tick, SwitchInterval, None };
/// Which waiter one signal wakes. In CPython the OS decides (pthread_cond_signal); the docs say
/// "which thread becomes scheduled at the end of the interval is the operating system's decision".
enum class WaiterChoice : std::uint8_t { Random, Fifo, Lifo };
/// How the switch-interval GIL's signal finds its waiter. `Drawn`: a race between the
/// requester and the futex queue's choice, won with probability `requester_wins`. `Glibc`:
/// glibc's condition variable (its waiter groups, GlibcCondvar) and the GIL's own mutex, with
/// the race decided by when each thread gets where (mutex_hold, sleep_entry, drop_entry).
enum class CondvarModel : std::uint8_t { Drawn, Glibc };

struct GilSpec {
  std::string version;
  GilKind kind = GilKind::SwitchInterval;
  WaiterChoice waiter_choice = WaiterChoice::Fifo;
  // Switch-interval GIL (3.2+).
  sim::Time switch_interval = 5 * sim::kMillisecond;
  sim::Time check_gap = 500;  ///< bytecode work between eval-breaker check points
  bool force_switching = true;
  /// Chance that the waiter which posted a drop request, still on its way back to sleep on the
  /// condition variable, takes the holder's signal itself (glibc lets a waiter that has not
  /// blocked yet consume a signal; the woken futex waiter then finds none).
  double requester_wins = 0.1;
  /// How much the outcome of one such race carries over to the next (their lag-one
  /// correlation, 0 to 0.95): after a race the requester won it wins the next with probability
  /// p + persistence (1 - p), after one it lost with p (1 - persistence), p = requester_wins.
  /// Reality shows runs of hand-offs back to the previous holder (two threads passing the GIL
  /// back and forth while the others starve) that independent races do not produce.
  double requester_persistence = 0;
  CondvarModel condvar = CondvarModel::Drawn;
  /// Glibc: how long a waiter back from its wait, holding the GIL's mutex, takes to reach
  /// take_gil's check (glibc's return path and CPython's): after a timeout it posts its drop
  /// request only then.
  sim::Dist request_delay = sim::Dist::constant(0);
  /// Glibc: how long a waiter then holds the GIL's mutex before it waits again (after a timeout:
  /// from posting its drop request to registering its next wait). A holder dropping meanwhile
  /// blocks on the mutex until it is released.
  sim::Dist mutex_hold = sim::Dist::uniform(500, 5000);
  /// Glibc: from a waiter's registration (and release of the mutex) until it sleeps in its
  /// futex: a signal for its group in that time is its own.
  sim::Dist sleep_entry = sim::Dist::uniform(1500, 4500);
  /// Glibc: the holder's time from noticing a drop request (or starting a blocking call) to
  /// locking the GIL's mutex in drop_gil.
  sim::Dist drop_entry = sim::Dist::uniform(1000, 6000);
  /// Glibc: a futex_wake that wakes a sleeper: drop_gil's signal of `cond` and take_gil's
  /// signal of `switch_cond` releasing a forced-switch dropper (both with the GIL's mutex
  /// held), and the mutex's release when it wakes a thread blocked on it.
  sim::Dist wake_syscall = sim::Dist::uniform(1000, 3000);
  // Tick GIL (<= 3.1).
  std::int64_t check_interval = 100;  ///< ticks between release/re-take
  double tick_cost = 40;              ///< bytecode work per tick, ns (to the picosecond)
  // Kernel costs vary from call to call (and a fixed cost would lock the threads into artificial
  // resonances): each is drawn, from the stream of the thread that pays it.
  sim::Dist release_syscall =  ///< holder's cost when a release wakes a sleeping waiter
      sim::Dist::uniform(2500, 7500);
  sim::Dist failed_acquire =  ///< a woken waiter's cost when it loses
      sim::Dist::uniform(1500, 4500);
  /// Holder's cost of a release while a waiter is registered on the lock but none is asleep
  /// (glibc's sem_post still calls futex_wake, which finds nobody to wake).
  sim::Dist empty_wake_syscall = sim::Dist::uniform(500, 1500);
  /// Holder's extra cost of a check-point release while another thread is in the lock's slow
  /// path on a CPU (woken and running, or failing in the kernel), paid before the release with
  /// the lock still held: the lock's cache line and futex hash bucket are contended, and the
  /// wake-ups' interrupts land on busy CPUs. Zero by default; `gilsim calibrate` fits it for
  /// 2.x interpreters from their slowdown at check intervals 200 to 1000.
  sim::Dist contended_release = sim::Dist::constant(0);
  // Free-threaded.
  double bytecode_overhead = 0.06;  ///< slowdown of bytecode against a GIL build (PEP 703: 6%)
};

/// Who took over at the forced switches that followed one kind of request (switch-interval GIL).
struct ForcedSwitchWinners {
  std::uint64_t requester = 0;  ///< the waiter that posted the drop request
  std::uint64_t back = 0;       ///< the holder before the dropper (two threads passing it back)
  std::uint64_t other = 0;      ///< any other thread
};

struct GilStats {
  std::uint64_t acquisitions = 0;
  std::uint64_t switches = 0;             ///< acquisitions by a thread other than the last holder
  std::uint64_t drop_requests = 0;        ///< switch-interval GIL: requests posted
  std::uint64_t forced_switches = 0;      ///< drops that waited for another thread to take over
  std::uint64_t failed_acquisitions = 0;  ///< tick GIL: woken waiters that lost the race
  std::uint64_t wake_syscalls = 0;        ///< tick GIL: releases that made a futex_wake call
  std::uint64_t waiters_woken = 0;        ///< tick GIL: ... and woke a sleeping waiter
  std::uint64_t contended_releases = 0;   ///< tick GIL: releases that paid contended_release
  /// Switch-interval GIL: forced switches by where the requester was when it posted (another
  /// CPU than the holder's, or the holder's own) and who took over; `no_request` when the
  /// holder dropped with no request pending (a request answered by an earlier switch).
  ForcedSwitchWinners from_other_cpu, from_holder_cpu, no_request;
  /// `condvar: glibc`: the forced switches of from_other_cpu whose dropper found the GIL's
  /// mutex held by the requester in drop_gil and blocked on it.
  ForcedSwitchWinners mutex_blocked;
};

/// The narrow way back from a policy into the simulated world (easy to fake in tests).
class GilHost {
 public:
  virtual ~GilHost() = default;
  virtual sim::Simulator& sim() = 0;
  /// The thread's own random stream.
  virtual sim::Rng& rng(ThreadId t) = 0;
  /// The running thread blocks on a GIL condition (leaves its CPU).
  virtual void block(ThreadId t) = 0;
  /// A blocked thread becomes runnable; on_running(t) follows once it is on a CPU.
  /// `waker`: the thread whose release wakes t, kNoThread for a timeout.
  virtual void wake(ThreadId t, ThreadId waker) = 0;
  /// The running thread spends `work` of CPU in the kernel; on_sys_done(t) follows.
  virtual void run_sys(ThreadId t, std::int64_t work) = 0;
  /// The thread's pending take/drop/check_point has completed.
  virtual void done(ThreadId t) = 0;
  /// Asks the holder to reach an eval-breaker check point after at most `within` more work of
  /// bytecode (a C call in progress checks when it returns).
  virtual void request_check(ThreadId holder, std::int64_t within) = 0;
  /// Sets the holder's next check point `after` work of bytecode from now (tick counting).
  virtual void reset_check(ThreadId holder, std::int64_t after) = 0;
  virtual bool is_running(ThreadId t) const = 0;
  /// The logical CPU the thread runs on (kNoCpu when it is not on one).
  virtual CpuId cpu_of(ThreadId /*t*/) const { return kNoCpu; }
  /// How late the thread's timed wait expires after its deadline: a futex timeout is an
  /// hrtimer with the thread's timer slack, as a sleep is.
  virtual sim::Time timer_slack(ThreadId /*t*/) { return 0; }
  /// Arms the thread's timed wait: an hrtimer `deadline_in` from now, fired with the thread's
  /// timer slack (and, on a host that models it, together with its CPU's other due timers).
  virtual sim::EventId arm_timer(ThreadId t, sim::LaneId lane, sim::Time deadline_in,
                                 sim::Callback fire) {
    return sim().after(lane, deadline_in + timer_slack(t), fire);
  }
  /// Cancels a timer arm_timer armed (if it has not fired). Resets the id.
  virtual void cancel_timer(sim::EventId& id) { sim().cancel(id); }
  /// Reports that `t` took (acquired) or released the GIL, at the exact moment.
  virtual void gil_changed(ThreadId /*t*/, bool /*acquired*/) {}
  /// Reports a step of the GIL's protocol (Observer::on_gil_event), at the exact moment.
  virtual void gil_event(ThreadId /*t*/, GilEvent /*event*/) {}
};

class GilPolicy {
 public:
  virtual ~GilPolicy() = default;
  /// take_gil: true if the thread holds the GIL on return.
  virtual bool take(ThreadId t) = 0;
  /// drop_gil (blocking call, GIL-releasing C code, or `final` at thread exit): true if done.
  virtual bool drop(ThreadId t, bool final) = 0;
  /// The holder reached a check point that was due: true if it may simply go on.
  virtual bool check_point(ThreadId t) = 0;
  virtual void on_running(ThreadId t) = 0;
  virtual void on_sys_done(ThreadId t) = 0;
  /// Multiplier on bytecode work (free-threaded overhead); 1 for GIL builds.
  virtual double bytecode_factor() const { return 1.0; }
  virtual const GilStats& stats() const = 0;
};

std::unique_ptr<GilPolicy> make_gil(const GilSpec& spec, GilHost& host, int threads);

}  // namespace gilsim::models
