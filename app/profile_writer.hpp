// The calibration profile as text: the machine and os sections fitted from the harness's
// measurements, an `interpreters:` entry per calibrated version, and the measurements and
// fits behind them (app/calibrate.hpp runs the harness; this writes what it found).
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "models/scenario.hpp"

namespace gilsim::app {

/// Empty, or why the measured host sections look disturbed: busy processes did less than the
/// logical CPUs' worth although the OS reports no hyperthreads.
std::string host_warning(const YAML::Node& measured);

/// True for the versions with the tick GIL (2.x, 3.0, 3.1).
bool tick_gil_version(const std::string& version);

/// This interpreter's entry for the profile's `interpreters:` map (flow YAML, with the date
/// and the fit behind it as a trailing comment), its hand-off order fitted on `host`'s machine
/// and os.
std::string interpreter_entry(const YAML::Node& measured, const models::Scenario& host);

/// Builds the profile (YAML text) from the harness's measurements, keeping the `interpreters`
/// entries of other versions from an existing profile (null if none).
std::string profile_yaml(const YAML::Node& measured, const std::string& python_path,
                         const YAML::Node& existing);

/// The profile text with the `interpreters` entry for `version` set to `entry` (added, or
/// replacing the old one); every other line unchanged.
std::string with_interpreter_entry(const std::string& profile, const std::string& version,
                                   const std::string& entry);

}  // namespace gilsim::app
