// The operating system's CPU scheduler, reduced to what changes GIL behaviour.
//
// Model (after Linux CFS, kernel/sched/fair.c, and its EEVDF successor):
// - A thread is Blocked (I/O, sleep, a lock), Waking (wake-up latency elapsing on a reserved
//   idle CPU), Queued (runnable) or Running on one logical CPU.
// - Fairness is by virtual runtime: the CPU time a thread has used. The run queue is ordered by
//   it. A thread that wakes is placed no further back than `sleeper_credit` behind the smallest
//   virtual runtime of the runnable threads, so sleepers get ahead but cannot bank time.
// - A woken thread goes to an idle logical CPU: the one it last ran on if idle (with its whole
//   core, on a machine with hyperthreads), else one whose whole core is idle (spreading before
//   doubling up on hyperthreads), and starts there after `wakeup_latency`, or after the
//   latency `idle_wakeup_latency` gives for how long that CPU has idled (deeper idle states).
//   With probability `wake_affine` it stays instead on the CPU it last ran on when that one is
//   busy (Linux's wake-affine and cache-hot choices, and hypervisors that pack vCPUs): it may
//   preempt the thread there, else it queues; an idle CPU pulls a queued thread
//   `balance_delay` later (idle load balancing), and a thread preempted there queues the same way.
// - With no idle CPU it may preempt (wake-up preemption): the running thread with the largest
//   virtual runtime, if that leads its own, by at least `wakeup_granularity` (CFS's rule; the
//   scenario default is 0, as under EEVDF, which has no such granularity). When the waker
//   itself (a thread releasing a lock, in its system call) is that thread, the preemption is
//   immediate; another CPU is reached by an interrupt, `wakeup_latency` later, and the choice
//   is made again then. A thread that preempts no one joins the run queue at once.
// - While threads are queued, a running thread is switched out after `timeslice` on its CPU if
//   a queued thread has a smaller virtual runtime.
// - A sleep's timer fires `timer_slack` after its nominal end (Linux's default slack for
//   ordinary threads is 50 us); other blocking calls end when they end.
// - Run queues (`run_queues`): one shared by every CPU (`global`), or one per CPU (`per_cpu`,
//   as Linux has them). Per CPU, a thread queues, preempts and is time-sliced on the CPU it
//   last ran on (its home) only: a wake-up that finds no idle CPU goes there, as does a thread
//   preempted there. A CPU that falls idle with an empty queue pulls the fairest thread
//   queued elsewhere that is not cache-hot (off its CPU less than `migration_cost`, Linux's
//   task_hot), else `balance_delay` later the fairest of any (kernel/sched/fair.c).
// - Delayed dequeue (`delayed_dequeue`, per CPU; EEVDF, Linux 6.12 and later): a thread that
//   blocks past the average virtual runtime of its CPU's threads while another is queued
//   there stays in that queue, blocked, until the CPU would pick it (it then leaves for good,
//   without preempting anyone) or it is woken: it is then back in that queue, preempting or
//   queueing there, with no search for an idle CPU (ttwu_runnable).
// - Tick (`tick`, `slice`; EEVDF, Linux 6.6 and later, in a kernel without preemption; 6.18's
//   update_curr, update_deadline, set_protect_slice, __pick_eevdf): each thread has a deadline
//   in virtual runtime, a slice past where a wake-up placed it. Running, it passes its
//   deadline; the next update of its CPU (a tick, or a wake-up onto that CPU) renews it a slice
//   past its virtual runtime then. A thread keeps its deadline off its CPU and, picked, is
//   protected until it reaches the deadline it had (RUN_TO_PARITY). Past the average virtual
//   runtime of its CPU's threads, the running thread yields to an eligible wakee at once.
//   Otherwise, once unprotected, it yields to a wakee whose deadline comes before its own or
//   ties with it, and at each tick to a queued thread that is eligible with such a deadline.
//   Without a tick, wake-ups preempt at once and `timeslice` bounds a turn.
// - Light threads (`light_share`): a thread's recent CPU use is a decaying average of the share
//   of a CPU it used (half-life 32 ms, as Linux's per-entity load tracking). A thread whose
//   use is under `light_share` of its waker's, woken by a running thread while the CPU it last
//   ran on idles, goes with chance `light_follows_waker` to the waker's CPU, preempting or
//   queueing there (Linux's wake-affine pull towards the waker, which perf traces show for the
//   convoy's I/O thread). With `sleeper_credit_for: light`, only threads whose use is under
//   `light_share` get the sleeper credit; the others wake no further ahead than their own
//   virtual runtime, so a CPU runs the thread queued before them first (as EEVDF, which keeps
//   a thread's lag rather than crediting it for sleeping, does in the traces).
// - Lag (`placement: lag`, EEVDF, Linux 6.6 and later): instead of the sleeper credit, a thread
//   leaving its CPU's queue (blocking, or a delayed thread picked: then at most 0) keeps its
//   lag, the queue's average virtual runtime minus its own, clamped to twice the slice or a
//   tick, whichever is longer; woken, it is placed that far behind the average of the queue it
//   joins (on an empty one it keeps its virtual runtime). A sleeper thus gains nothing for
//   sleeping, except through delayed dequeue. A delayed thread woken while still queued keeps
//   its virtual runtime, unless it has gained a lag against the average as of its CPU's last
//   update (the tick or wake-up before): it then comes back with none (Linux's DELAY_ZERO in
//   requeue_delayed_entity). A wakee preempts only if it is eligible (not past the average,
//   itself counted) and no eligible queued thread comes before it, and the running thread is
//   past the average or (with a tick) loses on deadlines as above.
// - Every time a thread is put on a CPU it first spends `context_switch` there (kernel time).
//   On an idle CPU the switch ends the wake-up: the CPU counts as busy for it, but (a
//   simplification that saves an event per wake-up) a hyperthread sibling is re-rated only
//   when the thread starts running, `context_switch` later.
// - A burst preempted part-way keeps its remaining work and resumes when the thread runs again.
// The scheduler also keeps each thread's time split (see TimeCat).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "models/hr_timers.hpp"
#include "models/ids.hpp"
#include "models/machine.hpp"
#include "models/observer.hpp"
#include "sim/distribution.hpp"

