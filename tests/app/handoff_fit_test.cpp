// The hand-off order fit: simulate, compare, pick the value with the least squared error.
#include <catch2/catch.hpp>

#include <cmath>

#include "app/handoff_fit.hpp"
#include "models/gil/versions.hpp"

using namespace gilsim;

namespace {
models::Scenario host() {
  models::Scenario s;
  s.machine.cores = 2;
  s.os.wakeup_latency = sim::Dist::lognormal(40 * sim::kMicrosecond, 0.9);
  s.os.timer_slack = sim::Dist::constant(60 * sim::kMicrosecond);
  s.gil = *models::gil_defaults("3.11");
  return s;
}
}  // namespace

TEST_CASE("more requester wins send more hand-offs back to the previous holder",
          "[app][calibrate]") {
  models::Scenario s = host();
  s.gil.switch_interval = sim::kMillisecond;
  s.gil.requester_wins = 0;
  const double none = app::simulated_back_to_previous(s, 3, 1.0, 2);
  s.gil.requester_wins = 0.5;
  const double half = app::simulated_back_to_previous(s, 3, 1.0, 2);
  CHECK(none < 0.25);
  CHECK(half > none + 0.2);
}

TEST_CASE("the requester fit recovers the value behind a simulated hand-off order",
          "[app][calibrate]") {
  // "Measurements" made by the model itself with requester_wins = 0.3 and another seed.
  models::Scenario truth = host();
  truth.seed = 99;
  truth.gil.requester_wins = 0.3;
  std::vector<app::HandoffOrder> measured;
  for (const int n : {3, 4}) {
    app::HandoffOrder h;
    h.threads = n;
    h.interval_s = 0.001;
    h.seconds = 1.0;
    truth.gil.switch_interval = sim::kMillisecond;
    h.back_to_previous = app::simulated_back_to_previous(truth, n, h.seconds, 3);
    measured.push_back(h);
  }
  const app::RequesterFit fit = app::fit_requester_wins(host(), measured, 3);
  CHECK(std::fabs(fit.requester_wins - 0.3) <= 0.1);
  REQUIRE(fit.residuals.size() == 2);
  for (const double r : fit.residuals) CHECK(std::fabs(r) < 0.05);
}
