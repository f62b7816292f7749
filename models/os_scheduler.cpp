#include "models/os_scheduler.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace gilsim::models {

OsScheduler::OsScheduler(sim::Simulator& sim, const MachineSpec& machine, const OsSpec& spec,
                         Client& client, std::vector<sim::Rng*> thread_rngs)
    : sim_(sim),
      spec_(spec),
      client_(client),
      machine_(sim, machine, *this),
      tasks_(thread_rngs.size()),
      arrivals_(sim.add_lane()),
      switch_ends_(sim.add_lane()),
      cpus_(std::size_t(machine.logical_cpus())),
      idle_cpus_(machine.logical_cpus()),
      rngs_(std::move(thread_rngs)),
      queues_(spec.per_cpu_queues ? std::size_t(machine.logical_cpus()) : 1),
      timers_(sim, machine.logical_cpus(), spec.timer_coalescing, spec.idle_timer_delay, this) {}

void OsScheduler::set_wait_cat(ThreadId t, TimeCat cat) {
  Task& k = tasks_[t];
  k.wait_cat = cat;
  if (k.state == State::Waking || k.state == State::Queued || k.state == State::Signalled) {
    account(k, cat);
  }
  if (k.state == State::Unborn) k.cat = cat;
}

void OsScheduler::wake(ThreadId t, ThreadId waker) {
  Task& k = tasks_[t];
  if (k.state == State::Unborn) {
    k.since = sim_.now();
    k.cat = k.wait_cat;
    if (observer_ != nullptr) observer_->on_thread_state(k.since, t, k.cat, kNoCpu);
  } else if (k.state != State::Blocked) {
    throw std::logic_error("waking a thread that is not blocked");
  }
  account(k, k.wait_cat);
  if (observer_ != nullptr) observer_->on_woken(sim_.now(), t);
  if (k.delayed) {
    // Still in its CPU's queue, which is busy: back there as it was (Linux's ttwu_runnable),
    // preempting or queueing.
    undelay(t);
    requeue_delayed(t);
    wake_affine(t, k.last_cpu, waker);
    return;
  }
  const double use = tracks_use() ? recent_use(k) : 0;
  if (!spec_.lag_placement) {
    update_min_vruntime();
    const bool credited = !spec_.credit_light_only || use < spec_.light_share;
    k.vruntime = std::max(k.vruntime, min_vruntime_ - (credited ? spec_.sleeper_credit : 0));
  }
  // With lag placement, the virtual runtime depends on the queue the thread joins.
  auto join = [&](CpuId target) {
    if (spec_.lag_placement) place_by_lag(t, target);
    k.deadline = k.vruntime + spec_.slice;  // EEVDF's place_entity
  };
  if (follows_waker(t, waker, use)) {
    join(tasks_[waker].cpu);
    wake_affine(t, tasks_[waker].cpu, waker);
    return;
  }
  const CpuId cpu = pick_idle_cpu(k.last_cpu);
  if (cpu != kNoCpu && spec_.wake_affine > 0 && k.last_cpu != kNoCpu &&
      cpus_[k.last_cpu].thread != kNoThread && rngs_[t]->uniform01() < spec_.wake_affine) {
    join(k.last_cpu);
    wake_affine(t, k.last_cpu, waker);
    return;
  }
  if (cpu == kNoCpu && spec_.per_cpu_queues) {
    // No idle CPU: it is placed on its home (a first wake-up on the waker's CPU, or the first),
    // and preempts or queues there only.
    CpuId home = k.last_cpu;
    if (home == kNoCpu)
      home = waker != kNoThread && tasks_[waker].cpu != kNoCpu ? tasks_[waker].cpu : 0;
    join(home);
    wake_affine(t, home, waker);
    return;
  }
  join(cpu != kNoCpu ? cpu : 0);  // with the shared queue every CPU's is the same
  if (cpu != kNoCpu) {
    k.state = State::Waking;
    k.cpu = cpu;
    cpus_[cpu].thread = t;
    --idle_cpus_;
    const sim::Time latency = idle_wakeup_latency(cpu, t);
    k.wake_event = sim_.after(arrivals_, latency + spec_.context_switch, [this, t] { arrive(t); });
    return;
  }
  const CpuId waker_cpu = waker != kNoThread ? tasks_[waker].cpu : kNoCpu;
  if (waker_cpu != kNoCpu) renew_deadline(waker_cpu);
  if (spec_.wakeup_preemption && waker_cpu != kNoCpu && preemption_lead(waker_cpu, t) >= 0) {
    // On the waker's own CPU: rescheduled on the way out of its system call.
    preempt(waker_cpu);
    dispatch(t, waker_cpu);
    return;
  }
  if (spec_.wakeup_preemption && pick_victim(t) != kNoCpu) {
    k.state = State::Signalled;
    const sim::Time latency = spec_.wakeup_latency.sample(*rngs_[t]);
    k.wake_event = sim_.after(latency, [this, t] { land(t); });
    return;
  }
  enqueue(t, kNoCpu);
}

