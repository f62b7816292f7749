// The tutorials' claims, as numbers: each seed scenario (configs/seeds/) is simulated and its
// headline figure asserted, with the variations the scenario's comments suggest.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "app/scenario_loader.hpp"
#include "models/world.hpp"

using gilsim::app::load_scenario;
using gilsim::models::RunResult;
using gilsim::models::simulate;

namespace {

RunResult run_seed(const std::string& name, const std::vector<std::string>& sets = {}) {
  const auto s = load_scenario(std::string(GILSIM_SOURCE_DIR) + "/configs/seeds/" + name, sets);
  return simulate(s, s.seed);
}

double seconds(gilsim::sim::Time t) {
  return double(t) / 1e9;
}

}  // namespace

TEST_CASE("one busy thread on 6 cores x 2 hyperthreads shows 1/12 = 8.3% CPU", "[seeds]") {
  const RunResult r = run_seed("cpu-one-thread-12-cpus.yaml");
  CHECK(r.logical_cpus == 12);
  CHECK(r.cpu_utilization() == Approx(1.0 / 12).epsilon(0.002));
}

TEST_CASE("CPU-bound Python split over 1, 2, 4 or 8 threads gets no speedup", "[seeds]") {
  for (int n : {1, 2, 4, 8}) {
    const std::string each = std::to_string(4000 / n) + "ms";
    const RunResult r = run_seed(
        "cpu-threads-no-speedup.yaml",
        {"threads.workers.count=" + std::to_string(n), "threads.workers.program.0.cpu=" + each});
    INFO(n << " threads");
    CHECK(r.serial == Approx(4e9));
    CHECK(r.speedup() <= 1.0);
    CHECK(r.speedup() > 0.97);
    // Only one thread runs at a time: one core's worth of CPU, whatever the thread count.
    CHECK(r.cpu_utilization() * r.logical_cpus == Approx(1.0).epsilon(0.02));
  }
}

TEST_CASE("two CPU-bound threads on Python 2.7 and 2 cores are slower than sequential", "[seeds]") {
  const RunResult r = run_seed("legacy-gil-multicore-slowdown.yaml");
  CHECK(r.speedup() < 0.95);
  CHECK(r.cpu_utilization() > 0.5);  // more than one core's worth of the two
  CHECK(r.gil.failed_acquisitions > 1000);
  // The new GIL on the same machine is not slower than sequential by more than a hair.
  const RunResult modern =
      run_seed("legacy-gil-multicore-slowdown.yaml", {"interpreter={version: \"3.11\"}"});
  CHECK(modern.speedup() > 0.98);
  CHECK(modern.speedup() > r.speedup() + 0.05);
}

TEST_CASE("threads waiting on I/O overlap: speedup close to the thread count", "[seeds]") {
  const RunResult r = run_seed("io-threads-overlap.yaml");
  CHECK(r.speedup() > 0.92 * 8);
  CHECK(r.speedup() <= 8.0);
}

TEST_CASE("GIL-releasing C work scales to the core count and no further", "[seeds]") {
  for (int n : {1, 2, 4, 8}) {
    const RunResult r =
        run_seed("native-release-parallel.yaml", {"threads.hashers.count=" + std::to_string(n)});
    INFO(n << " threads on 4 cores");
    const double ideal = n < 4 ? n : 4;
    CHECK(r.speedup() > 0.95 * ideal);
    CHECK(r.speedup() <= ideal * 1.001);
  }
}

TEST_CASE("an I/O thread beside a CPU thread waits about one switch interval per call",
          "[seeds][convoy]") {
  double last = 0;
  for (const char* interval : {"1ms", "5ms", "20ms"}) {
    const RunResult r =
        run_seed("convoy-effect.yaml", {std::string("interpreter.switch_interval=") + interval});
    const auto iv = gilsim::sim::parse_duration(interval).value;
    const auto& resume = r.groups[1].io_resume;
    INFO("interval " << interval);
    REQUIRE(resume.count() > 20);
    // The interval plus a few wake-ups and a check point: within 0.5 ms above it.
    CHECK(resume.quantile(0.5) >= iv);
    CHECK(resume.quantile(0.5) <= iv + 500'000);
    CHECK(double(resume.quantile(0.5)) > last);
    last = double(resume.quantile(0.5));
  }
  // Without the CPU thread the same calls get the GIL back within a wake-up or two.
  const RunResult alone =
      run_seed("convoy-effect.yaml",
               {"threads.crunch.program.0.repeat=1", "threads.crunch.program.0.steps.0.cpu=1ms"});
  CHECK(alone.groups[1].io_resume.quantile(0.5) < 200'000);
}

TEST_CASE("two busy threads on one core's two hyperthreads get 1.25x, not 2x", "[seeds]") {
  const RunResult r = run_seed("hyperthreads.yaml");
  CHECK(r.speedup() == Approx(1.25).epsilon(0.001));
  const RunResult r2 = run_seed("hyperthreads.yaml", {"machine.smt_throughput=1.1"});
  CHECK(r2.speedup() == Approx(1.1).epsilon(0.001));
}

TEST_CASE("CPU-bound threads on 3.13t scale with cores, less the single-thread overhead",
          "[seeds]") {
  const RunResult r = run_seed("free-threaded.yaml");
  CHECK(r.speedup() == Approx(4 / 1.06).epsilon(0.001));
  const RunResult gil = run_seed("free-threaded.yaml", {"interpreter={version: \"3.13\"}"});
  CHECK(gil.speedup() < 1.0);
}

TEST_CASE("a long C call holding the GIL blocks a waiting thread for its whole duration",
          "[seeds]") {
  const RunResult r = run_seed("long-c-call.yaml");
  const auto& ticker = r.groups[1].io_resume;
  CHECK(seconds(ticker.max()) >= 0.500);
  CHECK(seconds(ticker.max()) < 0.505);
  // Every other tick got the GIL back quickly: the long wait is the C call, not the GIL.
  CHECK(seconds(ticker.quantile(0.99)) < 0.001);
}
