// The OS scheduler's light threads: each thread's recent CPU use, and the wake-ups that follow
// the waker to its CPU (see os_scheduler.hpp for the model).
#include <cmath>

#include "models/os_scheduler.hpp"

namespace gilsim::models {
namespace {
constexpr double kUseHalfLife = 32.0 * double(sim::kMillisecond);  // Linux's PELT: 32 ms
}  // namespace

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
