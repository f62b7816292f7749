// The OS scheduler's EEVDF rules (kernel/sched/fair.c): placement by lag (update_entity_lag,
// place_entity, entity_eligible), where a thread leaving its CPU's run queue keeps how far it
// was behind the queue's average virtual runtime and comes back that far behind it, and
// delayed dequeue (see os_scheduler.hpp for the model).
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

}  // namespace gilsim::models
