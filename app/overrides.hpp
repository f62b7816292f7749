// --set key.path=value: change one value of a scenario from the command line, before it is
// validated. Path components are map keys; in a list, an index (threads.0.count) or an
// element's name (threads.io.count). The value is read as YAML, so 5ms, 8, true or
// "{uniform: {min: 1ms, max: 2ms}}" all work.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "app/diagnostics.hpp"
#include "app/yaml_fields.hpp"

namespace gilsim::app {

/// Applies every --set argument to `root`. Returns where each value came from (for locating
/// later errors). Throws InputError on a malformed option or a path that cannot exist.
std::vector<OverrideOrigin> apply_overrides(YAML::Node& root, const std::vector<std::string>& sets);

}  // namespace gilsim::app
