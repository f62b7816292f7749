// The --trace timeline: complete (every nanosecond of every thread accounted, as in the
// result), in event order, deterministic, and written all-or-nothing with the JSON.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/scenario_loader.hpp"
#include "app/trace_writer.hpp"
#include "cli.hpp"
#include "models/world.hpp"

namespace fs = std::filesystem;
using namespace gilsim;
using namespace gilsim::testing;

namespace {

struct Row {
  sim::Time at;
  std::string thread, event, cpu;  // cpu: empty off a CPU
};

std::vector<Row> parse(const std::string& csv) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "time_s,thread,event,cpu");
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto a = line.find(','), c = line.rfind(','), b = line.rfind(',', c - 1);
    const std::string t = line.substr(0, a);
    const auto dot = t.find('.');
    REQUIRE(dot != std::string::npos);
    REQUIRE(t.size() - dot - 1 == 9);  // exact nanoseconds
    rows.push_back({std::stoll(t.substr(0, dot)) * sim::kSecond + std::stoll(t.substr(dot + 1)),
                    line.substr(a + 1, b - a - 1), line.substr(b + 1, c - b - 1),
                    line.substr(c + 1)});
  }
  return rows;
}

/// Two seconds of the 5 ms 3-thread convoy with per-CPU run queues and wake-ups that stay on
/// their busy CPU: threads queue behind a busy CPU while the other idles.
std::vector<Row> per_cpu_convoy() {
  models::Scenario s =
      app::load_scenario_file(source_path("configs/validation/convoy-3cpu-5ms.yaml"), {}).scenario;
  s.os.per_cpu_queues = true;
  s.os.wake_affine = 1;
  s.stop = 2 * sim::kSecond;
  app::TraceWriter trace(s);
  models::simulate(s, s.seed, &trace);
  return parse(trace.text());
}

}  // namespace

TEST_CASE("the trace accounts for every nanosecond of every thread, as the result does",
          "[app][trace]") {
  const models::Scenario s =
      app::load_scenario_file(source_path("configs/validation/convoy-3cpu-1ms.yaml"), {}).scenario;
  app::TraceWriter trace(s);
  const models::RunResult r = models::simulate(s, s.seed, &trace);
  const std::vector<Row> rows = parse(trace.text());
  REQUIRE(!rows.empty());
  // In event order.
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i - 1].at <= rows[i].at);
  // Rebuild each group's time split from the state rows.
  const std::vector<std::string> states = {"cpu", "native", "sys", "io", "gil_wait", "cpu_wait"};
  std::map<std::string, std::pair<sim::Time, std::string>> current;  // thread: since, state
  std::map<std::string, std::map<std::string, sim::Time>> split;     // group: state: time
  std::map<std::string, int> done, acquisitions;
  for (const Row& row : rows) {
    const std::string group = row.thread.substr(0, row.thread.find('/'));
    if (row.event == "acquired_gil") ++acquisitions[group];
    if (row.event == "acquired_gil" || row.event == "released_gil" || row.event == "gil_timeout" ||
        row.event == "forced_switch" || row.event == "woken") {
      continue;
    }
    auto it = current.find(row.thread);
    if (it != current.end()) split[group][it->second.second] += row.at - it->second.first;
    if (row.event == "done") {
      ++done[group];
      current.erase(row.thread);
      continue;
    }
    CHECK(std::find(states.begin(), states.end(), row.event) != states.end());
    current[row.thread] = {row.at, row.event};
  }
  // The run ends with its I/O thread (stop_after): the CPU-bound threads, stopped, are in
  // their last state until then.
  REQUIRE(s.stop_after);
  for (const auto& [thread, since] : current) {
    split[thread.substr(0, thread.find('/'))][since.second] += r.makespan - since.first;
  }
  for (std::size_t g = 0; g < s.groups.size(); ++g) {
    const std::string& name = s.groups[g].name;
    INFO(name);
    CHECK(done[name] == r.groups[g].finished);
    CHECK(done[name] + int(std::count_if(
                           current.begin(), current.end(),
                           [&](const auto& c) { return c.first.rfind(name + "/", 0) == 0; })) ==
          s.groups[g].count);
    for (std::size_t c = 0; c < states.size(); ++c) {
      INFO(states[c]);
      CHECK(split[name][states[c]] == r.groups[g].split[c]);
    }
  }
  std::uint64_t total = 0;
  for (const auto& [group, n] : acquisitions) total += std::uint64_t(n);
  CHECK(total == r.gil.acquisitions);
}

TEST_CASE("the trace says which CPU each thread runs on, one thread per CPU at a time",
          "[app][trace]") {
  const std::vector<std::string> on_cpu = {"cpu", "native", "sys"};
  std::map<std::string, std::string> occupant;  // cpu: the thread on it
  std::map<std::string, std::string> where;     // thread: its cpu, empty when on none
  std::map<std::string, int> runs;              // cpu: times a thread was put on it
  for (const Row& row : per_cpu_convoy()) {
    INFO(row.at << " " << row.thread << " " << row.event << " on " << row.cpu);
    if (row.event == "woken") {
      CHECK(row.cpu.empty());
      continue;
    }
    const bool gil_step = row.event == "acquired_gil" || row.event == "released_gil" ||
                          row.event == "gil_timeout" || row.event == "forced_switch";
    if (gil_step) {
      CHECK(!row.cpu.empty());  // a GIL step is taken on a CPU
      CHECK(row.cpu == where[row.thread]);
      continue;
    }
    const bool running = std::find(on_cpu.begin(), on_cpu.end(), row.event) != on_cpu.end();
    CHECK(running == !row.cpu.empty());
    const std::string before = where[row.thread];
    if (!before.empty() && before != row.cpu) occupant.erase(before);
    if (running && before != row.cpu) {
      CHECK(occupant.count(row.cpu) == 0);  // nobody else is on it
      occupant[row.cpu] = row.thread;
      ++runs[row.cpu];
    }
    where[row.thread] = row.cpu;
  }
  CHECK(runs.size() == 2);  // both CPUs of the scenario's machine
  for (const auto& [cpu, n] : runs) CHECK(n > 100);
}

