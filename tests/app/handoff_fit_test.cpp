// The hand-off order fit: simulate, compare, pick the values with the least squared error.
#include <catch2/catch.hpp>

#include <cmath>

#include "app/contention_fit.hpp"
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
  s.gil.switch_interval = sim::kMillisecond;
  return s;
}
}  // namespace

TEST_CASE("more requester wins send more hand-offs back to the previous holder",
          "[app][calibrate]") {
  models::Scenario s = host();
  s.gil.requester_wins = 0;
  const double none = app::simulated_handoff_order(s, 3, 1.0, 2).back;
  s.gil.requester_wins = 0.5;
  const double half = app::simulated_handoff_order(s, 3, 1.0, 2).back;
  CHECK(none < 0.25);
  CHECK(half > none + 0.2);
}

TEST_CASE("a persistent requester race makes hand-offs back to the previous holder come in runs",
          "[app][calibrate]") {
  models::Scenario s = host();
  s.gil.requester_wins = 0.3;
  const app::HandoffStats independent = app::simulated_handoff_order(s, 4, 1.0, 2);
  s.gil.requester_persistence = 0.8;
  const app::HandoffStats persistent = app::simulated_handoff_order(s, 4, 1.0, 2);
  // The same share of races goes to the requester, but in runs: after a hand-off back to the
  // previous holder the next one goes back far more often than after one that did not.
  CHECK(persistent.after_back - persistent.after_other >
        independent.after_back - independent.after_other + 0.3);
}

TEST_CASE("the requester fit recovers the values behind a simulated hand-off order",
          "[app][calibrate]") {
  // "Measurements" made by the model itself, with another seed.
  models::Scenario truth = host();
  truth.seed = 99;
  truth.gil.requester_wins = 0.3;
  truth.gil.requester_persistence = 0.6;
  std::vector<app::HandoffOrder> measured;
  for (const int n : {3, 4}) {
    app::HandoffOrder h;
    h.threads = n;
    h.interval_s = 0.001;
    h.seconds = 1.0;
    h.measured = app::simulated_handoff_order(truth, n, h.seconds, 3);
    measured.push_back(h);
  }
  const app::RequesterFit fit = app::fit_requester_wins(host(), measured, 3);
  CHECK(std::fabs(fit.requester_wins - 0.3) <= 0.1);
  CHECK(std::fabs(fit.requester_persistence - 0.6) <= 0.2);
  REQUIRE(fit.simulated.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(std::fabs(fit.simulated[i].back - measured[i].measured.back) < 0.05);
  }
}

TEST_CASE("the requester fit reaches races won by the requester more often than not",
          "[app][calibrate]") {
  // A host where most races go to the requester: the fit must not stop at one half.
  models::Scenario truth = host();
  truth.seed = 5;
  truth.gil.requester_wins = 0.8;
  app::HandoffOrder h;
  h.threads = 3;
  h.interval_s = 0.005;
  h.seconds = 2.0;
  h.measured.back = app::simulated_handoff_order(truth, 3, h.seconds, 3).back;
  const app::RequesterFit fit = app::fit_requester_wins(host(), {h}, 3);
  CHECK(fit.requester_wins > 0.6);
  CHECK(fit.requester_wins <= app::kRequesterWinsMax);
}

TEST_CASE("without conditional fractions the fit keeps the race independent", "[app][calibrate]") {
  models::Scenario truth = host();
  truth.seed = 7;
  truth.gil.requester_wins = 0.2;
  app::HandoffOrder h;
  h.threads = 3;
  h.interval_s = 0.001;
  h.seconds = 1.0;
  h.measured.back = app::simulated_handoff_order(truth, 3, 1.0, 3).back;
  const app::RequesterFit fit = app::fit_requester_wins(host(), {h}, 3);
  CHECK(fit.requester_persistence == 0);
  CHECK(std::fabs(fit.requester_wins - 0.2) <= 0.1);
}

TEST_CASE("with glibc's condition variable the fit times the lock code to the measured order",
          "[app][calibrate]") {
  // A host whose requester wins often, because its waiters take long to fall asleep and its
  // wake-ups cost their callers much: the fit finds timings that give the same order back.
  models::Scenario base = host();
  base.gil.condvar = models::CondvarModel::Glibc;
  models::Scenario truth = base;
  truth.seed = 11;
  truth.gil.sleep_entry = app::uniform_around(8e-6);
  truth.gil.wake_syscall = app::uniform_around(12e-6);
  std::vector<app::HandoffOrder> measured;
  for (const double interval : {0.001, 0.005}) {
    app::HandoffOrder h;
    h.threads = 3;
    h.interval_s = interval;
    h.seconds = 2.0;
    truth.gil.switch_interval = sim::Time(std::llround(interval * 1e9));
    h.measured = app::simulated_handoff_order(truth, 3, h.seconds, 3);
    measured.push_back(h);
  }
  base.gil.sleep_entry = app::uniform_around(1e-6);  // far from the truth: the fit must move
  base.gil.wake_syscall = app::uniform_around(2e-6);
  const double before = app::simulated_handoff_order(base, 3, 2.0, 3).back;
  const app::RequesterFit fit = app::fit_lock_code(base, measured, 3);
  CHECK(fit.lock_code);
  CHECK(fit.sleep_entry_s > 1e-6);
  REQUIRE(fit.simulated.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("interval " << measured[i].interval_s << ": measured " << measured[i].measured.back
                     << ", simulated " << fit.simulated[i].back << ", before " << before);
    CHECK(std::fabs(fit.simulated[i].back - measured[i].measured.back) < 0.06);
  }
  CHECK(std::fabs(before - measured[1].measured.back) > 0.1);
}
