// The measured side of a validation, read back from the CSV that `gilsim validate --csv`
// wrote, so that a changed model or profile can be compared with the same real runs again
// (`gilsim validate --against FILE`) without measuring: seconds instead of a quarter hour,
// and the same reality for every variant tried.
#pragma once

#include <map>
#include <string>

namespace gilsim::app {

struct StoredMetric {
  double median = 0, min = 0, max = 0;
};

/// One scenario's runs on one interpreter: the work they ran (plan_fingerprint; empty in CSVs
/// written before it was recorded) and metric path -> the measured median and range.
struct StoredRuns {
  std::string work;
  std::map<std::string, StoredMetric> metrics;
};

/// scenario name -> interpreter version -> its runs.
using StoredMeasurements = std::map<std::string, std::map<std::string, StoredRuns>>;

/// The CSV's header (`work` last; older files end at `within`).
inline constexpr const char* kStoredHeader =
    "scenario,python,metric,simulated,simulated_min,simulated_max,measured_median,"
    "measured_min,measured_max,error,tolerance,relative,within,work";

/// Reads a validate CSV; a missing file or a malformed line is an InputError naming its line.
StoredMeasurements read_stored_measurements(const std::string& path);

}  // namespace gilsim::app
