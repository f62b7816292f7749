#include "app/contention_fit.hpp"

#include <cmath>
#include <limits>

#include "app/handoff_fit.hpp"
#include "app/profile_text.hpp"
#include "models/world.hpp"

namespace gilsim::app {

sim::Dist uniform_around(double mean_s) {
  return sim::Dist::uniform(sim::Time(std::llround(mean_s / 2 * 1e9)),
                            sim::Time(std::llround(1.5 * mean_s * 1e9)));
}

std::vector<TickSlowdown> tick_slowdowns(const YAML::Node& m) {
  std::vector<TickSlowdown> out;
  const YAML::Node probe = m["tick_contention"];
  if (!probe || !probe.IsMap()) return out;
  const YAML::Node points = probe["points"];
  if (!points || !points.IsSequence()) return out;
  for (const YAML::Node& p : points) {
    const YAML::Node s = p["slowdown"];
    if (!profile_text::measured(s)) continue;
    TickSlowdown t;
    t.threads = int(profile_text::num(p["threads"], 2));
    t.check_interval = int(profile_text::num(p["check_interval"], 100));
    t.slowdown = profile_text::num(s, 1);
    if (t.threads >= 1 && t.check_interval >= 1 && t.slowdown > 0) out.push_back(t);
  }
  return out;
}

double simulated_tick_slowdown(const models::Scenario& base, int threads, int check_interval,
                               double work_s) {
  models::Scenario s = spinning_threads(base, "tick-contention", threads, work_s / threads);
  s.gil.check_interval = check_interval;
  const double speedup = models::simulate(s, s.seed).speedup();
  return speedup > 0 ? 1 / speedup : 0;
}

std::string contention_fit_yaml(const YAML::Node& measured, const ContentionFit& fit) {
  std::vector<double> threads, intervals, slowdowns;
  for (const TickSlowdown& t : tick_slowdowns(measured)) {
    threads.push_back(t.threads);
    intervals.push_back(t.check_interval);
    slowdowns.push_back(t.slowdown);
  }
  using profile_text::list;
  std::string y = "    contended_release:\n";
  y += "      model: slowdown of N threads against one at check intervals other than 100, "
       "simulated on this machine for contended_release means in [0, 8 us]; least squared "
       "log error\n";
  y += "      mean_us: " + profile_text::round3(fit.cost_s * 1e6) + "\n";
  y += "      threads: " + list(threads, 1) + "\n";
  y += "      check_interval: " + list(intervals, 1) + "\n";
  y += "      measured: " + list(slowdowns, 1) + "\n";
  y += "      simulated: " + list(fit.simulated, 1) + "\n";
  return y;
}

ContentionFit fit_contended_release(const models::Scenario& base,
                                    const std::vector<TickSlowdown>& measured, double work_s) {
  ContentionFit best;
  best.error = std::numeric_limits<double>::infinity();
  for (int step = 0; step <= 32; ++step) {
    ContentionFit fit;
    fit.cost_s = 0.25e-6 * step;
    models::Scenario s = base;
    s.gil.contended_release = step == 0 ? sim::Dist::constant(0) : uniform_around(fit.cost_s);
    for (const TickSlowdown& m : measured) {
      const double x = simulated_tick_slowdown(s, m.threads, m.check_interval, work_s);
      fit.simulated.push_back(x);
      const double d = x > 0 ? std::log(x / m.slowdown) : 10;
      fit.error += d * d;
    }
    if (fit.error < best.error) best = fit;
  }
  return best;
}

}  // namespace gilsim::app
