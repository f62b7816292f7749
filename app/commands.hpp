// The commands behind the command line, callable from tests. Each returns the process exit
// code: 0 success, 2 bad input (one located line per problem on `err`), 1 internal error.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gilsim::app {

struct RunOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string profile;
  std::string json_path;   ///< "" none, "-" standard output
  std::string trace_path;  ///< "" none: the timeline as CSV (app/trace_writer.hpp)
  bool quiet = false;      ///< no summary
};

int cmd_run(const RunOptions& options, std::ostream& out, std::ostream& err);
int cmd_check(const std::string& file, const std::vector<std::string>& sets,
              const std::string& profile, std::ostream& out, std::ostream& err);

struct SweepOptions {
  std::string file;
  std::vector<std::string> vary;  ///< key.path=v1,v2,... (the grid is their product)
  std::vector<std::string> sets;
  std::string profile;
  std::optional<std::uint64_t> seed;
  int jobs = 1;
  std::string csv_path;
};

/// Runs every point of the grid; prints one row per point, in grid order.
int cmd_sweep(const SweepOptions& options, std::ostream& out, std::ostream& err);

struct MeasureOptions {
  std::string file;
  std::string python;
  int repeat = 3;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> sets;
  std::string json_path;  ///< "" none, "-" standard output
  std::string profile;    ///< a calibration profile (gilsim calibrate --out)
};

/// Runs the scenario for real under `python`, `repeat` times; prints the medians with their
/// ranges and (with a path) writes the JSON.
int cmd_measure(const MeasureOptions& options, std::ostream& out, std::ostream& err);

struct ValidateOptions {
  std::string dir = "configs/validation";
  std::vector<std::string> pythons;
  std::string profile;
  int repeat = 0;  ///< 0: each scenario's own
  /// Simulated runs per scenario and interpreter. Simulation is cheap, so the model's median
  /// is estimated from more runs than reality's, and its sampling noise (the heavy-tailed and
  /// bimodal convoy metrics move by a whole switch interval between runs) stays out of the
  /// comparison.
  int replicas = 15;
  /// A CSV written by an earlier validate: compare with its measured values instead of
  /// running the interpreters (none is needed then).
  std::string against;
  std::optional<std::uint64_t> seed;
  std::string csv_path = "validation.csv";
  std::string markdown_path = "validation.md";
};

/// Simulates and measures every scenario of `dir` with a validation block, on every given
/// interpreter it applies to; prints and writes the comparison. Exit 1 if a metric is outside
/// its tolerance.
int cmd_validate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

struct BenchOptions {
  std::vector<std::string> files;  ///< default: configs/bench/*.yaml
  int repeat = 3;                  ///< best of N wall times
  int scale = 10;                  ///< also run at scale x the stop time, for memory growth
  std::string json_path;
};

int cmd_bench(const BenchOptions& options, std::ostream& out, std::ostream& err);

/// Writes `text` to `path` through a temporary file and a rename, so that a reader never sees
/// half a file; a device or a pipe (/dev/null, /dev/stdout) is written in place instead.
/// Throws InputError if the directory cannot be written.
void write_file_atomically(const std::string& path, const std::string& text);
/// Writes every (path, text) or, on any failure, none of them (InputError naming the path).
void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace gilsim::app