void OsScheduler::wake_affine(ThreadId t, CpuId cpu, ThreadId waker) {
  Task& k = tasks_[t];
  renew_deadline(cpu);
  if (spec_.wakeup_preemption && preemption_lead(cpu, t) >= 0) {
    if (waker != kNoThread && tasks_[waker].cpu == cpu) {
      preempt(cpu);
      dispatch(t, cpu);
      return;
    }
    k.state = State::Signalled;
    k.affine = cpu;
    const sim::Time latency = spec_.wakeup_latency.sample(*rngs_[t]);
    k.wake_event = sim_.after(latency, [this, t] { land(t); });
    return;
  }
  enqueue(t, cpu);
}

void OsScheduler::land(ThreadId t) {
  // The wake-up interrupt has arrived: whatever is best now.
  Task& k = tasks_[t];
  k.wake_event = {};
  update_min_vruntime();
  if (k.affine != kNoCpu) {
    // It stays on that CPU: preempts what runs there now, or takes it if it fell idle.
    const CpuId cpu = k.affine;
    k.affine = kNoCpu;
    renew_deadline(cpu);
    if (cpus_[cpu].thread == kNoThread) {
      --idle_cpus_;
      dispatch(t, cpu);
    } else if (preemption_lead(cpu, t) >= 0) {
      preempt(cpu);
      dispatch(t, cpu);
    } else {
      enqueue(t, cpu);
    }
    return;
  }
  const CpuId cpu = pick_idle_cpu(k.last_cpu);
  if (cpu != kNoCpu) {
    --idle_cpus_;
    dispatch(t, cpu);
    return;
  }
  const CpuId victim = pick_victim(t);
  if (victim != kNoCpu) {
    preempt(victim);
    dispatch(t, victim);
    return;
  }
  enqueue(t, kNoCpu);
}

void OsScheduler::arrive(ThreadId t) {
  // The wake-up latency and then the context switch onto the reserved idle CPU are over.
  Task& k = tasks_[t];
  const sim::Time switch_start = sim_.now() - spec_.context_switch;
  account(k, TimeCat::Sys, switch_start);
  machine_.occupy(k.cpu, switch_start);
  k.wake_event = {};
  k.last_cpu = k.cpu;
  start_running(t, k.cpu, switch_start);
}

void OsScheduler::dispatch(ThreadId t, CpuId cpu) {
  // A runnable thread takes over a CPU that stays busy: the switch is a burst on it.
  Task& k = tasks_[t];
  cpus_[cpu].thread = t;
  k.cpu = cpu;
  k.last_cpu = cpu;
  machine_.occupy(cpu);
  if (spec_.context_switch > 0) {
    k.state = State::Running;
    k.on_cpu_since = sim_.now();
    k.switching = true;
    ++switches_;
    begin_slice(cpu);
    if (!queue_of(cpu).empty()) arm_slice(cpu);
    account(k, TimeCat::Sys);
    if (machine_.threads_per_core() == 1) {
      // Nothing re-rates a lone hardware thread: the switch takes exactly context_switch, and
      // all switches end in the order they began.
      k.switch_event =
          sim_.after(switch_ends_, spec_.context_switch, [this, cpu] { on_burst_done(cpu); });
    } else {
      machine_.start_burst(cpu, spec_.context_switch);
    }
    return;
  }
  start_running(t, cpu, sim_.now());
}

