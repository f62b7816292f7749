// The real-run harness against Debian's python3 (label "harness": needs /usr/bin/python3).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "app/python_runner.hpp"
#include "cli.hpp"

using namespace gilsim::testing;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

std::set<std::string> harness_dirs() {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind("gilsim-harness-", 0) == 0) out.insert(name);
  }
  return out;
}

bool process_alive_with(const std::string& needle) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string cmd = read_text(e.path() / "cmdline");
    if (cmd.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("gilsim measure runs a scenario for real and reports medians with their range",
          "[harness]") {
  const auto dir = temp_dir("measure");
  const std::string json = (dir / "m.json").string();
  const CliResult r = run_cli(
      "measure configs/smoke/convoy.yaml --python /usr/bin/python3 "
      "--repeat 2 --json '" +
      json + "'");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("io->GIL p50") != std::string::npos);
  const std::string text = read_text(json);
  for (const char* key : {"\"makespan_s\"", "\"io_resume_latency_s\"", "\"range\"", "\"min\"",
                          "\"max\"", "\"repetitions\": 2", "\"host\"", "\"calibration\""}) {
    INFO(key);
    CHECK(text.find(key) != std::string::npos);
  }
  // The same shape as a simulation's result: every key gilsim run writes is there (null where
  // a real run cannot know it), at the top level and under "gil".
  const std::string sim = (dir / "s.json").string();
  REQUIRE(run_cli("run configs/smoke/convoy.yaml --quiet --json '" + sim + "'").code == 0);
  const YAML::Node simulated = YAML::LoadFile(sim);
  const YAML::Node measured = YAML::LoadFile(json);
  for (const auto& kv : simulated) {
    const auto key = kv.first.as<std::string>();
    INFO(key);
    CHECK(measured[key].IsDefined());
  }
  for (const auto& kv : simulated["gil"]) {
    const auto key = kv.first.as<std::string>();
    INFO("gil." << key);
    CHECK(measured["gil"][key].IsDefined());
  }
  fs::remove_all(dir);
}

TEST_CASE("a broken interpreter path is an input error naming it", "[harness]") {
  const CliResult r = run_cli("measure configs/smoke/convoy.yaml --python /no/such/python");
  CHECK(r.code == 2);
  CHECK(r.err.find("/no/such/python") != std::string::npos);
  const CliResult r2 = run_cli("measure configs/smoke/convoy.yaml --python /bin/true");
  CHECK(r2.code == 2);
  CHECK(r2.err.find("not a working Python") != std::string::npos);
}

TEST_CASE("an interpreter's probe says its version and how it was built", "[harness]") {
  // Debian's python3: its build line names the compiler and how libpython is linked.
  const gilsim::app::PythonInfo py = gilsim::app::probe_python("/usr/bin/python3");
  CHECK(py.version.rfind("3.", 0) == 0);
  CHECK(py.build.find("libpython") != std::string::npos);
  CHECK(py.build.find('\n') == std::string::npos);
}

TEST_CASE("interrupting a measurement leaves no process and no file behind", "[harness]") {
  const auto before = harness_dirs();
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (chdir(GILSIM_SOURCE_DIR) != 0) _exit(99);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(GILSIM_BINARY, GILSIM_BINARY, "measure", "configs/seeds/cpu-one-thread-12-cpus.yaml",
          "--python", "/usr/bin/python3", "--repeat", "1", static_cast<char*>(nullptr));
    _exit(98);
  }
  // Wait until the replayer is running (its temporary directory appears), then interrupt.
  std::string dir;
  for (int i = 0; i < 200 && dir.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const std::string& d : harness_dirs()) {
      if (!before.count(d)) dir = d;
    }
  }
  REQUIRE_FALSE(dir.empty());
  // The first interpreter calibrates the work kernels; wait until one is replaying the plan.
  // Before each repetition measure waits up to 60 s for a quiet machine (a loaded machine
  // makes it wait that long), so allow for that and more.
  bool replaying = false;
  for (int i = 0; i < 3000 && !replaying; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    replaying = process_alive_with(dir + "/replay.py\0plan.json"s);
  }
  REQUIRE(replaying);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 128 + SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK_FALSE(process_alive_with(dir));
  CHECK_FALSE(fs::exists(fs::temp_directory_path() / dir));
}

TEST_CASE("validate takes one real run of every scenario in turn, round after round", "[harness]") {
  const auto dir = temp_dir("interleave");
  for (const char* name : {"first", "second"}) {
    std::ofstream(dir / (std::string(name) + ".yaml")) << "name: " << name << "\n"
                                                       << "interpreter: {version: \"3.11\"}\n"
                                                          "threads:\n"
                                                          "  - name: workers\n"
                                                          "    count: 2\n"
                                                          "    program:\n"
                                                          "      - cpu: 20ms\n"
                                                          "validation:\n"
                                                          "  versions: [\"3.11\"]\n"
                                                          "  metrics:\n"
                                                          "    makespan_s: 300%\n";
  }
  const CliResult r =
      run_cli("validate '" + dir.string() + "' --python /usr/bin/python3 --repeat 2");
  INFO(r.err);
  REQUIRE(r.code == 0);
  // Each scenario's second run comes after the other's first: a change of the machine
  // during the batch falls on both scenarios' runs, not on one scenario's alone.
  std::vector<std::size_t> at;
  for (const char* line : {"first on 3.11: run 1/2", "second on 3.11: run 1/2",
                           "first on 3.11: run 2/2", "second on 3.11: run 2/2"}) {
    at.push_back(r.err.find(line));
    INFO(line);
    REQUIRE(at.back() != std::string::npos);
  }
  CHECK(std::is_sorted(at.begin(), at.end()));
  // Each round says how far the batch has come.
  const std::size_t round2 = r.err.find("round 2 of 2, 2 real runs to go");
  CHECK(r.err.find("round 1 of 2, 4 real runs to go") < at[0]);
  CHECK(round2 > at[1]);
  CHECK(round2 < at[2]);
  CHECK(r.out.find("first") != std::string::npos);
  CHECK(r.out.find("second") != std::string::npos);
  fs::remove_all(dir);
}
