// What one run produces: a pure function of (scenario, seed). Wall-clock cost is not in here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/gil/gil.hpp"
#include "models/os_scheduler.hpp"
#include "sim/histogram.hpp"

namespace gilsim::models {

struct GroupResult {
  std::string name;
  int count = 0;
  int finished = 0;          ///< threads that ran their program to the end
  sim::Time finish = 0;      ///< when the group's last thread finished (or the stop time)
  TimeSplit split{};         ///< summed over the group's threads
  sim::Histogram io_resume;  ///< end of a blocking call -> holding the GIL again
  sim::Histogram gil_wait;   ///< per acquisition: asking for the GIL -> holding it
  double serial = 0;         ///< nominal work done (ns): what one uncontended thread would take
};

struct RunResult {
  std::uint64_t seed = 0;
  sim::Time makespan = 0;
  bool stopped = false;  ///< the stop time came before every thread finished
  double serial = 0;     ///< sum of the groups' serial work (ns)
  int logical_cpus = 0;
  sim::Time cpu_busy = 0;  ///< busy logical-CPU time
  GilStats gil;
  sim::Histogram gil_wait;
  std::vector<GroupResult> groups;
  std::uint64_t events = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t preemptions = 0;
  std::size_t peak_queue = 0;  ///< event-queue slots used at most (memory figure)

  double speedup() const { return makespan > 0 ? serial / double(makespan) : 0.0; }
  double cpu_utilization() const {
    return makespan > 0 && logical_cpus > 0
               ? double(cpu_busy) / (double(logical_cpus) * double(makespan))
               : 0.0;
  }
};

}  // namespace gilsim::models
