// `stop_after`: the end of one group ends the run, the other groups' threads stopped there.
#include <catch2/catch.hpp>

#include "fixtures.hpp"

using namespace gilsim::testing;

namespace {
Scenario convoy_until_io_ends() {
  Scenario s = exact_scenario("3.11", 2, 10 * kMicrosecond);
  s.groups.push_back(group("crunch", 2, {step(StepKind::Cpu, 100 * kSecond)}));
  s.groups.push_back(group(
      "io", 1,
      {repeat(20, {step(StepKind::Sleep, kMillisecond), step(StepKind::Cpu, 50 * kMicrosecond)})}));
  s.stop_after = "io";
  return s;
}
}  // namespace

TEST_CASE("a run with stop_after ends when that group's last thread does", "[models]") {
  const RunResult r = simulate(convoy_until_io_ends(), 1);
  const GroupResult& crunch = r.groups[0];
  const GroupResult& io = r.groups[1];
  CHECK(r.stopped);
  CHECK(io.finished == 1);
  CHECK(crunch.finished == 0);
  // Twenty calls beside CPU-bound threads: each waits for the GIL, but it is far from the
  // CPU-bound threads' 200 s.
  CHECK(io.finish > 20 * (kMillisecond + 50 * kMicrosecond));
  CHECK(io.finish < 2 * kSecond);
  CHECK(r.makespan == io.finish);
  CHECK(crunch.finish == io.finish);
  // Its calls waited for the GIL the whole run: the CPU-bound threads were still there.
  CHECK(io.io_resume.count() == 20);
  CHECK(io.io_resume.quantile(0.5) > kMillisecond);
}

TEST_CASE("without stop_after the same run lasts until every thread is done", "[models]") {
  Scenario s = convoy_until_io_ends();
  s.groups[0].program = {step(StepKind::Cpu, 300 * kMillisecond)};
  s.stop_after.reset();
  const RunResult r = simulate(s, 1);
  CHECK_FALSE(r.stopped);
  CHECK(r.makespan == r.groups[0].finish);
  CHECK(r.makespan > r.groups[1].finish);
}
