// The OS scheduler's EEVDF rules (kernel/sched/fair.c): placement by lag (update_entity_lag,
// place_entity, entity_eligible), where a thread leaving its CPU's run queue keeps how far it
// was behind the queue's average virtual runtime and comes back that far behind it; delayed
// dequeue; and, with a tick, deadlines and protected slices (update_deadline,
// set_protect_slice, __pick_eevdf). See os_scheduler.hpp for the model.
#include <algorithm>
#include <functional>
#include <stdexcept>

#include "models/os_scheduler.hpp"

namespace gilsim::models {

std::pair<sim::Time, std::int64_t> OsScheduler::queue_load(CpuId cpu) const {
  sim::Time sum = 0;
  std::int64_t n = 0;
  auto add_running = [&](CpuId c) {
    const ThreadId t = cpus_[c].thread;
    if (t == kNoThread) return;
    const Task& k = tasks_[t];
    if (k.state != State::Running && k.state != State::Waking) return;
    sum += vruntime_now(k);
    ++n;
  };
  if (spec_.per_cpu_queues) {
    add_running(cpu);
  } else {
    for (CpuId c = 0; c < CpuId(cpus_.size()); ++c) add_running(c);
  }
  for (const auto& entry : queue_of(cpu)) {
    sum += entry.first;
    ++n;
  }
  return {sum, n};
}

sim::Time OsScheduler::lag_limit() const {
  // Linux clamps the lag to twice the slice or one tick, whichever is longer.
  return std::max(2 * spec_.slice, spec_.tick);
}

void OsScheduler::save_lag(ThreadId t, CpuId cpu) {
  Task& k = tasks_[t];
  const auto [sum, n] = queue_load(cpu);  // the thread is still counted there
  const sim::Time v = vruntime_now(k);
  const sim::Time lag = n > 0 ? (sum - v * n) / n : 0;
  k.lag = std::clamp(lag, -lag_limit(), lag_limit());
}

void OsScheduler::place_by_lag(ThreadId t, CpuId cpu) {
  Task& k = tasks_[t];
  const auto [sum, n] = queue_load(cpu);
  // An empty queue has no average to keep a distance from: the thread's virtual runtime stays
  // as it is, and only differences between the threads of one queue matter.
  if (n == 0) return;
  // Placed so that, counted in the average, it is `lag` behind it (place_entity's scaling).
  k.vruntime = sum / n - k.lag * (n + 1) / n;
}

OsScheduler::Eligibility OsScheduler::eligibility(CpuId c, sim::Time wakee_vruntime,
                                                  sim::Time running) const {
  auto [sum, n] = queue_load(c);
  sum += wakee_vruntime;
  ++n;
  Eligibility e;
  // Eligible: at or before the average virtual runtime, the wakee counted.
  e.running = running * n <= sum;
  e.wakee = wakee_vruntime * n <= sum;
  // The wakee is picked only if no eligible queued thread has an earlier deadline (a slice past
  // its virtual runtime, as the wakee's).
  for (const auto& [v, u] : queue_of(c)) {
    if (!tasks_[u].delayed && v < wakee_vruntime && v * n <= sum) e.wakee = false;
  }
  return e;
}

void OsScheduler::drop_delayed_front(CpuId cpu, sim::Time running) {
  RunQueue& q = queue_of(cpu);
  while (!q.empty() && tasks_[q.front().second].delayed && q.front().first < running) {
    const ThreadId t = q.front().second;
    if (spec_.lag_placement) {
      save_lag(t, cpu);  // picked: it leaves with its lag, at most 0 (Linux's DELAY_ZERO)
      tasks_[t].lag = std::min(tasks_[t].lag, sim::Time(0));
    }
    tasks_[t].delayed = false;
    std::pop_heap(q.begin(), q.end(), std::greater<>());
    q.pop_back();
  }
}

bool OsScheduler::delays_dequeue(ThreadId t, CpuId cpu) const {
  if (!spec_.delayed_dequeue || !spec_.per_cpu_queues) return false;
  const RunQueue& q = queue_of(cpu);
  bool runnable = false;
  sim::Time sum = tasks_[t].vruntime;
  for (const auto& [v, u] : q) {
    runnable = runnable || !tasks_[u].delayed;
    sum += v;
  }
  // Not eligible: past the average virtual runtime of its CPU's threads (EEVDF's 0-lag point).
  return runnable && tasks_[t].vruntime * std::int64_t(q.size() + 1) > sum;
}

void OsScheduler::undelay(ThreadId t) {
  Task& k = tasks_[t];
  RunQueue& q = queue_of(k.last_cpu);
  const auto at = std::find_if(q.begin(), q.end(), [t](const auto& e) { return e.second == t; });
  if (at == q.end()) throw std::logic_error("a delayed thread missing from its queue");
  q.erase(at);
  std::make_heap(q.begin(), q.end(), std::greater<>());
  k.delayed = false;
}

// Deadlines (with a tick; update_deadline, set_protect_slice, __pick_eevdf): a thread placed by a
// wake-up gets a deadline a slice past its virtual runtime; the first update after its virtual
// runtime passes it (a tick, or a wake-up onto its CPU) renews it a slice past that. Picked, a
// thread keeps its deadline and is protected until it reaches it.

void OsScheduler::begin_slice(CpuId cpu) {
  if (spec_.tick == 0) return;
  CpuSlot& slot = cpus_[cpu];
  const Task& k = tasks_[slot.thread];
  const sim::Time left = k.deadline - k.vruntime;  // its virtual runtime as of the pick
  slot.protect_end = k.on_cpu_since + left;
  slot.deadline_end = k.on_cpu_since + std::max(left, sim::Time(0));
  slot.updated = k.on_cpu_since;
}

void OsScheduler::end_slice(CpuId cpu) {
  if (spec_.tick == 0) return;
  Task& k = tasks_[cpus_[cpu].thread];
  k.deadline = vruntime_now(k) + (slice_end(cpu, true) - sim_.now());
}

void OsScheduler::renew_deadline(CpuId cpu) {
  if (spec_.tick == 0) return;
  CpuSlot& slot = cpus_[cpu];
  if (slot.thread == kNoThread || tasks_[slot.thread].state != State::Running) return;
  slot.updated = sim_.now();
  if (sim_.now() >= slice_end(cpu, true)) slot.deadline_end = sim_.now() + spec_.slice;
}

sim::Time OsScheduler::eevdf_lead(CpuId c, const Task& w, sim::Time running,
                                  bool claim_lost) const {
  const sim::Time lead = std::max(running - w.vruntime, sim::Time(0));
  if (claim_lost) return lead;  // past the average, it cannot be picked
  if (sim_.now() < cpus_[c].protect_end) return -1;
  // Linux picks the wakee on a tie.
  if (w.deadline > running_deadline(c, running)) return -1;
  return lead >= spec_.wakeup_granularity ? lead : -1;
}

sim::Time OsScheduler::running_deadline(CpuId cpu, sim::Time running) const {
  const sim::Time end = slice_end(cpu, true);
  const sim::Time now = sim_.now();
  return running + (end > now ? end - now : spec_.slice);
}

bool OsScheduler::tick_picks_queued(CpuId cpu) const {
  const RunQueue& q = queue_of(cpu);
  const ThreadId front = q.front().second;
  if (tasks_[front].delayed) return false;
  const sim::Time running = vruntime_now(tasks_[cpus_[cpu].thread]);
  const auto [sum, n] = queue_load(cpu);
  if (q.front().first * n > sum) return false;  // not eligible
  if (running * n > sum) return true;           // the running thread is not
  return tasks_[front].deadline <= running_deadline(cpu, running);
}

void OsScheduler::requeue_delayed(ThreadId t) {
  if (!spec_.lag_placement) return;
  Task& k = tasks_[t];
  const CpuId cpu = k.last_cpu;
  auto [sum, n] = queue_load(cpu);  // without t, which undelay took out
  const CpuSlot& slot = cpus_[cpu];
  if (slot.thread != kNoThread && tasks_[slot.thread].state == State::Running) {
    // The running thread's virtual runtime as of its CPU's last update: a tick or a wake-up.
    const sim::Time last_tick = spec_.tick > 0 ? sim_.now() / spec_.tick * spec_.tick : 0;
    sum -= sim_.now() - std::max({slot.updated, last_tick, tasks_[slot.thread].on_cpu_since});
  }
  if (n == 0 || (sum + k.vruntime) <= k.vruntime * (n + 1)) return;  // no lag gained
  k.vruntime = sum / n;
  k.lag = 0;
  k.deadline = k.vruntime + spec_.slice;
}

}  // namespace gilsim::models
