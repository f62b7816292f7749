// The OS scheduler's accounts of each thread's time: its split by category, its virtual
// runtime and its recent CPU use; and the light threads' wake-ups that follow the waker to its
// CPU (see os_scheduler.hpp for the model).
#include <cmath>

#include "models/os_scheduler.hpp"

namespace gilsim::models {
namespace {
constexpr double kUseHalfLife = 32.0 * double(sim::kMillisecond);  // Linux's PELT: 32 ms
}  // namespace

void OsScheduler::settle_time(Task& task) {
  const sim::Time now = sim_.now();
  if (tracks_use()) task.recent_use = recent_use(task);
  task.split[std::size_t(task.cat)] += now - task.since;
  if (on_cpu(task.cat)) task.vruntime += now - task.since;
  task.since = now;
}

void OsScheduler::account(Task& task, TimeCat next, sim::Time now) {
  // Staying in the same category needs no bookkeeping: the time is added when it changes (or
  // when split() is read), and vruntime_now() counts a running thread's time since `since`.
  if (next == task.cat) return;
  const sim::Time elapsed = now - task.since;
  if (tracks_use()) task.recent_use = decayed_use(task.recent_use, elapsed, on_cpu(task.cat));
  task.split[std::size_t(task.cat)] += elapsed;
  if (on_cpu(task.cat)) task.vruntime += elapsed;
  task.since = now;
  if (observer_ != nullptr) {
    observer_->on_thread_state(now, ThreadId(&task - tasks_.data()), next,
                               on_cpu(next) ? task.cpu : kNoCpu);
  }
  task.cat = next;
}

const TimeSplit& OsScheduler::split(ThreadId t) {
  Task& k = tasks_[t];
  if (k.state != State::Exited && k.state != State::Unborn) settle_time(k);
  return k.split;
}

double OsScheduler::decayed_use(double use, sim::Time elapsed, bool on) {
  const double keep = std::exp2(-double(elapsed) / kUseHalfLife);
  return use * keep + (on ? 1 - keep : 0);
}

double OsScheduler::recent_use(const Task& task) const {
  return decayed_use(task.recent_use, sim_.now() - task.since, on_cpu(task.cat));
}

bool OsScheduler::follows_waker(ThreadId t, ThreadId waker, double use) {
  if (spec_.light_follows_waker <= 0 || waker == kNoThread) return false;
  const Task& k = tasks_[t];
  const CpuId there = tasks_[waker].cpu;
  if (there == kNoCpu || there == k.last_cpu || k.last_cpu == kNoCpu) return false;
  if (cpus_[k.last_cpu].thread != kNoThread) return false;  // its own CPU is busy: it stays
  if (use >= spec_.light_share * recent_use(tasks_[waker])) return false;
  return rngs_[t]->uniform01() < spec_.light_follows_waker;
}

}  // namespace gilsim::models
