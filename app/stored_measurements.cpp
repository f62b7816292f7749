#include "app/stored_measurements.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "app/diagnostics.hpp"

namespace gilsim::app {
namespace {

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string f;
  while (std::getline(in, f, ',')) out.push_back(f);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

bool number(const std::string& text, double& v) {
  const char* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  return ec == std::errc() && p == end && !text.empty();
}

}  // namespace

StoredMeasurements read_stored_measurements(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Diagnostic{path, 0, 0, "", "cannot read the file"});
  const std::vector<std::string> header = fields_of(kStoredHeader);
  std::size_t columns = header.size();
  StoredMeasurements out;
  std::string line;
  int number_of_line = 0;
  while (std::getline(in, line)) {
    ++number_of_line;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string> f = fields_of(line);
    if (number_of_line == 1) {
      if (f == std::vector<std::string>(header.begin(), header.end() - 1)) {
        columns = header.size() - 1;  // written before the work was recorded
      } else if (f != header) {
        throw InputError(Diagnostic{path, 1, 1, "",
                                    "not a CSV written by gilsim validate --csv (its header "
                                    "is scenario,python,metric,...,within)"});
      }
      continue;
    }
    if (line.empty()) continue;
    StoredMetric m;
    if (f.size() != columns || !number(f[6], m.median) || !number(f[7], m.min) ||
        !number(f[8], m.max)) {
      throw InputError(Diagnostic{path, number_of_line, 1, "",
                                  "expected " + std::to_string(columns) +
                                      " fields with numbers for the measured median, min and "
                                      "max"});
    }
    StoredRuns& runs = out[f[0]][f[1]];
    runs.metrics[f[2]] = m;
    if (columns == header.size()) runs.work = f.back();
  }
  if (number_of_line == 0) throw InputError(Diagnostic{path, 0, 0, "", "is empty"});
  return out;
}

}  // namespace gilsim::app
