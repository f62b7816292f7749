#include "sim/simulator.hpp"

#include <stdexcept>
#include <string>

namespace gilsim::sim {

void Simulator::throw_past(Time t) const {
  throw std::logic_error("event scheduled in the past: at " + format_duration(t) + ", now " +
                         format_duration(now_));
}

}  // namespace gilsim::sim