namespace gilsim::models {

/// The wake-up latency onto a CPU that has idled at least `after` (one row of
/// OsSpec::idle_wakeup_latency).
struct IdleWakeup {
  sim::Time after = 0;
  sim::Dist latency;
};

struct OsSpec {
  sim::Time timeslice = 4 * sim::kMillisecond;
  sim::Dist wakeup_latency = sim::Dist::constant(20 * sim::kMicrosecond);
  sim::Time context_switch = 2 * sim::kMicrosecond;
  bool wakeup_preemption = true;
  sim::Time wakeup_granularity = 1 * sim::kMillisecond;
  sim::Time sleeper_credit = 3 * sim::kMillisecond;
  sim::Dist timer_slack = sim::Dist::constant(50 * sim::kMicrosecond);  ///< a sleep's lateness
  /// Chance that a thread woken while the CPU it last ran on is busy stays there (0: it always
  /// takes an idle CPU when there is one).
  double wake_affine = 0;
  sim::Time balance_delay = 4 * sim::kMillisecond;  ///< until an idle CPU pulls a queued thread
  /// Timers of one CPU whose deadlines have passed fire together with the next one due (see
  /// hr_timers.hpp); false: each fires at its deadline plus its slack.
  bool timer_coalescing = false;
  /// Wake-ups onto an idle CPU by how long it has idled, `after` increasing: deeper idle
  /// states, and a hypervisor that stops polling a halted virtual CPU, wake slower. The last
  /// row whose `after` the idle time reaches applies; before the first, `wakeup_latency`.
  std::vector<IdleWakeup> idle_wakeup_latency;
  /// Timer interrupts falling due on an idle CPU that come late (see hr_timers.hpp).
  IdleTimerDelay idle_timer_delay;
  /// One run queue per CPU (true) instead of one shared by all.
  bool per_cpu_queues = false;
  /// Per CPU: how long after leaving its CPU a queued thread counts as cache-hot, not pulled
  /// by a CPU falling idle (Linux's sched_migration_cost).
  sim::Time migration_cost = 500 * sim::kMicrosecond;
  /// Per CPU: a thread that blocks while it has used more than its CPU's average virtual
  /// runtime and another thread waits there stays on that queue until the CPU would pick it or
  /// it is woken, which puts it back there without looking for an idle CPU (EEVDF's delayed
  /// dequeue, Linux 6.12 and later).
  bool delayed_dequeue = false;
  /// The scheduler tick's period (Linux's 1/HZ; 0: none, every check is immediate). With a
  /// tick, EEVDF's deadlines decide (Linux 6.6 and later, without kernel preemption; see the
  /// model above): a wakee or queued thread preempts the running thread if that one is past
  /// the average, or out of its protected slice with a deadline no earlier than theirs.
  /// `timeslice` is then unused.
  sim::Time tick = 0;
  sim::Time slice = 1400 * sim::kMicrosecond;  ///< with `tick`: the base slice
  /// A light thread's recent CPU use (a decaying average of its share of a CPU, half-life
  /// 32 ms) is under this share: of its waker's use for light_follows_waker, of a whole CPU
  /// for credit_light_only.
  double light_share = 0.3;
  /// Chance that a light thread woken by a running thread while the CPU it last ran on idles
  /// goes to the waker's CPU instead (0: it takes the idle CPU).
  double light_follows_waker = 0;
  /// Only light threads get the sleeper credit (false: every thread).
  bool credit_light_only = false;
  /// Wake-ups are placed by lag (EEVDF) instead of the sleeper credit: a thread that leaves its
  /// CPU's queue keeps how far it was behind the queue's average virtual runtime (clamped to
  /// twice the slice or a tick, whichever is longer) and is placed that far behind it again;
  /// a wakee preempts only if it is eligible (not past the average) and the running thread is
  /// past it or, with a tick, loses on deadlines.
  bool lag_placement = false;
};

/// Per-thread time split, in nanoseconds, indexed by TimeCat.
using TimeSplit = std::array<sim::Time, kTimeCats>;

class OsScheduler : private Machine::Listener, private HrTimers::CpuState {
 public:
  /// What the scheduler tells the thread it runs.
  struct Client {
    virtual ~Client() = default;
    /// The thread is on a CPU and has no burst to resume: it decides what to do next.
    virtual void on_running(ThreadId t) = 0;
    /// The thread's burst finished (the thread is still on its CPU).
    virtual void on_burst_done(ThreadId t) = 0;
  };

