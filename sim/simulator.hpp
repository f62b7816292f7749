// The engine: a clock, the future event set and the run loop. It knows nothing about Python,
// CPUs or locks. There is no global state: a Simulator is a value, and any number of them can
// run in one process (a sweep, a test suite).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sim/callback.hpp"
#include "sim/event_queue.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace gilsim::sim {

class Simulator {
 public:
  /// `replica` > 0 re-draws the environment's randomness (stream()) of the same seed, leaving
  /// the workload's (workload_stream()) as it is: the same work, run again.
  explicit Simulator(std::uint64_t seed, std::uint64_t replica = 0)
      : seed_(seed), replica_(replica) {}
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Time now() const { return now_; }
  std::uint64_t seed() const { return seed_; }
  std::uint64_t replica() const { return replica_; }

  /// Schedules fn at absolute time t. Throws std::logic_error if t is in the past: simulated
  /// time never goes backwards.
  EventId at(Time t, Callback fn) {
    if (t < now_) throw_past(t);
    return queue_.push(t, fn);
  }
  /// Schedules fn after delay d >= 0.
  EventId after(Time d, Callback fn) { return at(now_ + d, fn); }
  /// A lane for a source whose events are scheduled in non-decreasing time order (a cheaper
  /// path; see EventQueue). Results do not depend on whether lanes are used.
  LaneId add_lane() { return queue_.add_lane(); }
  EventId after(LaneId lane, Time d, Callback fn) {
    if (d < 0) throw_past(now_ + d);
    return queue_.push(lane, now_ + d, fn);
  }
  /// Lazy cancellation: the event will not fire. Resets the id.
  void cancel(EventId& id) {
    queue_.cancel(id);
    id = EventId{};
  }
  bool pending(EventId id) const { return queue_.pending(id); }

  /// A random stream derived from (run seed, name, replica); see Rng.
  Rng stream(std::string_view name) const {
    if (replica_ == 0) return Rng(seed_, name);
    return Rng(seed_, std::string(name) + "@replica" + std::to_string(replica_));
  }
  /// A stream of the workload itself (step durations), the same in every replica.
  Rng workload_stream(std::string_view name) const { return Rng(seed_, name); }

  /// Fires events in (time, seq) order while their time is <= horizon. Returns true if it
  /// stopped because the horizon was reached with events still pending; the clock is then
  /// set to the horizon. Otherwise the clock stays at the last event fired.
  bool run_until(Time horizon) {
    Time at = 0;
    Callback fn;
    while (!halted_ && queue_.pop_until(horizon, at, fn)) {
      now_ = at;
      ++fired_;
      fn();
    }
    if (halted_ || queue_.next_time() == kNever) return false;
    now_ = horizon;
    return true;
  }

  /// Ends the run at the event firing now: run_until returns once it is done, the clock at its
  /// time, whatever is still pending.
  void halt() { halted_ = true; }
  bool halted() const { return halted_; }

  /// Events fired so far (cancelled ones excluded): the cost of the simulation.
  std::uint64_t events_fired() const { return fired_; }
  std::size_t queue_size() const { return queue_.size(); }
  std::size_t queue_slots() const { return queue_.slots(); }

 private:
  [[noreturn]] void throw_past(Time t) const;
  EventQueue queue_;
  Time now_ = 0;
  std::uint64_t seed_;
  std::uint64_t replica_;
  std::uint64_t fired_ = 0;
  bool halted_ = false;
};

}  // namespace gilsim::sim