void OsScheduler::start_running(ThreadId t, CpuId cpu, sim::Time on_cpu_since) {
  Task& k = tasks_[t];
  k.state = State::Running;
  k.on_cpu_since = on_cpu_since;
  ++switches_;
  begin_slice(cpu);
  if (!queue_of(cpu).empty()) arm_slice(cpu);
  if (k.has_burst) {
    account(k, k.burst_cat);
    machine_.start_burst(cpu, k.burst_left);
    return;
  }
  if (k.cat != TimeCat::Sys) account(k, TimeCat::Sys);  // no time passes until it acts
  client_.on_running(t);
}

void OsScheduler::on_burst_done(CpuId cpu) {
  const ThreadId t = cpus_[cpu].thread;
  Task& k = tasks_[t];
  if (k.switching) {
    k.switching = false;
    if (k.has_burst) {
      account(k, k.burst_cat);
      machine_.start_burst(cpu, k.burst_left);
    } else {
      client_.on_running(t);
    }
    return;
  }
  k.has_burst = false;
  k.burst_left = 0;
  account(k, TimeCat::Sys);  // no time passes until the client starts a burst or blocks
  client_.on_burst_done(t);
}

void OsScheduler::run_burst(ThreadId t, TimeCat cat, std::int64_t work) {
  Task& k = tasks_[t];
  if (k.state != State::Running || k.has_burst || k.switching) {
    throw std::logic_error("run_burst on a thread that is not running idle");
  }
  k.has_burst = true;
  k.burst_cat = cat;
  k.burst_left = work;
  account(k, cat);
  machine_.start_burst(k.cpu, work);
}

std::int64_t OsScheduler::burst_left(ThreadId t) {
  Task& k = tasks_[t];
  if (!k.has_burst) return 0;
  if (k.state == State::Running && !k.switching) return machine_.burst_left(k.cpu);
  return k.burst_left;
}

void OsScheduler::trim_burst(ThreadId t, std::int64_t left) {
  Task& k = tasks_[t];
  if (!k.has_burst) return;
  if (k.state == State::Running && !k.switching) {
    machine_.trim_burst(k.cpu, left);
  } else if (left < k.burst_left) {
    k.burst_left = left < 0 ? 0 : left;
  }
}

void OsScheduler::block(ThreadId t, TimeCat cat) {
  Task& k = tasks_[t];
  if (k.state != State::Running || k.has_burst) throw std::logic_error("blocking a busy thread");
  if (spec_.lag_placement) save_lag(t, k.cpu);
  end_slice(k.cpu);
  account(k, cat);
  k.state = State::Blocked;
  k.off_cpu_at = sim_.now();
  const CpuId cpu = k.cpu;
  k.cpu = kNoCpu;
  if (delays_dequeue(t, cpu)) {
    k.delayed = true;
    RunQueue& q = queue_of(cpu);
    q.emplace_back(k.vruntime, t);
    std::push_heap(q.begin(), q.end(), std::greater<>());
  }
  release_cpu(cpu);
}

void OsScheduler::exit(ThreadId t) {
  Task& k = tasks_[t];
  if (k.state != State::Running || k.has_burst) throw std::logic_error("exiting a busy thread");
  settle_time(k);
  k.state = State::Exited;
  if (observer_ != nullptr) observer_->on_exit(sim_.now(), t);
  const CpuId cpu = k.cpu;
  k.cpu = kNoCpu;
  release_cpu(cpu);
}

}  // namespace gilsim::models
