// The plan of a real run: what gilsim hands the replayer (harness/replay.py) so that the very
// scenario it simulates is executed for real with exactly the durations the simulation used.
// Every thread's start offset and steps are drawn from the same program streams, in the same
// order, as the simulation with that seed; loops are unrolled (a loop that repeats forever,
// up to the scenario's stop time).
#pragma once

#include <cstdint>
#include <string>

#include "models/scenario.hpp"

namespace gilsim::app {

/// Steps a plan may hold in all; a longer scenario is an input error (shorten it to replay).
inline constexpr std::int64_t kMaxPlanSteps = 5'000'000;

/// What the replayer needs besides the steps: its calibration (loop rates), as a JSON object
/// text ("{}" to let the replayer calibrate itself).
std::string plan_json(const models::Scenario& scenario, std::uint64_t seed,
                      const std::string& calibration_json = "{}");

/// A fingerprint of the work a real run of the scenario executes (its plan's steps, start
/// offsets, interpreter, interval and stop), 16 hex digits: two runs with the same fingerprint
/// ran the same work. The host's CPU count, gilsim's version and the calibration do not enter.
std::string plan_fingerprint(const models::Scenario& scenario, std::uint64_t seed);

}  // namespace gilsim::app
