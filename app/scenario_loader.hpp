// Scenario files: YAML in, a validated models::Scenario out, with every default filled in.
// The format is documented key by key in docs/scenarios.md.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.hpp"

namespace gilsim::app {

/// Reads and validates a scenario file, applying --set overrides first. Throws InputError with
/// every problem found (each located at file:line:col and key path).
models::Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {});

/// The same from text; `label` names it in messages (a file name, usually).
models::Scenario parse_scenario(const std::string& text, const std::string& label,
                                const std::vector<std::string>& sets = {});

/// OS defaults for a machine with this many logical CPUs (Linux's scaling of its scheduler
/// tunables by 1 + log2(min(cpus, 8))).
models::OsSpec default_os(int logical_cpus);

}  // namespace gilsim::app
