// Linux high-resolution timers with slack (kernel/time/hrtimer.c), reduced to what GIL
// behaviour feels. A sleep or a futex timed wait arms an hrtimer on the CPU the thread blocks
// on, with a soft expiry (the deadline) and a hard one (deadline + the thread's timer slack).
// Each CPU's clock event is programmed for its earliest hard expiry; when it fires,
// __hrtimer_run_queues runs every timer of that CPU whose soft expiry has passed. So timers
// armed close together on one CPU fire at the same instant: two GIL waiters that began their
// timed waits within the slack of each other wake together and race for the request.
//
// With `coalesce` false every timer simply fires at its hard expiry (the model before it).
//
// A timer interrupt that falls due on an idle CPU may reach it late (`IdleTimerDelay`): on a
// virtual machine an idle vCPU is halted, and the host resumes it when it gets round to it.
// Measured on the Intel reference host (2 vCPUs, 2026-12-03, 3000 to 8000 sleeps a time): 1-2%
// of 1 ms sleeps on an idle vCPU end 0.3 to 7 ms late, against 0.1% on a busy one, while a wake-up
// sent by the other vCPU (an inter-processor interrupt) reaches an idle one within 0.35 ms. All
// timers of a CPU due at one instant share that interrupt, hence its lateness.
//
// Cancel a timer with cancel() (Simulator::cancel alone misses a late delivery in flight).
#pragma once

#include <cstdint>
#include <vector>

#include "models/ids.hpp"
#include "sim/distribution.hpp"
#include "sim/simulator.hpp"

namespace gilsim::models {

/// The late delivery of timer interrupts to an idle CPU: with probability `chance` the
/// interrupt comes `delay` late (0: never).
struct IdleTimerDelay {
  double chance = 0;
  sim::Dist delay;
  friend bool operator==(const IdleTimerDelay&, const IdleTimerDelay&) = default;
};

class HrTimers {
 public:
  /// Whether a CPU is idle (no thread running on it or on its way there).
  struct CpuState {
    virtual ~CpuState() = default;
    virtual bool cpu_idle(CpuId cpu) const = 0;
  };

  /// `state`: where CPUs' idleness comes from (needed only with a late.chance above 0).
  HrTimers(sim::Simulator& sim, int cpus, bool coalesce, IdleTimerDelay late = {},
           const CpuState* state = nullptr)
      : sim_(sim),
        coalesce_(coalesce),
        late_(state != nullptr ? late : IdleTimerDelay{}),
        state_(state),
        armed_(std::size_t(cpus)),
        last_draw_(std::size_t(cpus)) {}

  /// Arms a timer on `cpu` whose deadline is `deadline_in` from now and which fires at the
  /// latest `slack` after it. `lane`: a lane for the uncoalesced case (its events come in
  /// time order). `rng`: the stream a late delivery is drawn from (the thread's; none: the
  /// timer is never late).
  sim::EventId arm(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                   sim::Callback fire, sim::Rng* rng = nullptr);
  /// The timer will not fire (if it has not yet). Resets the id.
  void cancel(sim::EventId& id);

 private:
  struct Armed {
    std::uint32_t id;
    sim::EventId event;
    sim::Time soft;
    sim::Time hard;
    sim::Callback fire;
  };
  // A timer that may be delivered late: its callback, and its late delivery once drawn.
  struct Slot {
    std::uint64_t primary = 0;  // the seq of the event arm() returned; 0: free
    sim::EventId late;
    sim::Rng* rng = nullptr;
    CpuId cpu = kNoCpu;
    sim::Callback fire;
  };
  struct Draw {
    sim::Time at = -1;  // the instant of the CPU's last interrupt on an idle CPU
    sim::Time delay = 0;
  };
  sim::EventId schedule(CpuId cpu, sim::LaneId lane, sim::Time deadline_in, sim::Time slack,
                        sim::Callback fire);
  void expire(CpuId cpu, std::uint32_t id);
  void deliver(std::uint32_t slot);
  void release(std::uint32_t slot);

  sim::Simulator& sim_;
  bool coalesce_;
  IdleTimerDelay late_;
  const CpuState* state_;
  std::vector<std::vector<Armed>> armed_;  // per CPU, in arming order
  std::uint32_t next_id_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<Draw> last_draw_;  // per CPU
};

}  // namespace gilsim::models
