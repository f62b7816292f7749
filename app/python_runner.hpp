// Running the embedded Python harness under a given interpreter, safely: in its own process
// group, with a time limit, its output captured, and nothing left behind when gilsim is
// interrupted (SIGINT, SIGTERM, SIGHUP kill the whole group before gilsim exits). The machine's
// other load is measured around each run from /proc/stat.
#pragma once

#include <exception>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

namespace gilsim::app {

/// Thrown when gilsim received SIGINT, SIGTERM or SIGHUP while a harness process ran; that
/// process's whole group has been killed. main() exits with 128 + signal after unwinding (so
/// temporary files go too).
struct Interrupted : std::exception {
  explicit Interrupted(int sig) : signal(sig) {}
  const char* what() const noexcept override { return "interrupted"; }
  int signal;
};

/// The harness files written to a fresh temporary directory, removed on destruction.
class HarnessDir {
 public:
  HarnessDir();
  ~HarnessDir();
  HarnessDir(const HarnessDir&) = delete;
  HarnessDir& operator=(const HarnessDir&) = delete;
  const std::filesystem::path& path() const { return dir_; }
  std::string script(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

/// What an interpreter says about itself.
struct PythonInfo {
  std::string path;
  std::string version;       ///< "3.11", "2.7", "3.13t"
  std::string full_version;  ///< "3.11.2"
  bool free_threaded = false;
  /// How it was built, as far as it matters to GIL timings: compiler, optimisation level, and
  /// whether libpython is linked in or a shared library ("GCC 12.2.0, -O2, libpython linked
  /// in"): two builds of one version can hand the GIL over differently (docs/model-notes.md).
  std::string build{};
};

/// Runs `python -c` to identify the interpreter. Throws InputError (naming the path) if it is
/// missing, not executable or not a Python.
PythonInfo probe_python(const std::string& python);

struct RunOutput {
  int exit_code = -1;  ///< -signal if killed
  std::string out;     ///< standard output
  std::string err;     ///< standard error (last part)
  double wall_s = 0;
  double cpu_s = 0;        ///< the child's user + system CPU
  double other_load = -1;  ///< other processes' average busy CPUs during the run; -1 unknown
  bool timed_out = false;
};

/// Runs `python args...` with the working directory `cwd`; kills its process group after
/// `timeout_s`. Throws std::runtime_error if it cannot start at all.
RunOutput run_python(const std::string& python, const std::vector<std::string>& args,
                     const std::filesystem::path& cwd, double timeout_s);

/// Waits (at most `limit_s`) until other processes use less than `threshold` CPUs on average
/// over a short window; returns the load last seen (-1 if /proc/stat is unreadable).
double wait_for_quiet(double threshold, double limit_s);

/// The CPU from /proc/cpuinfo's first processor: its model name, with its family, model and
/// stepping where given ("AMD EPYC (family 26, model 2, stepping 1)").
std::string cpu_description(std::istream& cpuinfo);
/// One line describing the host: CPU model, logical CPUs, kernel.
std::string host_description();

}  // namespace gilsim::app
