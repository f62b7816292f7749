// A scenario as plain values: the machine, the OS, the interpreter's GIL and the thread groups.
// The application layer builds it from YAML; tests build it directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/gil/gil.hpp"
#include "models/machine.hpp"
#include "models/os_scheduler.hpp"
#include "models/program.hpp"

namespace gilsim::models {

struct ThreadGroup {
  std::string name;
  int count = 1;
  sim::Dist start = sim::Dist::constant(0);  ///< start offset, sampled per thread
  Program program;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::optional<sim::Time> stop;  ///< end of the simulated span; required for endless loops
  /// The group whose end ends the run (the others' threads are stopped then), if any.
  std::optional<std::string> stop_after;
  MachineSpec machine;
  OsSpec os;
  GilSpec gil;
  std::vector<ThreadGroup> groups;

  /// The index of the group named `name`, -1 if none is.
  int group_index(const std::string& name) const {
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (groups[g].name == name) return int(g);
    }
    return -1;
  }
  int thread_count() const {
    int n = 0;
    for (const ThreadGroup& g : groups) n += g.count;
    return n;
  }
};

}  // namespace gilsim::models