  OsScheduler(sim::Simulator& sim, const MachineSpec& machine, const OsSpec& spec, Client& client,
              std::vector<sim::Rng*> thread_rngs);

  /// A blocked (or not yet started) thread becomes runnable. A thread's time is counted from
  /// its first wake-up.
  /// `waker`: the running thread whose action wakes t (a lock release), or kNoThread (a timer,
  /// an I/O completion).
  void wake(ThreadId t, ThreadId waker = kNoThread);
  /// The running thread blocks; `cat` says how its blocked time is counted (Io or GilWait).
  void block(ThreadId t, TimeCat cat);
  /// The running thread ends.
  void exit(ThreadId t);
  /// The running thread, with no burst, starts a burst of `work` solo-ns counted as `cat`.
  void run_burst(ThreadId t, TimeCat cat, std::int64_t work);
  /// Work left in the thread's current or suspended burst, settled to now; 0 if none.
  std::int64_t burst_left(ThreadId t);
  /// Shortens the thread's current or suspended burst to at most `left` solo-ns.
  void trim_burst(ThreadId t, std::int64_t left);
  /// How late a sleep's timer fires for this thread (Linux timer slack; drawn from its stream).
  sim::Time timer_slack(ThreadId t) { return spec_.timer_slack.sample(*rngs_[t]); }
  /// Arms an hrtimer for thread t on the CPU it runs (or last ran) on: `deadline_in` from now,
  /// at most `slack` late (and later if its CPU is idle then, with `idle_timer_delay`).
  /// Cancel it with cancel_timer.
  sim::EventId arm_timer(ThreadId t, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                         sim::Callback fire) {
    return timers_.arm(tasks_[t].last_cpu, lane, deadline_in, slack, fire, rngs_[t]);
  }
  void cancel_timer(sim::EventId& id) { timers_.cancel(id); }
  /// How the thread's time counts while it is runnable but not running (GilWait or CpuWait).
  void set_wait_cat(ThreadId t, TimeCat cat);

