#include "models/hr_timers.hpp"

#include <algorithm>
#include <utility>

namespace gilsim::models {

sim::EventId HrTimers::arm(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                           sim::Callback fire) {
  if (!coalesce_ || cpu == kNoCpu) return sim_.after(lane, deadline_in + slack, fire);
  const std::uint32_t id = next_id_++;
  const sim::EventId event = sim_.after(deadline_in + slack, [this, cpu, id] { expire(cpu, id); });
  armed_[std::size_t(cpu)].push_back(
      Armed{id, event, sim_.now() + deadline_in, sim_.now() + deadline_in + slack, fire});
  return event;
}

void HrTimers::expire(CpuId cpu, std::uint32_t id) {
  // The timer `id` has reached its hard expiry: the CPU's clock event fires and runs it and
  // every other timer of the CPU already past its soft expiry, in the order of their hard
  // expiries (the timer queue's), ties in arming order.
  const sim::Time now = sim_.now();
  std::vector<Armed>& armed = armed_[std::size_t(cpu)];
  std::vector<Armed> due;  // run after the scan: callbacks may arm timers on this CPU
  std::size_t kept = 0;
  for (Armed& a : armed) {
    if (a.id == id) {
      due.push_back(a);
    } else if (!sim_.pending(a.event)) {
      continue;  // cancelled
    } else if (a.soft <= now) {
      sim_.cancel(a.event);
      due.push_back(a);
    } else {
      armed[kept++] = a;
    }
  }
  armed.resize(kept);
  std::sort(due.begin(), due.end(), [](const Armed& a, const Armed& b) {
    return a.hard != b.hard ? a.hard < b.hard : a.id < b.id;
  });
  for (Armed& a : due) a.fire();
}

}  // namespace gilsim::models
