// Linux high-resolution timers with slack (kernel/time/hrtimer.c), reduced to what GIL
// behaviour feels. A sleep or a futex timed wait arms an hrtimer on the CPU the thread blocks
// on, with a soft expiry (the deadline) and a hard one (deadline + the thread's timer slack).
// Each CPU's clock event is programmed for its earliest hard expiry; when it fires,
// __hrtimer_run_queues runs every timer of that CPU whose soft expiry has passed. So timers
// armed close together on one CPU fire at the same instant: two GIL waiters that began their
// timed waits within the slack of each other wake together and race for the request.
//
// With `coalesce` false every timer simply fires at its hard expiry (the model before it).
// Cancellation is the event's own: a cancelled timer is dropped the next time its CPU's
// timers are scanned.
#pragma once

#include <cstdint>
#include <vector>

#include "models/ids.hpp"
#include "sim/simulator.hpp"

namespace gilsim::models {

class HrTimers {
 public:
  HrTimers(sim::Simulator& sim, int cpus, bool coalesce)
      : sim_(sim), coalesce_(coalesce), armed_(std::size_t(cpus)) {}

  /// Arms a timer on `cpu` whose deadline is `deadline_in` from now and which fires at the
  /// latest `slack` after it. `lane`: a lane for the uncoalesced case (its events come in
  /// time order). Cancel it with Simulator::cancel on the id.
  sim::EventId arm(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                   sim::Callback fire);

 private:
  struct Armed {
    std::uint32_t id;
    sim::EventId event;
    sim::Time soft;
    sim::Time hard;
    sim::Callback fire;
  };
  void expire(CpuId cpu, std::uint32_t id);

  sim::Simulator& sim_;
  bool coalesce_;
  std::vector<std::vector<Armed>> armed_;  // per CPU, in arming order
  std::uint32_t next_id_ = 0;
};

}  // namespace gilsim::models