  bool running(ThreadId t) const { return tasks_[t].state == State::Running; }
  CpuId cpu_of(ThreadId t) const { return running(t) ? tasks_[t].cpu : kNoCpu; }
  const TimeSplit& split(ThreadId t);  ///< settled to now
  const Machine& machine() const { return machine_; }
  /// Reports every change of a thread's time category (nullptr: none).
  void set_observer(Observer* observer) { observer_ = observer; }
  std::uint64_t context_switches() const { return switches_; }
  std::uint64_t preemptions() const { return preemptions_; }

 private:
  // Signalled: woken while every CPU was busy; the wake-up (an inter-processor interrupt) is in
  // flight and the thread will preempt, take a CPU freed meanwhile, or queue.
  enum class State : std::uint8_t { Unborn, Blocked, Signalled, Waking, Queued, Running, Exited };
  struct Task {
    State state = State::Unborn;
    CpuId cpu = kNoCpu;
    CpuId last_cpu = kNoCpu;              // where it ran last (wake_affine)
    CpuId affine = kNoCpu;                // Signalled: the busy CPU it stays on, else kNoCpu
    TimeCat cat = TimeCat::CpuWait;       // what the time since `since` counts as
    TimeCat wait_cat = TimeCat::CpuWait;  // category while Waking or Queued
    TimeCat burst_cat = TimeCat::Cpu;
    bool has_burst = false;       // a burst is running or suspended
    bool delayed = false;         // blocked, but still in its CPU's queue (delayed_dequeue)
    bool switching = false;       // the context switch is in progress
    std::int64_t burst_left = 0;  // suspended burst work
    sim::Time since = 0;
    sim::Time on_cpu_since = 0;
    sim::Time off_cpu_at = 0;  // when it last left a CPU (cache-hot for migration_cost)
    sim::Time vruntime = 0;    // CPU time used, as of `since`
    double recent_use = 0;     // decaying average of its CPU share, as of `since` (tracks_use)
    sim::Time lag = 0;         // lag_placement: its queue's average virtual runtime minus its own
    sim::Time deadline = 0;    // with a tick: its virtual deadline (EEVDF), while off its CPU
    sim::EventId wake_event;
    sim::EventId switch_event;  // end of a context switch (no hyperthreads)
    TimeSplit split{};
  };
  struct CpuSlot {
    ThreadId thread = kNoThread;  // running or reserved (Waking) thread
    sim::EventId slice;
    sim::Time idle_since = 0;  // when it last fell idle (meaningful while idle)
    // With a tick, for the running thread: when its virtual runtime reaches its deadline as
    // last set, when its protected slice ends (RUN_TO_PARITY: the deadline it had when its CPU
    // picked it), and when its virtual runtime was last brought up to date (update_curr).
    sim::Time deadline_end = 0;
    sim::Time protect_end = 0;
    sim::Time updated = 0;
  };