TEST_CASE("the trace marks each wake-up: a thread runs again only after one", "[app][trace]") {
  std::map<std::string, bool> blocked, runnable;  // thread: since its last io / gil_wait row
  std::map<std::string, sim::Time> woken_at;
  sim::Time longest_queued = 0;
  int wakes = 0;
  for (const Row& row : per_cpu_convoy()) {
    INFO(row.at << " " << row.thread << " " << row.event);
    if (row.event == "woken") {
      CHECK(!runnable[row.thread]);  // not woken twice without running in between
      runnable[row.thread] = true;
      woken_at[row.thread] = row.at;
      ++wakes;
    } else if (row.event == "io" || row.event == "gil_wait") {
      if (!runnable[row.thread]) blocked[row.thread] = true;  // queued counts as gil_wait too
    } else if (!row.cpu.empty() && (row.event == "sys" || row.event == "cpu")) {
      if (blocked[row.thread]) CHECK(runnable[row.thread]);
      if (runnable[row.thread]) {
        longest_queued = std::max(longest_queued, row.at - woken_at[row.thread]);
      }
      blocked[row.thread] = runnable[row.thread] = false;
    }
  }
  CHECK(wakes > 1000);
  CHECK(longest_queued > 100 * sim::kMicrosecond);  // some waited behind a busy CPU
}

TEST_CASE("the trace shows each expired GIL wait and each forced switch, as the result counts them",
          "[app][trace]") {
  const models::Scenario s =
      app::load_scenario_file(source_path("configs/validation/convoy-3cpu-5ms.yaml"), {}).scenario;
  app::TraceWriter trace(s);
  const models::RunResult r = models::simulate(s, s.seed, &trace);
  std::uint64_t timeouts = 0, forced = 0;
  std::map<std::string, std::string> state;  // thread: its state
  for (const Row& row : parse(trace.text())) {
    if (row.event == "gil_timeout") {
      ++timeouts;
      CHECK(state[row.thread] == "sys");  // back on a CPU, in take_gil
    } else if (row.event == "forced_switch") {
      ++forced;
      CHECK(state[row.thread] == "sys");  // the new holder, in take_gil
    } else if (row.event != "acquired_gil" && row.event != "released_gil" && row.event != "woken") {
      state[row.thread] = row.event;
    }
  }
  const models::GilStats& g = r.gil;
  std::uint64_t winners = 0;
  for (const models::ForcedSwitchWinners* w :
       {&g.from_other_cpu, &g.from_holder_cpu, &g.no_request}) {
    winners += w->requester + w->back + w->other;
  }
  CHECK(forced == winners);
  CHECK(forced > 0);
  CHECK(timeouts >= g.drop_requests);  // every request is posted by an expired wait
  CHECK(g.drop_requests > 0);
}

TEST_CASE("gilsim run --trace writes the same timeline for the same seed", "[app][trace][cli]") {
  const auto dir = temp_dir("trace");
  const std::string a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  REQUIRE(run_cli("run configs/seeds/convoy-effect.yaml --quiet --trace '" + a + "'").code == 0);
  REQUIRE(run_cli("run configs/seeds/convoy-effect.yaml --quiet --trace '" + b + "'").code == 0);
  CHECK(read_text(a) == read_text(b));
  CHECK(read_text(a).rfind("time_s,thread,event,cpu\n", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("an unwritable trace path writes nothing at all, not even the JSON",
          "[app][trace][cli]") {
  const auto dir = temp_dir("trace-bad");
  const std::string json = (dir / "r.json").string();
  const CliResult r = run_cli("run configs/seeds/convoy-effect.yaml --json '" + json +
                              "' --trace '" + (dir / "no/such/dir/t.csv").string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("t.csv") != std::string::npos);
  CHECK(r.err.find("cannot write") != std::string::npos);
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 0);
  fs::remove_all(dir);
}

TEST_CASE("results written to a named pipe go through it, leaving the pipe in place",
          "[app][trace][cli]") {
  // Staging through a temporary file and a rename would replace a device or a pipe
  // (/dev/null, /dev/stdout) with a regular file; such paths are written in place.
  const auto dir = temp_dir("fifo");
  const std::string fifo = (dir / "out.json").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // so the writer never blocks
  REQUIRE(reader >= 0);
  const CliResult r = run_cli("run configs/seeds/convoy-effect.yaml --quiet --json '" + fifo + "'");
  std::string got(1 << 16, '\0');
  const ssize_t n = ::read(reader, got.data(), got.size());
  ::close(reader);
  CHECK(r.code == 0);
  CHECK(fs::is_fifo(fifo));
  REQUIRE(n > 0);
  CHECK(got.substr(0, std::size_t(n)).find("\"makespan_s\"") != std::string::npos);
  fs::remove_all(dir);
}
