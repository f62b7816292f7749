// gilsim validate --against: the model compared with real runs stored by an earlier validate,
// without any interpreter.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli.hpp"

using namespace gilsim::testing;
namespace fs = std::filesystem;

namespace {

const char* kHeader =
    "scenario,python,metric,simulated,simulated_min,simulated_max,measured_median,"
    "measured_min,measured_max,error,tolerance,relative,within\n";

std::string write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

/// A stored row for the smoke scenario of CPU-bound threads (0.6 s in simulation).
std::string cpu_row(double measured) {
  const std::string m = std::to_string(measured);
  return "smoke-cpu-threads,3.11,makespan_s,0,0,0," + m + "," + m + "," + m + ",0,0.3,true,true\n";
}

}  // namespace

TEST_CASE("validate --against compares the model with stored runs without any interpreter",
          "[app][validate]") {
  const fs::path dir = temp_dir("against");
  const std::string near = write(dir / "near.csv", std::string(kHeader) + cpu_row(0.62));
  const std::string far = write(dir / "far.csv", std::string(kHeader) + cpu_row(2.0));
  const std::string md = (dir / "report.md").string();

  const CliResult ok = run_cli("validate configs/smoke --against " + near + " --markdown " + md);
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK(ok.out.find("smoke-cpu-threads") != std::string::npos);
  CHECK(ok.out.find("(stored runs)") != std::string::npos);
  CHECK(ok.out.find("smoke-convoy") == std::string::npos);  // nothing stored for it
  const std::string report = read_text(md);
  CHECK(report.find("--against " + near) != std::string::npos);
  CHECK(report.find("real runs stored in") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "validation.csv"));  // writes only what it is asked to

  const CliResult off = run_cli("validate configs/smoke --against " + far);
  CHECK(off.code == 1);
  CHECK(off.out.find("OUTSIDE") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("stored runs that gilsim did not write are an input error naming the line",
          "[app][validate]") {
  const fs::path dir = temp_dir("against-bad");
  const std::string header = write(dir / "header.csv", "a,b,c\n" + cpu_row(0.6));
  const std::string short_line =
      write(dir / "short.csv", std::string(kHeader) + cpu_row(0.6) + "smoke-cpu-threads,3.11\n");
  const std::string not_number = write(
      dir / "nan.csv",
      std::string(kHeader) + "smoke-cpu-threads,3.11,makespan_s,0,0,0,fast,0,0,0,0.3,true,true\n");
  struct Case {
    std::string file, where;
  };
  for (const Case& c : {Case{header, ":1:1:"}, Case{short_line, ":3:1:"}, Case{not_number, ":2:1:"},
                        Case{(dir / "missing.csv").string(), "cannot read"}}) {
    INFO(c.file);
    const CliResult r = run_cli("validate configs/smoke --against " + c.file);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.file) != std::string::npos);
    CHECK(r.err.find(c.where) != std::string::npos);
    CHECK(r.out.empty());
  }
  fs::remove_all(dir);
}

TEST_CASE("validate --against will not overwrite the runs it compares with", "[app][validate]") {
  const fs::path dir = temp_dir("against-self");
  const std::string csv = write(dir / "runs.csv", std::string(kHeader) + cpu_row(0.6));
  const CliResult same = run_cli("validate configs/smoke --against " + csv + " --csv " + csv);
  CHECK(same.code == 2);
  CHECK(read_text(csv) == std::string(kHeader) + cpu_row(0.6));
  CHECK(run_cli("validate configs/smoke --against " + csv + " --python /usr/bin/python3").code ==
        2);
  CHECK(run_cli("validate configs/smoke --against " + csv + " --repeat 3").code == 2);
  fs::remove_all(dir);
}

TEST_CASE(
    "stored runs record the work they ran, and runs of other work than a scenario's now "
    "are skipped",
    "[app][validate]") {
  const fs::path dir = temp_dir("against-work");
  const std::string old = write(dir / "old.csv", std::string(kHeader) + cpu_row(0.62));
  const std::string stamped = (dir / "stamped.csv").string();
  // A CSV from before the work was recorded is read, with a note that it cannot be checked.
  const CliResult first = run_cli("validate configs/smoke --against " + old + " --csv " + stamped);
  INFO(first.err);
  CHECK(first.code == 0);
  CHECK(first.out.find("carry no record of their work") != std::string::npos);
  const std::string text = read_text(stamped);
  CHECK(text.find(",within,work\n") != std::string::npos);
  // The same scenarios against runs that recorded their work: nothing to say.
  const CliResult same = run_cli("validate configs/smoke --against " + stamped);
  CHECK(same.code == 0);
  CHECK(same.out.find("carry no record") == std::string::npos);
  CHECK(same.out.find("smoke-cpu-threads") != std::string::npos);
  // A scenario whose work changed since is not compared with them.
  fs::create_directories(dir / "changed");
  std::string yaml = read_text(source_path("configs/smoke/cpu-threads.yaml"));
  yaml.replace(yaml.find("cpu: 200ms"), 10, "cpu: 300ms");
  write(dir / "changed" / "cpu-threads.yaml", yaml);
  const CliResult changed =
      run_cli("validate " + (dir / "changed").string() + " --against " + stamped);
  CHECK(changed.code == 0);
  CHECK(changed.err.find("ran other work than the scenario describes now") != std::string::npos);
  CHECK(changed.out.find("Skipped, the stored runs having run other work") != std::string::npos);
  CHECK(changed.out.find("makespan_s") == std::string::npos);
  fs::remove_all(dir);
}
