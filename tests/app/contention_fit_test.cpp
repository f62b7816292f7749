// The tick GIL's contention fit: simulate the slowdowns, compare, pick the cost.
#include <catch2/catch.hpp>

#include <cmath>

#include "app/contention_fit.hpp"
#include "models/gil/versions.hpp"

using namespace gilsim;

namespace {
// A 2.7 interpreter on the reference machine's calibrated costs, roughly.
models::Scenario host() {
  models::Scenario s;
  s.gil = *models::gil_defaults("2.7");
  s.machine.cores = 2;
  s.os.context_switch = 1700;
  s.os.wakeup_latency = sim::Dist::lognormal(40 * sim::kMicrosecond, 0.9);
  s.gil.tick_cost = 10;
  s.gil.release_syscall = sim::Dist::uniform(4 * sim::kMicrosecond, 13 * sim::kMicrosecond);
  return s;
}
}  // namespace

TEST_CASE("the contention fit recovers the cost behind simulated slowdowns", "[app][calibrate]") {
  // "Measurements" made by the model itself, with another seed.
  models::Scenario truth = host();
  truth.seed = 7;
  truth.gil.contended_release = sim::Dist::uniform(1500, 4500);
  std::vector<app::TickSlowdown> measured;
  for (const auto& [n, ci] : {std::pair{2, 200}, {4, 200}, {4, 1000}, {8, 500}}) {
    app::TickSlowdown t;
    t.threads = n;
    t.check_interval = ci;
    t.slowdown = app::simulated_tick_slowdown(truth, n, ci, 0.05);
    measured.push_back(t);
  }
  CHECK(measured[1].slowdown > measured[0].slowdown);
  const app::ContentionFit fit = app::fit_contended_release(host(), measured, 0.05);
  CHECK(std::fabs(fit.cost_s - 3e-6) <= 0.5e-6);
  REQUIRE(fit.simulated.size() == measured.size());
  for (std::size_t i = 0; i < measured.size(); ++i) {
    CHECK(fit.simulated[i] == Approx(measured[i].slowdown).epsilon(0.05));
  }
}

TEST_CASE("a slowdown measured without contention fits no contention cost", "[app][calibrate]") {
  std::vector<app::TickSlowdown> measured;
  for (const int n : {2, 4}) {
    app::TickSlowdown t;
    t.threads = n;
    t.check_interval = 500;
    t.slowdown = app::simulated_tick_slowdown(host(), n, 500, 0.05);
    measured.push_back(t);
  }
  CHECK(app::fit_contended_release(host(), measured, 0.05).cost_s == 0);
}

TEST_CASE("calibrate's tick contention points are read, skipping unmeasured ones",
          "[app][calibrate]") {
  const YAML::Node m = YAML::Load(
      "{tick_contention: {work_s: 0.2, points: [{threads: 4, check_interval: 200, slowdown: 1.9},"
      " {threads: 8, check_interval: 500, slowdown: null}]}}");
  const auto points = app::tick_slowdowns(m);
  REQUIRE(points.size() == 1);
  CHECK(points[0].threads == 4);
  CHECK(points[0].check_interval == 200);
  CHECK(points[0].slowdown == 1.9);
  CHECK(app::tick_slowdowns(YAML::Load("{kernels: {}}")).empty());
}
