// gilsim bench: simulation speed and memory for reference workloads. Each measurement runs in
// a forked child so that its peak memory is its own; wall times are the best of --repeat runs.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <stdexcept>

#include "app/commands.hpp"
#include "app/diagnostics.hpp"
#include "app/json_writer.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

struct Measure {
  double wall = 0;       // seconds
  double simulated = 0;  // seconds
  std::uint64_t events = 0;
  long peak_rss_kb = 0;    // of the whole child process
  long rss_growth_kb = 0;  // peak during the run minus before it
};

long max_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

Measure measure_here(const models::Scenario& s) {
  Measure m;
  const long before = max_rss_kb();
  const auto t0 = std::chrono::steady_clock::now();
  const models::RunResult r = models::simulate(s, s.seed);
  m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.simulated = double(r.makespan) / 1e9;
  m.events = r.events;
  m.peak_rss_kb = max_rss_kb();
  m.rss_growth_kb = m.peak_rss_kb - before;
  return m;
}

Measure measure_in_child(const models::Scenario& s) {
  int fds[2];
  if (pipe(fds) != 0) return measure_here(s);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return measure_here(s);
  }
  if (pid == 0) {
    close(fds[0]);
    const Measure m = measure_here(s);
    const ssize_t n = write(fds[1], &m, sizeof m);
    _exit(n == ssize_t(sizeof m) ? 0 : 1);
  }
  close(fds[1]);
  Measure m;
  const ssize_t n = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != ssize_t(sizeof m) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("benchmark child failed");
  }
  return m;
}

Measure best_of(const models::Scenario& s, int repeat) {
  Measure best;
  for (int i = 0; i < repeat; ++i) {
    const Measure m = measure_in_child(s);
    if (i == 0 || m.wall < best.wall) best = m;
  }
  return best;
}

}  // namespace

int cmd_bench(const BenchOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files = o.files;
  if (files.empty()) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("configs/bench", ec)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      err << "gilsim: configs/bench: no benchmark scenarios found (run from the repository root "
             "or name the files)\n";
      return 2;
    }
  }
  try {
    JsonWriter j;
    j.begin_object().key("repeat").value(o.repeat).key("scale").value(o.scale);
    j.key("workloads").begin_array();
    std::ostream& table = o.json_path == "-" ? err : out;
    table << "workload            sim s      events   wall s   sim s/wall s   M events/s   peak RSS"
          << "   RSS at " << o.scale << "x duration\n";
    for (const std::string& file : files) {
      models::Scenario s = load_scenario(file);
      if (!s.stop) {
        err << "gilsim: " << file << ": a benchmark scenario needs a 'stop' time\n";
        return 2;
      }
      const Measure m = best_of(s, o.repeat);
      models::Scenario longer = s;
      *longer.stop *= o.scale;
      const Measure big = o.scale > 1 ? measure_in_child(longer) : m;
      char line[256];
      std::snprintf(line, sizeof line, "%-16s %8.1f %11llu %8.3f %14.0f %12.2f %7.1f MB %9.1f MB\n",
                    s.name.c_str(), m.simulated, static_cast<unsigned long long>(m.events), m.wall,
                    m.simulated / m.wall, double(m.events) / m.wall / 1e6,
                    double(m.peak_rss_kb) / 1024, double(big.peak_rss_kb) / 1024);
      table << line;
      j.begin_object();
      j.key("name").value(s.name).key("file").value(file);
      j.key("simulated_s").value(m.simulated).key("events").value(m.events);
      j.key("wall_s").value(m.wall).key("sim_s_per_wall_s").value(m.simulated / m.wall);
      j.key("events_per_s").value(double(m.events) / m.wall);
      j.key("peak_rss_kb").value(std::int64_t(m.peak_rss_kb));
      j.key("rss_growth_kb").value(std::int64_t(m.rss_growth_kb));
      j.key("scaled_peak_rss_kb").value(std::int64_t(big.peak_rss_kb));
      j.key("scaled_rss_growth_kb").value(std::int64_t(big.rss_growth_kb));
      j.key("scaled_wall_s").value(big.wall);
      j.end_object();
    }
    j.end_array().end_object();
    if (o.json_path == "-") {
      out << j.str();
    } else if (!o.json_path.empty()) {
      write_file_atomically(o.json_path, j.str());
    }
    return 0;
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
    return 2;
  }
}

}  // namespace gilsim::app