  static bool on_cpu(TimeCat cat) {
    return cat == TimeCat::Cpu || cat == TimeCat::Native || cat == TimeCat::Sys;
  }
  void on_burst_done(CpuId cpu) override;
  bool cpu_idle(CpuId cpu) const override { return cpus_[std::size_t(cpu)].thread == kNoThread; }
  void account(Task& task, TimeCat next, sim::Time at);
  void account(Task& task, TimeCat next) { account(task, next, sim_.now()); }
  /// Brings the task's time split and virtual runtime up to now.
  void settle_time(Task& task);
  /// Whether any rule reads the threads' recent CPU use (it costs a decay per state change).
  bool tracks_use() const { return spec_.light_follows_waker > 0 || spec_.credit_light_only; }
  /// `use` decayed over `elapsed`, during which the thread was on a CPU (`on`) or not.
  static double decayed_use(double use, sim::Time elapsed, bool on);
  /// The task's recent CPU use, as of now.
  double recent_use(const Task& task) const;
  /// wake(): whether thread t, of recent CPU use `use`, woken by `waker`, is light and goes to
  /// the waker's CPU.
  bool follows_waker(ThreadId t, ThreadId waker, double use);
  /// The sum of the virtual runtimes of the threads on the run queue CPU `cpu` takes from
  /// (running or waking there, or on any CPU with the shared queue, and queued), and their
  /// number.
  std::pair<sim::Time, std::int64_t> queue_load(CpuId cpu) const;
  sim::Time lag_limit() const;
  /// lag_placement: thread t, still counted on `cpu`'s queue, leaves it keeping its lag.
  void save_lag(ThreadId t, CpuId cpu);
  /// lag_placement: places woken thread t on `cpu`'s queue, its lag behind the average.
  void place_by_lag(ThreadId t, CpuId cpu);
  /// lag_placement: whether a wakee of virtual runtime `wakee_vruntime` and the thread running
  /// on CPU c (`running`) are eligible on c's queue, the wakee counted; the wakee only if no
  /// eligible queued thread comes before it.
  struct Eligibility {
    bool wakee = false;
    bool running = false;
  };
  Eligibility eligibility(CpuId c, sim::Time wakee_vruntime, sim::Time running) const;
  void arrive(ThreadId t);
  void land(ThreadId t);
  /// wake(): stays on its busy previous CPU `cpu` (wake_affine).
  void wake_affine(ThreadId t, CpuId cpu, ThreadId waker);
  /// An idle CPU takes the fairest queued thread (idle load balancing), at most one pending.
  void arm_balance();
  void balance();
  void start_running(ThreadId t, CpuId cpu, sim::Time on_cpu_since);
  sim::Time vruntime_now(const Task& task) const;
  void update_min_vruntime();
  using RunQueue = std::vector<std::pair<sim::Time, ThreadId>>;  // min-heap: vruntime, id
  /// The run queue CPU `cpu` takes from: its own per CPU, else the shared one.
  RunQueue& queue_of(CpuId cpu) { return queues_[spec_.per_cpu_queues ? std::size_t(cpu) : 0]; }
  const RunQueue& queue_of(CpuId cpu) const {
    return queues_[spec_.per_cpu_queues ? std::size_t(cpu) : 0];
  }
  /// Takes the fairest runnable thread out of the queue CPU `cpu` takes from, dropping the
  /// delayed threads picked on the way (they are blocked); kNoThread if none is left.
  ThreadId pop_queue(CpuId cpu);
  /// Drops the delayed threads at the front of `cpu`'s queue that the CPU would pick before
  /// the thread running there (vruntime `running`; sim::kNever: all of them up to the first
  /// runnable one).
  void drop_delayed_front(CpuId cpu, sim::Time running);
  /// delayed_dequeue: whether thread t, blocking on `cpu`, stays in that CPU's queue.
  bool delays_dequeue(ThreadId t, CpuId cpu) const;
  /// A delayed thread woken: out of its CPU's queue, to be placed there again.
  void undelay(ThreadId t);
  /// Per CPU: takes the fairest queued thread (only one that is not cache-hot unless
  /// `hot_too`) out of its CPU's queue; kNoThread if there is none.
  ThreadId pull_queued(bool hot_too);
  /// An idle CPU for a wake-up: `prev` (where the thread last ran) if it is idle, with its
  /// whole core on a machine with hyperthreads, else the first with a free core, else any.
  CpuId pick_idle_cpu(CpuId prev) const;
  /// The wake-up latency onto idle CPU `cpu`, drawn from thread t's stream.
  sim::Time idle_wakeup_latency(CpuId cpu, ThreadId t);
  /// How far the thread on CPU c leads wakee w in virtual runtime (at least 0), if w may
  /// preempt it; else -1.
  sim::Time preemption_lead(CpuId c, ThreadId w) const;
  CpuId pick_victim(ThreadId w) const;
  /// With a tick: EEVDF's pick between wakee w (eligible) and the thread running on CPU c, of
  /// virtual runtime `running`, past the average (`claim_lost`) or not: as preemption_lead.
  sim::Time eevdf_lead(CpuId c, const Task& w, sim::Time running, bool claim_lost) const;
  /// With a tick: the deadline of the thread running on `cpu`, of virtual runtime `running`,
  /// as an update now leaves it (renewed a slice on if it has passed).
  sim::Time running_deadline(CpuId cpu, sim::Time running) const;
  /// With a tick: the thread running on `cpu` starts its turn, keeping its deadline.
  void begin_slice(CpuId cpu);
  /// With a tick: the thread running on `cpu` leaves it, taking its deadline along.
  void end_slice(CpuId cpu);
  /// With a tick: a wake-up onto `cpu` brings its running thread up to date, renewing a
  /// deadline that has passed (update_curr).
  void renew_deadline(CpuId cpu);
  /// lag_placement: a delayed thread woken while still queued that has gained a lag comes
  /// back with none (Linux's DELAY_ZERO), against the running thread's virtual runtime as of
  /// its CPU's last update.
  void requeue_delayed(ThreadId t);
  /// With a tick, at a tick after the running thread's protected slice: whether the front of
  /// `cpu`'s queue is picked over it (eligible, with the earlier deadline or a tie).
  bool tick_picks_queued(CpuId cpu) const;
  void dispatch(ThreadId t, CpuId cpu);
  void preempt(CpuId cpu);
  void release_cpu(CpuId cpu);
  /// Queues t to run on `cpu` (per CPU; the shared queue otherwise).
  void enqueue(ThreadId t, CpuId cpu);
  void arm_slices();
  void arm_slice_if_running(CpuId cpu);
  void arm_slice(CpuId cpu);
  void slice_expired(CpuId cpu);
  /// With a tick: when the slice of the thread running on `cpu` ends, as renewed by the ticks
  /// before now (and by a tick falling now if `tick_now_done`).
  sim::Time slice_end(CpuId cpu, bool tick_now_done) const;
  /// With a tick: the next slice check on `cpu`, at the first tick at or after both the end of
  /// its running thread's protected slice and `not_before`.
  void arm_tick_check(CpuId cpu, sim::Time not_before);
  /// With a tick: the first tick at or after `t`.
  sim::Time tick_at_or_after(sim::Time t) const {
    return (t + spec_.tick - 1) / spec_.tick * spec_.tick;
  }

  sim::Simulator& sim_;
  OsSpec spec_;
  Client& client_;
  Machine machine_;
  std::vector<Task> tasks_;
  sim::LaneId arrivals_;     // wake-ups end in time order when the latency is constant
  sim::LaneId switch_ends_;  // context switches all take the same time
  std::vector<CpuSlot> cpus_;
  int idle_cpus_;  // CPUs with no thread running or reserved
  std::vector<sim::Rng*> rngs_;
  std::vector<RunQueue> queues_;  // one, or one per CPU
  int queued_ = 0;                // threads in all queues
  sim::Time min_vruntime_ = 0;
  Observer* observer_ = nullptr;
  std::uint64_t switches_ = 0;
  std::uint64_t preemptions_ = 0;
  sim::EventId balance_;
  HrTimers timers_;
};

}  // namespace gilsim::models
