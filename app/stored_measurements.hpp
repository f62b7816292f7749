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

/// scenario name -> interpreter version -> metric path -> the measured median and range.
using StoredMeasurements =
    std::map<std::string, std::map<std::string, std::map<std::string, StoredMetric>>>;

/// Reads a validate CSV; a missing file or a malformed line is an InputError naming its line.
StoredMeasurements read_stored_measurements(const std::string& path);

}  // namespace gilsim::app
