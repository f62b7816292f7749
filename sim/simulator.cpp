#include "sim/simulator.hpp"

#include <stdexcept>
#include <string>

namespace gilsim::sim {

EventId Simulator::at(Time t, Callback fn) {
  if (t < now_) {
    throw std::logic_error("event scheduled in the past: at " + format_duration(t) + ", now " +
                           format_duration(now_));
  }
  return queue_.push(t, fn);
}

bool Simulator::run_until(Time horizon) {
  Time at = 0;
  Callback fn;
  for (;;) {
    const Time next = queue_.next_time();
    if (next == kNever) return false;
    if (next > horizon) {
      now_ = horizon;
      return true;
    }
    queue_.pop(at, fn);
    now_ = at;
    ++fired_;
    fn();
  }
}

}  // namespace gilsim::sim
