// The OS scheduler's placement and fairness: which idle CPU a wake-up takes and what it
// costs, virtual runtime, the run queue, wake-up preemption and time slices (see
// os_scheduler.hpp for the model).
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
  if (!run_queue_.empty()) lowest = std::min(lowest, run_queue_.front().first);
  if (lowest != sim::kNever && lowest > min_vruntime_) min_vruntime_ = lowest;
}

ThreadId OsScheduler::pop_queue() {
  std::pop_heap(run_queue_.begin(), run_queue_.end(), std::greater<>());
  const ThreadId t = run_queue_.back().second;
  run_queue_.pop_back();
  return t;
}

sim::Time OsScheduler::preemption_lead(CpuId c, sim::Time wakee_vruntime) const {
  const ThreadId t = cpus_[c].thread;
  if (t == kNoThread) return -1;
  const Task& k = tasks_[t];
  // Only a thread in the middle of a burst can be preempted; one that is deciding what to do
  // next (no burst) is inside the kernel or a lock call and reaches a burst at once.
  if (k.state != State::Running || (!k.switching && !k.has_burst)) return -1;
  const sim::Time lead = vruntime_now(k) - wakee_vruntime;
  return lead > 0 && lead >= spec_.wakeup_granularity ? lead : -1;
}

CpuId OsScheduler::pick_victim(sim::Time wakee_vruntime) const {
  CpuId best = kNoCpu;
  sim::Time best_lead = -1;
  for (CpuId c = 0; c < CpuId(cpus_.size()); ++c) {
    const sim::Time lead = preemption_lead(c, wakee_vruntime);
    if (lead >= 0 && lead > best_lead) {
      best = c;
      best_lead = lead;
    }
  }
  return best;
}

void OsScheduler::preempt(CpuId cpu) {
  const ThreadId t = cpus_[cpu].thread;
  Task& k = tasks_[t];
  if (!k.switching && !k.has_burst) throw std::logic_error("preempting a thread between bursts");
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
  account(k, k.wait_cat);
  enqueue(t);
}

void OsScheduler::enqueue(ThreadId t) {
  Task& k = tasks_[t];
  k.state = State::Queued;
  const bool was_empty = run_queue_.empty();
  run_queue_.emplace_back(k.vruntime, t);
  std::push_heap(run_queue_.begin(), run_queue_.end(), std::greater<>());
  if (was_empty) arm_slices();
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
  if (idle_cpus_ == 0 || run_queue_.empty()) return;
  const CpuId cpu = pick_idle_cpu(kNoCpu);
  --idle_cpus_;
  dispatch(pop_queue(), cpu);
  if (idle_cpus_ > 0 && !run_queue_.empty()) arm_balance();
}

void OsScheduler::arm_slices() {
  for (CpuId c = 0; c < CpuId(cpus_.size()); ++c) {
    const ThreadId t = cpus_[c].thread;
    if (t != kNoThread && tasks_[t].state == State::Running) arm_slice(c);
  }
}

// Slice timers are lazy: at most one pending per CPU. When it fires it checks the slice of
// whichever thread is on the CPU then, and re-arms for that slice's end if it is not over.
void OsScheduler::arm_slice(CpuId cpu) {
  CpuSlot& slot = cpus_[cpu];
  if (sim_.pending(slot.slice)) return;
  const sim::Time end = tasks_[slot.thread].on_cpu_since + spec_.timeslice;
  slot.slice = sim_.at(end > sim_.now() ? end : sim_.now(), [this, cpu] { slice_expired(cpu); });
}

void OsScheduler::slice_expired(CpuId cpu) {
  CpuSlot& slot = cpus_[cpu];
  slot.slice = {};
  if (run_queue_.empty() || slot.thread == kNoThread) return;
  Task& k = tasks_[slot.thread];
  if (k.state != State::Running) return;
  if (sim_.now() < k.on_cpu_since + spec_.timeslice) {
    arm_slice(cpu);
    return;
  }
  if (run_queue_.front().first >= vruntime_now(k)) {
    // Still the fairest choice: it keeps the CPU for another slice.
    k.on_cpu_since = sim_.now();
    arm_slice(cpu);
    return;
  }
  preempt(cpu);
  dispatch(pop_queue(), cpu);
}

}  // namespace gilsim::models
