// gilsim validate's outputs: one row per (scenario, interpreter, metric) compared, rendered as
// the terminal table, the CSV that `--against` reads back, and the Markdown report
// (docs/validation.md is one), with a summary per interpreter.
#pragma once

#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/python_runner.hpp"

namespace gilsim::app {

struct ValidationRow {
  std::string scenario, version, metric, work;
  double simulated = 0, sim_lo = 0, sim_hi = 0;  ///< median of the replicas, their range
  double median = 0, lo = 0, hi = 0;             ///< measured
  double error = 0;  ///< (simulated - median) / |median|, or the absolute difference
  bool relative = true;
  double tolerance = 0;
  bool ok = false;
};

/// What the report says besides the rows: how validate was run and what it left out.
struct ValidationContext {
  const ValidateOptions* options = nullptr;
  std::vector<PythonInfo> pythons;   ///< the interpreters measured (none with --against)
  std::vector<std::string> skipped;  ///< interpreters that could not be used, as diagnostics
  std::vector<std::string> stale;    ///< stored runs of other work than the scenario's now
  bool unchecked = false;            ///< stored runs with no record of their work
};

struct ValidationOutputs {
  std::string table;     ///< the terminal table, then the summary
  std::string csv;       ///< the stored-runs CSV (kStoredHeader)
  std::string markdown;  ///< the report
  int outside = 0;       ///< metrics outside their tolerance
};

ValidationOutputs render_validation(const std::vector<ValidationRow>& rows,
                                    const ValidationContext& context);

}  // namespace gilsim::app
