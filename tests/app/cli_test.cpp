#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <sstream>
#include <vector>

#include "cli.hpp"

using namespace gilsim::testing;
namespace fs = std::filesystem;

TEST_CASE("gilsim --version and --help answer and exit 0", "[app][cli]") {
  const CliResult v = run_cli("--version");
  CHECK(v.code == 0);
  CHECK(v.out.rfind("gilsim ", 0) == 0);
  const CliResult h = run_cli("--help");
  CHECK(h.code == 0);
  CHECK(h.out.find("gilsim run FILE") != std::string::npos);
}

TEST_CASE("gilsim with a bad command line says why in one line and exits 2", "[app][cli]") {
  for (const char* args : {"", "frobnicate", "run", "run a.yaml b.yaml", "run --seed x f.yaml",
                           "run configs/seeds/hyperthreads.yaml --seed -3",
                           "check --json out.json configs/seeds/hyperthreads.yaml",
                           "run configs/seeds/hyperthreads.yaml --bogus",
                           "validate --python /usr/bin/python3 --replicas 0",
                           "validate --python /usr/bin/python3 --replicas x"}) {
    INFO(args);
    const CliResult r = run_cli(args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("gilsim run prints a summary and writes the JSON result", "[app][cli]") {
  const auto dir = temp_dir("run");
  const std::string json = (dir / "r.json").string();
  const CliResult r = run_cli("run configs/seeds/convoy-effect.yaml --json '" + json + "'");
  CHECK(r.code == 0);
  CHECK(r.out.find("makespan") != std::string::npos);
  CHECK(r.out.find("speedup") != std::string::npos);
  CHECK(r.out.find("poller") != std::string::npos);
  const std::string text = read_text(json);
  for (const char* key : {"\"scenario\"",
                          "\"seed\"",
                          "\"gilsim_version\"",
                          "\"makespan_s\"",
                          "\"serial_s\"",
                          "\"speedup\"",
                          "\"cpu_utilization\"",
                          "\"switches\"",
                          "\"drop_requests\"",
                          "\"wait_s\"",
                          "\"p50\"",
                          "\"p90\"",
                          "\"p99\"",
                          "\"max\"",
                          "\"groups\"",
                          "\"count\"",
                          "\"finish_s\"",
                          "\"cpu_s\"",
                          "\"native_s\"",
                          "\"io_s\"",
                          "\"gil_wait_s\"",
                          "\"cpu_wait_s\"",
                          "\"io_resume_latency_s\"",
                          "\"events\""}) {
    INFO(key);
    CHECK(text.find(key) != std::string::npos);
  }
  // No temporary file is left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  fs::remove_all(dir);
}

TEST_CASE("gilsim run --json - prints the JSON alone on stdout", "[app][cli]") {
  const CliResult r = run_cli("run configs/seeds/hyperthreads.yaml --json -");
  CHECK(r.code == 0);
  CHECK(r.out.front() == '{');
  CHECK(r.out.find("makespan") != std::string::npos);
  CHECK(r.err.find("speedup") != std::string::npos);  // the summary went to stderr
}

TEST_CASE("the seed and --set options change the run", "[app][cli]") {
  const CliResult a = run_cli("run configs/seeds/convoy-effect.yaml --json - -q");
  const CliResult b = run_cli("run configs/seeds/convoy-effect.yaml --json - -q --seed 2");
  const CliResult c = run_cli(
      "run configs/seeds/convoy-effect.yaml --json - -q --set interpreter.switch_interval=1ms");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  REQUIRE(c.code == 0);
  CHECK(a.out != b.out);
  CHECK(b.out.find("\"seed\": 2") != std::string::npos);
  CHECK(a.out != c.out);
}

TEST_CASE("gilsim check prints a resolved scenario that runs exactly like the original",
          "[app][cli]") {
  const auto dir = temp_dir("check");
  for (const auto& entry : fs::directory_iterator(source_path("configs/seeds"))) {
    const std::string file = entry.path().string();
    INFO(file);
    const CliResult c = run_cli("check '" + file + "'");
    REQUIRE(c.code == 0);
    CHECK(c.out.find("switch_interval") + c.out.find("check_interval") +
              c.out.find("bytecode_overhead") !=
          0);
    const fs::path resolved = dir / entry.path().filename();
    std::ofstream(resolved) << c.out;
    const CliResult again = run_cli("check '" + resolved.string() + "'");
    CHECK(again.code == 0);
    CHECK(again.out == c.out);
    const CliResult r1 = run_cli("run '" + file + "' --json - -q");
    const CliResult r2 = run_cli("run '" + resolved.string() + "' --json - -q");
    CHECK(r1.out == r2.out);
  }
  fs::remove_all(dir);
}

TEST_CASE("a resolved scenario with the timed hand-off race runs exactly like the original",
          "[app][cli]") {
  const auto dir = temp_dir("check-glibc");
  const std::string sets =
      " --set interpreter.condvar=glibc --set interpreter.mutex_hold=3us"
      " --set interpreter.wake_syscall=2us";
  const CliResult c = run_cli("check configs/seeds/convoy-effect.yaml" + sets);
  REQUIRE(c.code == 0);
  CHECK(c.out.find("condvar: glibc") != std::string::npos);
  const fs::path resolved = dir / "convoy-glibc.yaml";
  std::ofstream(resolved) << c.out;
  const CliResult again = run_cli("check '" + resolved.string() + "'");
  CHECK(again.code == 0);
  CHECK(again.out == c.out);
  const CliResult r1 = run_cli("run configs/seeds/convoy-effect.yaml --json - -q" + sets);
  const CliResult r2 = run_cli("run '" + resolved.string() + "' --json - -q");
  CHECK(r1.out == r2.out);
  fs::remove_all(dir);
}

TEST_CASE("a --set error is located at the option", "[app][cli]") {
  const CliResult a = run_cli("check configs/seeds/hyperthreads.yaml --set machine.cores=lots");
  CHECK(a.code == 2);
  CHECK(a.err.find("--set machine.cores=lots") != std::string::npos);
  CHECK(a.err.find("whole number") != std::string::npos);
  const CliResult b = run_cli("check configs/seeds/hyperthreads.yaml --set threads.nope.count=2");
  CHECK(b.code == 2);
  CHECK(b.err.find("no element 'nope'") != std::string::npos);
  const CliResult c = run_cli("check configs/seeds/hyperthreads.yaml --set machine.corez=2");
  CHECK(c.code == 2);
  CHECK(c.err.find("did you mean 'cores'") != std::string::npos);
  const CliResult d = run_cli("check configs/seeds/hyperthreads.yaml --set justakey");
  CHECK(d.code == 2);
}

TEST_CASE("a missing, unreadable or directory scenario is an input error", "[app][cli]") {
  const CliResult a = run_cli("run configs/seeds/no-such-file.yaml");
  CHECK(a.code == 2);
  CHECK(a.err.find("no-such-file.yaml: cannot read the scenario file") != std::string::npos);
  const CliResult b = run_cli("check configs/seeds");
  CHECK(b.code == 2);
  CHECK(b.err.find("is a directory") != std::string::npos);
}

TEST_CASE("every file of the bad-input corpus exits 2 with located messages and writes nothing",
          "[app][cli][bad]") {
  const auto dir = temp_dir("bad");
  const std::regex located(R"(^gilsim: [^:]+\.yaml(:[0-9]+:[0-9]+)?: .+$)");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(source_path("tests/bad"))) {
    ++files;
    const std::string file = entry.path().string();
    const std::string text = read_text(entry.path());
    const std::string expect = text.substr(9, text.find('\n') - 9);  // "# expect: ..."
    std::size_t lines_expected = 1;
    if (const auto at = text.find("# lines: "); at != std::string::npos) {
      lines_expected = std::stoul(text.substr(at + 9));
    }
    DYNAMIC_SECTION(entry.path().filename().string()) {
      const std::string json = (dir / "out.json").string();
      const CliResult r = run_cli("run '" + file + "' --json '" + json + "'");
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK_FALSE(fs::exists(json));
      CHECK(r.err.find(expect) != std::string::npos);
      std::size_t lines = 0;
      std::istringstream in(r.err);
      for (std::string line; std::getline(in, line);) {
        ++lines;
        INFO(line);
        CHECK(std::regex_match(line, located));
        // A position is given whenever the problem has one in the file.
        if (expect.find("several YAML documents") == std::string::npos) {
          CHECK(std::regex_search(line, std::regex(R"(\.yaml:[0-9]+:[0-9]+: )")));
        }
      }
      CHECK(lines >= lines_expected);
      const CliResult c = run_cli("check '" + file + "'");
      CHECK(c.code == 2);
      CHECK(c.err == r.err);
    }
  }
  CHECK(files >= 25);
  fs::remove_all(dir);
}

TEST_CASE("gilsim sweep runs the grid in order and prints the same bytes whatever --jobs",
          "[app][cli][sweep]") {
  const std::string args =
      "sweep configs/seeds/convoy-effect.yaml --vary interpreter.switch_interval=1ms,5ms "
      "--vary threads.poller.count=1,2 --csv -";
  const CliResult one = run_cli(args + " --jobs 1");
  const CliResult four = run_cli(args + " --jobs 4");
  REQUIRE(one.code == 0);
  CHECK(one.out == four.out);
  CHECK(one.err == four.err);
  std::istringstream csv(one.out);
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  REQUIRE(lines.size() == 5);  // header + 2 x 2 points, the last axis fastest
  CHECK(lines[0].rfind("interpreter.switch_interval,threads.poller.count,makespan_s", 0) == 0);
  CHECK(lines[1].rfind("1ms,1,", 0) == 0);
  CHECK(lines[2].rfind("1ms,2,", 0) == 0);
  CHECK(lines[3].rfind("5ms,1,", 0) == 0);
  CHECK(lines[4].rfind("5ms,2,", 0) == 0);
}

TEST_CASE("a bad point anywhere in a sweep grid is reported before anything runs",
          "[app][cli][sweep]") {
  const CliResult r =
      run_cli("sweep configs/seeds/convoy-effect.yaml --vary interpreter.switch_interval=1ms,-5ms");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--set interpreter.switch_interval=-5ms") != std::string::npos);
  const CliResult bad = run_cli("sweep configs/seeds/convoy-effect.yaml --vary nokey");
  CHECK(bad.code == 2);
}
