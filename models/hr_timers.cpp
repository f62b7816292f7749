#include "models/hr_timers.hpp"

#include <algorithm>
#include <utility>

namespace gilsim::models {

sim::EventId HrTimers::arm(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                           sim::Callback fire, sim::Rng* rng) {
  if (late_.chance <= 0 || cpu == kNoCpu || rng == nullptr)
    return schedule(cpu, lane, deadline_in, slack, fire);
  std::uint32_t s = 0;
  if (free_slots_.empty()) {
    s = std::uint32_t(slots_.size());
    slots_.emplace_back();
  } else {
    s = free_slots_.back();
    free_slots_.pop_back();
  }
  const sim::EventId event = schedule(cpu, lane, deadline_in, slack, [this, s] { deliver(s); });
  slots_[s] = Slot{event.seq, {}, rng, cpu, fire};
  return event;
}

sim::EventId HrTimers::schedule(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                                sim::Callback fire) {
  if (!coalesce_ || cpu == kNoCpu) return sim_.after(lane, deadline_in + slack, fire);
  const std::uint32_t id = next_id_++;
  const sim::EventId event = sim_.after(deadline_in + slack, [this, cpu, id] { expire(cpu, id); });
  armed_[std::size_t(cpu)].push_back(
      Armed{id, event, sim_.now() + deadline_in, sim_.now() + deadline_in + slack, fire});
  return event;
}

void HrTimers::cancel(sim::EventId& id) {
  if (!id) return;
  for (std::uint32_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].primary == id.seq) {
      sim_.cancel(slots_[s].late);
      release(s);
      break;
    }
  }
  sim_.cancel(id);
}

void HrTimers::release(std::uint32_t s) {
  slots_[s] = Slot{};
  free_slots_.push_back(s);
}

void HrTimers::deliver(std::uint32_t s) {
  // The timer's interrupt is due. On an idle CPU it may come late; every timer of the CPU due
  // at this instant shares the interrupt, so the first one's draw holds for the others.
  Slot& slot = slots_[s];
  if (state_->cpu_idle(slot.cpu)) {
    Draw& draw = last_draw_[std::size_t(slot.cpu)];
    if (draw.at != sim_.now()) {
      draw.at = sim_.now();
      draw.delay = slot.rng->uniform01() < late_.chance ? late_.delay.sample(*slot.rng) : 0;
    }
    if (draw.delay > 0) {
      slot.late = sim_.after(draw.delay, [this, s] {
        sim::Callback fire = slots_[s].fire;
        release(s);
        fire();
      });
      return;
    }
  }
  sim::Callback fire = slot.fire;
  release(s);
  fire();
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
