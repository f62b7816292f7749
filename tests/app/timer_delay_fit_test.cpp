// The idle-timer delay fit: simulate the sleeps' tail, compare, pick the delay.
#include <catch2/catch.hpp>

#include <cmath>

#include "app/timer_delay_fit.hpp"
#include "models/gil/versions.hpp"

using namespace gilsim;

namespace {
// The reference machine's calibrated body, roughly: 2 CPUs, slack and a wake-up.
models::Scenario host() {
  models::Scenario s;
  s.gil = *models::gil_defaults("3.11");
  s.machine.cores = 2;
  s.os.context_switch = 1700;
  s.os.wakeup_latency = sim::Dist::lognormal(43 * sim::kMicrosecond, 0.875);
  s.os.timer_slack = sim::Dist::constant(75 * sim::kMicrosecond);
  return s;
}

app::SleepTail probe() {
  app::SleepTail t;
  t.sleep_s = 1e-3;
  t.busy = 1;
  t.q = {0.5, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998};
  return t;
}
}  // namespace

TEST_CASE("the idle-timer fit recovers the late share and delay behind a simulated tail",
          "[app][calibrate]") {
  // "Measurements" made by the model itself, with another seed and more sleeps than a probe.
  models::Scenario truth = host();
  truth.seed = 7;
  truth.os.idle_timer_delay = {0.02, sim::Dist::lognormal(600 * sim::kMicrosecond, 0.7)};
  app::SleepTail tail = probe();
  tail.overshoot_s = app::simulated_sleep_tail(truth, tail, 20000);
  const app::TimerDelayFit fit = app::fit_idle_timer_delay(host(), tail);
  CHECK(fit.delay.chance >= 0.0125);
  CHECK(fit.delay.chance <= 0.03);
  CHECK(fit.delay.delay.a >= 300e3);
  CHECK(fit.delay.delay.a <= 1200e3);
}

TEST_CASE("a tail that timer slack and the wake-up explain fits no late timers",
          "[app][calibrate]") {
  models::Scenario truth = host();
  truth.seed = 7;
  app::SleepTail tail = probe();
  tail.overshoot_s = app::simulated_sleep_tail(truth, tail, 20000);
  const app::TimerDelayFit fit = app::fit_idle_timer_delay(host(), tail);
  CHECK(fit.delay.chance <= 0.0025);
}

TEST_CASE("late timers on the idle CPU lengthen only the sleeps' upper quantiles",
          "[app][calibrate]") {
  models::Scenario late = host();
  late.os.idle_timer_delay = {0.03, sim::Dist::constant(1 * sim::kMillisecond)};
  const app::SleepTail t = probe();
  const std::vector<double> body = app::simulated_sleep_tail(host(), t, 5000);
  const std::vector<double> with = app::simulated_sleep_tail(late, t, 5000);
  CHECK(std::fabs(with[0] - body[0]) < 5e-6);  // the median
  CHECK(with[5] > body[5] + 0.5e-3);           // the 99th percentile
}
