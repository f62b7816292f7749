// Reports of a run and of a scenario: the JSON result (a pure function of scenario and seed),
// the human summary, and the resolved scenario that `gilsim check` prints.
#pragma once

#include <string>

#include "models/result.hpp"
#include "models/scenario.hpp"

namespace gilsim::app {

/// The JSON result. Holds no wall-clock figure, so equal inputs give equal bytes.
std::string result_json(const models::Scenario& scenario, const models::RunResult& result);

/// A short readable summary; `wall_seconds` < 0 leaves out the simulation-cost line.
std::string summary_text(const models::Scenario& scenario, const models::RunResult& result,
                         double wall_seconds);

/// The scenario as YAML with every default filled in; it loads back to the same scenario.
std::string resolved_yaml(const models::Scenario& scenario);

/// A duration for people: three significant digits in a fitting unit ("5.02 ms").
std::string human_duration(double ns);
/// A distribution as a scenario writes it (`{uniform: {min: 2us, max: 8us}}`, `5ms`).
std::string dist_text(const sim::Dist& d);

}  // namespace gilsim::app
