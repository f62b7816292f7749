// The `interpreters:` entry of a calibration profile: its values from the measurements, and
// the hand-off order fit behind `requester_wins` and `requester_persistence`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "app/contention_fit.hpp"
#include "app/handoff_fit.hpp"
#include "models/scenario.hpp"

namespace gilsim::app {

/// Bytecode work between two eval-breaker check points of the replayer's loop.
double check_gap_s(const std::string& version, double spin_per_s);
/// The entry (flow YAML), with the fitted hand-off order or contention cost when there is one;
/// a lock-code fit writes `condvar: glibc` with its GIL's lock code.
std::string entry_for(const YAML::Node& measured, const RequesterFit* requester,
                      const ContentionFit* contention);
/// The measured hand-off orders (3 or more threads).
std::vector<HandoffOrder> handoff_orders(const YAML::Node& measured);
/// `host` with the measured interpreter's GIL: its version's defaults and the check gap of its
/// measured loop speed; a `condvar: glibc` in `host`'s GIL (the profile's entry) and its lock
/// code are kept.
models::Scenario with_interpreter_gil(const YAML::Node& measured, models::Scenario host);
/// The hand-off order fit on `host` (its machine and os): of `requester_wins`, or with
/// `condvar: glibc` of the lock code; none for the tick GIL, free-threaded builds or a
/// measurement without hand-off orders.
std::optional<RequesterFit> fit_requester(const YAML::Node& measured,
                                          const std::vector<HandoffOrder>& orders,
                                          models::Scenario host);

/// The tick GIL's contention cost fit on `host` (its machine and os); none for other GILs or a
/// measurement without `tick_contention`.
std::optional<ContentionFit> fit_contention(const YAML::Node& measured, models::Scenario host);

}  // namespace gilsim::app
