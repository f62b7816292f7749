// The sections of a scenario file, each read into its part of models::Scenario. Shared by
// scenario_loader.cpp; every problem is reported through the FieldReader and reading goes on.
#pragma once

#include <yaml-cpp/yaml.h>

#include "app/scenario_loader.hpp"
#include "app/yaml_fields.hpp"
#include "models/scenario.hpp"

namespace gilsim::app {

/// Limits that keep a scenario runnable; larger values are rejected as input errors.
inline constexpr int kMaxThreads = 100000;
inline constexpr int kMaxCores = 4096;

void read_machine(FieldReader& r, const YAML::Node& node, models::MachineSpec& m);
void read_os(FieldReader& r, const YAML::Node& node, models::OsSpec& os);
void read_interpreter(FieldReader& r, const YAML::Node& node, models::GilSpec& gil);
/// The thread groups; `s.stop` must already be read (loops that never end need it).
void read_groups(FieldReader& r, const YAML::Node& node, models::Scenario& s);
/// The `validation:` block; `s` must be read (metrics name its groups).
ValidationSpec read_validation(FieldReader& r, const YAML::Node& node, const models::Scenario& s);

}  // namespace gilsim::app
