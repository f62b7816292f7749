#include "app/timer_delay_fit.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "app/profile_text.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

constexpr int kSleeps = 20000;  // simulated: the 99.8th percentile is then the 40th largest

// The grid: chance 0 to 6% by 0.25%, median delay 150 us to 3 ms (geometric), three sigmas.
constexpr int kChanceSteps = 24;
constexpr double kChanceStep = 0.0025;
constexpr double kMedianLo = 150e-6, kMedianHi = 3e-3;
constexpr int kMedianSteps = 10;
constexpr double kSigmas[] = {0.4, 0.7, 1.0};

double tail_error(const SleepTail& tail, const std::vector<double>& sim) {
  // Excess over each side's median, from the 95th percentile up.
  double median_m = tail.overshoot_s.front(), median_s = sim.front();
  for (std::size_t i = 0; i < tail.q.size(); ++i) {
    if (tail.q[i] == 0.5) {
      median_m = tail.overshoot_s[i];
      median_s = sim[i];
    }
  }
  double e = 0;
  for (std::size_t i = 0; i < tail.q.size(); ++i) {
    if (tail.q[i] < kTailFrom) continue;
    const double m = std::max(1e-6, tail.overshoot_s[i] - median_m);
    const double s = std::max(1e-6, sim[i] - median_s);
    e += std::pow(std::log(s / m), 2);
  }
  return e;
}

}  // namespace

std::vector<double> simulated_sleep_tail(const models::Scenario& base, const SleepTail& tail,
                                         int sleeps) {
  models::Scenario s = base;
  s.name = "late-timers";
  s.stop.reset();
  s.groups.clear();
  const sim::Time nap = sim::Time(std::llround(tail.sleep_s * 1e9));
  if (tail.busy > 0) {
    models::ThreadGroup busy;
    busy.name = "busy";
    busy.count = tail.busy;
    models::Step work;
    work.kind = models::StepKind::Native;  // processes in reality: no GIL between them
    work.duration = sim::Dist::constant((nap + 2 * sim::kMillisecond) * sleeps);
    busy.program.push_back(work);
    s.groups.push_back(busy);
  }
  models::ThreadGroup sleeper;
  sleeper.name = "sleeper";
  models::Step loop;
  loop.kind = models::StepKind::Repeat;
  loop.times = sleeps;
  models::Step nap_step;
  nap_step.kind = models::StepKind::Sleep;
  nap_step.duration = sim::Dist::constant(nap);
  models::Step resume;  // the probe's clock reads between its sleeps
  resume.kind = models::StepKind::Cpu;
  resume.duration = sim::Dist::constant(2 * sim::kMicrosecond);
  loop.body = {nap_step, resume};
  sleeper.program.push_back(loop);
  s.groups.push_back(sleeper);
  const models::RunResult r = models::simulate(s, s.seed);
  const sim::Histogram& h = r.groups.back().io_resume;
  std::vector<double> out;
  for (double q : tail.q) out.push_back(double(h.quantile(q)) * 1e-9);
  return out;
}

TimerDelayFit fit_idle_timer_delay(const models::Scenario& base, const SleepTail& tail) {
  const auto evaluate = [&](const models::IdleTimerDelay& delay) {
    models::Scenario s = base;
    s.os.idle_timer_delay = delay;
    TimerDelayFit fit;
    fit.delay = delay;
    fit.simulated_s = simulated_sleep_tail(s, tail, kSleeps);
    fit.error = tail_error(tail, fit.simulated_s);
    return fit;
  };
  TimerDelayFit best = evaluate({});  // the body alone
  for (int c = 1; c <= kChanceSteps; ++c) {
    for (int m = 0; m < kMedianSteps; ++m) {
      const double median =
          kMedianLo * std::pow(kMedianHi / kMedianLo, double(m) / (kMedianSteps - 1));
      for (double sigma : kSigmas) {
        const TimerDelayFit fit = evaluate(
            {kChanceStep * c, sim::Dist::lognormal(sim::Time(std::llround(median * 1e9)), sigma)});
        if (fit.error < best.error) best = fit;
      }
    }
  }
  return best;
}

std::optional<SleepTail> sleep_tail(const YAML::Node& m) {
  const YAML::Node n = m["late_timers"];
  if (!n || !n.IsMap() || !n["quantiles"] || !n["quantiles"].IsMap()) return std::nullopt;
  SleepTail tail;
  tail.sleep_s = profile_text::num(n["sleep_s"], 1e-3);
  tail.busy = int(profile_text::num(n["busy"], 0));
  std::vector<std::pair<double, double>> rows;
  for (auto it = n["quantiles"].begin(); it != n["quantiles"].end(); ++it) {
    rows.emplace_back(profile_text::num(it->first), profile_text::num(it->second));
  }
  std::sort(rows.begin(), rows.end());
  bool median = false, upper = false;
  for (const auto& [q, v] : rows) {
    tail.q.push_back(q);
    tail.overshoot_s.push_back(v);
    median = median || q == 0.5;
    upper = upper || q >= kTailFrom;
  }
  if (!median || !upper) return std::nullopt;
  return tail;
}

std::string idle_timer_delay_line(const TimerDelayFit& fit, const SleepTail& tail) {
  using profile_text::round3;
  std::string y = "  idle_timer_delay: {chance: " + round3(fit.delay.chance);
  if (fit.delay.chance > 0) {
    y += ", delay: {lognormal: {median: " + profile_text::us(fit.delay.delay.a * 1e-9) +
         ", sigma: " + round3(fit.delay.delay.b) + "}}";
  }
  y += "}  # " + round3(tail.sleep_s * 1e3) + " ms sleeps on an idle CPU beside " +
       std::to_string(tail.busy) + " busy: see fits\n";
  return y;
}

std::string idle_timer_delay_fit_yaml(const TimerDelayFit& fit, const SleepTail& tail) {
  using profile_text::list;
  std::string y = "    idle_timer_delay:\n";
  y += "      model: overshoot quantiles of the sleeps, simulated over a grid of chance, median "
       "and sigma; least squared log error of the excess over the median, from p95 up\n";
  y += "      quantiles: " + list(tail.q, 1) + "\n";
  y += "      measured_us: " + list(tail.overshoot_s, 1e6) + "\n";
  y += "      simulated_us: " + list(fit.simulated_s, 1e6) + "\n";
  y += "      error: " + profile_text::round3(fit.error) + "\n";
  return y;
}

}  // namespace gilsim::app
