// The OS scheduler's placement and fairness: which idle CPU a wake-up takes and what it
// costs, virtual runtime, the run queues, a CPU falling free, wake-up preemption and time slices
// (see os_scheduler.hpp for the model).
#include <algorithm>
#include <functional>
#include <stdexcept>

#include "models/os_scheduler.hpp"

namespace gilsim::models {

sim::Time OsScheduler::vruntime_now(const Task& task) const {
  return task.vruntime + (on_cpu(task.cat) ? sim_.now() - task.since : 0);
}

void OsScheduler::update_min_vruntime() {
  sim::Time lowest = sim::kNever;
  for (const CpuSlot& slot : cpus_) {
    if (slot.thread == kNoThread) continue;
    const Task& k = tasks_[slot.thread];
    if (k.state == State::Running) lowest = std::min(lowest, vruntime_now(k));
  }
  for (const RunQueue& q : queues_) {
    if (!q.empty()) lowest = std::min(lowest, q.front().first);
  }
  if (lowest != sim::kNever && lowest > min_vruntime_) min_vruntime_ = lowest;
}

ThreadId OsScheduler::pop_queue(CpuId cpu) {
  drop_delayed_front(cpu, sim::kNever);  // delayed threads picked on the way: blocked after all
  RunQueue& q = queue_of(cpu);
  if (q.empty()) return kNoThread;
  std::pop_heap(q.begin(), q.end(), std::greater<>());
  const ThreadId t = q.back().second;
  q.pop_back();
  --queued_;
  return t;
}

ThreadId OsScheduler::pull_queued(bool hot_too) {
  const sim::Time now = sim_.now();
  std::size_t from = queues_.size();
  std::size_t at = 0;
  for (std::size_t c = 0; c < queues_.size(); ++c) {
    const RunQueue& q = queues_[c];
    for (std::size_t i = 0; i < q.size(); ++i) {
      const Task& k = tasks_[q[i].second];
      if (k.delayed) continue;
      if (!hot_too && now - k.off_cpu_at < spec_.migration_cost) continue;
      if (from == queues_.size() || q[i] < queues_[from][at]) {
        from = c;
        at = i;
      }
    }
  }
  if (from == queues_.size()) return kNoThread;
  RunQueue& q = queues_[from];
  const ThreadId t = q[at].second;
  q.erase(q.begin() + std::ptrdiff_t(at));
  std::make_heap(q.begin(), q.end(), std::greater<>());
  --queued_;
  return t;
}

sim::Time OsScheduler::preemption_lead(CpuId c, ThreadId w) const {
  const ThreadId t = cpus_[c].thread;
  if (t == kNoThread) return -1;
  const Task& k = tasks_[t];
  // Only a thread in the middle of a burst can be preempted; one that is deciding what to do
  // next (no burst) is inside the kernel or a lock call and reaches a burst at once.
  if (k.state != State::Running || (!k.switching && !k.has_burst)) return -1;
  const Task& wakee = tasks_[w];
  const sim::Time running = vruntime_now(k);
  const sim::Time lead = running - wakee.vruntime;
  bool claim_lost = false;  // the running thread is past the average (EEVDF)
  if (spec_.lag_placement || spec_.tick > 0) {
    const Eligibility e = eligibility(c, wakee.vruntime, running);
    if (!e.wakee) return -1;
    claim_lost = !e.running;
  }
  if (spec_.tick > 0) return eevdf_lead(c, wakee, running, claim_lost);
  return lead > 0 && lead >= spec_.wakeup_granularity ? lead : -1;
}

CpuId OsScheduler::pick_victim(ThreadId w) const {
  CpuId best = kNoCpu;
  sim::Time best_lead = -1;
  for (CpuId c = 0; c < CpuId(cpus_.size()); ++c) {
    const sim::Time lead = preemption_lead(c, w);
    if (lead >= 0 && lead > best_lead) {
      best = c;
      best_lead = lead;
    }
  }
  return best;
}

void OsScheduler::release_cpu(CpuId cpu) {
  cpus_[cpu].thread = kNoThread;
  if (const ThreadId next = pop_queue(cpu); next != kNoThread) {
    dispatch(next, cpu);
    return;
  }
  if (spec_.per_cpu_queues && queued_ > 0) {
    // Linux's newidle balance: a thread queued elsewhere that is no longer cache-hot.
    const ThreadId t = pull_queued(false);
    if (t != kNoThread) {
      dispatch(t, cpu);
      return;
    }
  }
  ++idle_cpus_;
  cpus_[cpu].idle_since = sim_.now();
  machine_.vacate(cpu);
  if (queued_ > 0) arm_balance();
}

void OsScheduler::preempt(CpuId cpu) {
  const ThreadId t = cpus_[cpu].thread;
  Task& k = tasks_[t];
  if (!k.switching && !k.has_burst) throw std::logic_error("preempting a thread between bursts");
  end_slice(cpu);
  if (k.switching) {
    // The switch is redone when the thread runs again.
    if (machine_.threads_per_core() == 1) {
      sim_.cancel(k.switch_event);
    } else {
      machine_.stop_burst(cpu);
    }
    k.switching = false;
  } else if (k.has_burst) {
    k.burst_left = machine_.stop_burst(cpu);
  }
  ++preemptions_;
  cpus_[cpu].thread = kNoThread;
  k.cpu = kNoCpu;
  k.off_cpu_at = sim_.now();
  account(k, k.wait_cat);
  enqueue(t, cpu);
}

void OsScheduler::enqueue(ThreadId t, CpuId cpu) {
  Task& k = tasks_[t];
  k.state = State::Queued;
  if (cpu == kNoCpu) cpu = k.last_cpu != kNoCpu ? k.last_cpu : 0;
  RunQueue& q = queue_of(cpu);
  const bool was_empty = q.empty();
  q.emplace_back(k.vruntime, t);
  std::push_heap(q.begin(), q.end(), std::greater<>());
  ++queued_;
  if (was_empty) {
    if (spec_.per_cpu_queues) {
      arm_slice_if_running(cpu);
    } else {
      arm_slices();
    }
  }
  // Only a wake-affine placement queues a thread while a CPU idles.
  if (idle_cpus_ > 0) arm_balance();
}

CpuId OsScheduler::pick_idle_cpu(CpuId prev) const {
  if (idle_cpus_ == 0) return kNoCpu;
  const auto n = CpuId(cpus_.size());
  const auto tpc = CpuId(machine_.threads_per_core());
  auto core_free = [&](CpuId first) {
    for (CpuId c = first; c < first + tpc; ++c) {
      if (cpus_[c].thread != kNoThread) return false;
    }
    return true;
  };
  // Linux's select_idle_sibling tries the previous CPU first (its caches are warm).
  if (prev != kNoCpu && cpus_[prev].thread == kNoThread && core_free(prev - prev % tpc)) {
    return prev;
  }
  if (tpc == 1) {
    for (CpuId c = 0; c < n; ++c) {
      if (cpus_[c].thread == kNoThread) return c;
    }
    return kNoCpu;
  }
  // Prefer a CPU whose whole core is free (no sibling running or about to run).
  CpuId fallback = kNoCpu;
  for (CpuId first = 0; first < n; first += tpc) {
    if (core_free(first)) return first;
    for (CpuId c = first; c < first + tpc && fallback == kNoCpu; ++c) {
      if (cpus_[c].thread == kNoThread) fallback = c;
    }
  }
  return fallback;
}

sim::Time OsScheduler::idle_wakeup_latency(CpuId cpu, ThreadId t) {
  const sim::Time idle = sim_.now() - cpus_[cpu].idle_since;
  const sim::Dist* dist = &spec_.wakeup_latency;
  for (const IdleWakeup& row : spec_.idle_wakeup_latency) {
    if (idle < row.after) break;
    dist = &row.latency;
  }
  return dist->sample(*rngs_[t]);
}

void OsScheduler::arm_balance() {
  if (!sim_.pending(balance_)) balance_ = sim_.after(spec_.balance_delay, [this] { balance(); });
}

void OsScheduler::balance() {
  balance_ = {};
  if (idle_cpus_ == 0 || queued_ == 0) return;
  const CpuId cpu = pick_idle_cpu(kNoCpu);
  --idle_cpus_;
  dispatch(spec_.per_cpu_queues ? pull_queued(true) : pop_queue(cpu), cpu);
  if (idle_cpus_ > 0 && queued_ > 0) arm_balance();
}

void OsScheduler::arm_slices() {
  for (CpuId c = 0; c < CpuId(cpus_.size()); ++c) arm_slice_if_running(c);
}

void OsScheduler::arm_slice_if_running(CpuId cpu) {
  const ThreadId t = cpus_[cpu].thread;
  if (t != kNoThread && tasks_[t].state == State::Running) arm_slice(cpu);
}

sim::Time OsScheduler::slice_end(CpuId cpu, bool tick_now_done) const {
  // The slice ends when the running thread reaches its deadline; the first tick at or after
  // that renews it a slice from that tick, and so on: renewals come every `every` ticks.
  const sim::Time end = cpus_[cpu].deadline_end;
  const sim::Time first_renewal = tick_at_or_after(end);
  const sim::Time now = sim_.now();
  const sim::Time upto = tick_now_done ? now : now - 1;  // the last tick that has renewed it
  if (first_renewal > upto) return end;
  const sim::Time every = tick_at_or_after(spec_.slice);
  return first_renewal + (upto - first_renewal) / every * every + spec_.slice;
}

// Slice timers are lazy: at most one pending per CPU. When it fires it checks the slice of
// whichever thread is on the CPU then, and re-arms for that slice's end if it is not over.
void OsScheduler::arm_slice(CpuId cpu) {
  CpuSlot& slot = cpus_[cpu];
  if (sim_.pending(slot.slice)) return;
  if (spec_.tick > 0) {
    arm_tick_check(cpu, sim_.now());
    return;
  }
  const sim::Time end = tasks_[slot.thread].on_cpu_since + spec_.timeslice;
  slot.slice = sim_.at(end > sim_.now() ? end : sim_.now(), [this, cpu] { slice_expired(cpu); });
}

void OsScheduler::arm_tick_check(CpuId cpu, sim::Time not_before) {
  const sim::Time at = tick_at_or_after(std::max(cpus_[cpu].protect_end, not_before));
  cpus_[cpu].slice = sim_.at(at, [this, cpu] { slice_expired(cpu); });
}

void OsScheduler::slice_expired(CpuId cpu) {
  CpuSlot& slot = cpus_[cpu];
  slot.slice = {};
  if (queue_of(cpu).empty() || slot.thread == kNoThread) return;
  Task& k = tasks_[slot.thread];
  if (k.state != State::Running) return;
  if (spec_.tick > 0 && sim_.now() < slot.protect_end) {
    // A tick inside the protected slice: nothing is picked.
    arm_tick_check(cpu, sim_.now() + 1);
    return;
  }
  drop_delayed_front(cpu, vruntime_now(k));
  if (queue_of(cpu).empty()) return;
  if (spec_.tick > 0) {
    // Each tick after the protected slice: the running thread keeps its CPU while EEVDF would
    // still pick it.
    if (!tick_picks_queued(cpu)) {
      arm_tick_check(cpu, sim_.now() + 1);  // the next tick, not this one
      return;
    }
    preempt(cpu);
    dispatch(pop_queue(cpu), cpu);
    return;
  }
  if (sim_.now() < k.on_cpu_since + spec_.timeslice) {
    arm_slice(cpu);
    return;
  }
  if (queue_of(cpu).front().first >= vruntime_now(k)) {
    // Still the fairest choice: it keeps the CPU for another slice.
    k.on_cpu_since = sim_.now();
    arm_slice(cpu);
    return;
  }
  preempt(cpu);
  dispatch(pop_queue(cpu), cpu);  // the queue's front is runnable: it leads the preempted thread
}

}  // namespace gilsim::models
