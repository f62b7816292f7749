#include "app/sleeper_probe.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "app/profile_text.hpp"
#include "models/gil/versions.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

sim::Time ns(double seconds) {
  return sim::Time(std::llround(seconds * 1e9));
}

models::Step work(models::StepKind kind, double seconds) {
  models::Step s;
  s.kind = kind;
  s.duration = sim::Dist::constant(ns(seconds));
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// The sleeper's cycles: from one start of its sleep to the next.
class SleepStarts final : public models::Observer {
 public:
  explicit SleepStarts(models::ThreadId sleeper) : sleeper_(sleeper) {}
  void on_thread_state(sim::Time at, models::ThreadId t, models::TimeCat cat,
                       models::CpuId /*cpu*/) override {
    if (t == sleeper_ && cat == models::TimeCat::Io) starts_.push_back(at);
  }
  double median_cycle_s() const {
    std::vector<double> cycles;
    for (std::size_t i = 1; i < starts_.size(); ++i) {
      cycles.push_back(sim::to_seconds(starts_[i] - starts_[i - 1]));
    }
    return median(cycles);
  }

 private:
  models::ThreadId sleeper_;
  std::vector<sim::Time> starts_;
};

/// `host` with its threads replaced: `busy` threads computing `busy_s` each, then one thread
/// (after them) repeating `body`, a cycle of about `cycle_s`, for about `seconds`.
models::Scenario beside_busy(const models::Scenario& host, const char* name, int busy,
                             double busy_s, double seconds, double cycle_s,
                             std::vector<models::Step> body) {
  models::Scenario s = host;
  s.name = name;
  s.stop.reset();
  models::ThreadGroup spinners;
  spinners.name = "busy";
  spinners.count = busy;
  spinners.program.push_back(work(models::StepKind::Cpu, busy_s));
  models::ThreadGroup sleeper;
  sleeper.name = "sleeper";
  models::Step loop;
  loop.kind = models::StepKind::Repeat;
  loop.times = std::max<std::int64_t>(3, std::llround(seconds / cycle_s));
  loop.body = std::move(body);
  sleeper.program.push_back(loop);
  s.groups = {spinners, sleeper};
  return s;
}

/// Which thread took the GIL, at every acquisition, in order.
class Acquisitions final : public models::Observer {
 public:
  void on_gil(sim::Time, models::ThreadId t, bool acquired) override {
    if (acquired) order_.push_back(t);
  }
  /// Among `sleeper`'s acquisitions between two others, the share whose neighbours are one
  /// thread; -1 if there is none.
  double straight_back(models::ThreadId sleeper) const {
    int told = 0, back = 0;
    for (std::size_t i = 1; i + 1 < order_.size(); ++i) {
      if (order_[i] != sleeper || order_[i - 1] == sleeper || order_[i + 1] == sleeper) continue;
      ++told;
      back += order_[i - 1] == order_[i + 1] ? 1 : 0;
    }
    return told > 0 ? double(back) / told : -1;
  }

 private:
  std::vector<models::ThreadId> order_;
};

}  // namespace

models::Scenario sleeper_holds_probe(const models::Scenario& host, double interval_s,
                                     double sleep_s, double hold_s, int spinners, double seconds) {
  models::Scenario s =
      beside_busy(host, "sleeper-holds", spinners, 2 * seconds, seconds, sleep_s + hold_s,
                  {work(models::StepKind::Sleep, sleep_s), work(models::StepKind::Cpu, hold_s)});
  s.gil.switch_interval = ns(interval_s);
  return s;
}

double simulated_straight_back(const models::Scenario& host, double interval_s, double sleep_s,
                               double hold_s, int spinners, double seconds, int replicas) {
  const models::Scenario s =
      sleeper_holds_probe(host, interval_s, sleep_s, hold_s, spinners, seconds);
  std::vector<double> shares;
  for (int k = 0; k < replicas; ++k) {
    Acquisitions order;
    models::simulate(s, s.seed, &order, std::uint64_t(k));
    const double share = order.straight_back(models::ThreadId(spinners));
    if (share >= 0) shares.push_back(share);
  }
  return shares.empty() ? -1 : median(shares);
}

models::Scenario sleeper_probe(const models::Scenario& host, int busy, double compute_s,
                               double sleep_s, double seconds) {
  // The spinners outlast the sleeper even if it gets a CPU only a third of the time.
  models::Scenario s =
      beside_busy(host, "sleeper-beside-busy", busy, 4 * seconds, seconds, compute_s + sleep_s,
                  {work(models::StepKind::Cpu, compute_s), work(models::StepKind::Sleep, sleep_s)});
  s.gil = *models::gil_defaults("3.13t");  // no lock: the OS alone decides who runs
  s.gil.bytecode_overhead = 0;
  return s;
}

double simulated_sleeper_stretch(const models::Scenario& host, int busy, double compute_s,
                                 double sleep_s, double seconds, int replicas) {
  const models::Scenario s = sleeper_probe(host, busy, compute_s, sleep_s, seconds);
  std::vector<double> stretches;
  for (int k = 0; k < replicas; ++k) {
    SleepStarts starts{models::ThreadId(busy)};  // the sleeper follows the spinners
    models::simulate(s, s.seed, &starts, std::uint64_t(k));
    stretches.push_back((starts.median_cycle_s() - sleep_s) / compute_s);
  }
  return median(stretches);
}

std::string straight_back_yaml(const YAML::Node& m, const models::Scenario& fitted) {
  if (!m || !m.IsMap() || !profile_text::measured(m["straight_back"])) return "";
  const double interval = profile_text::num(m["interval_s"], 0.005);
  const double sleep = profile_text::num(m["sleep_s"], 0.001);
  const double hold = profile_text::num(m["hold_s"], 50e-6);
  const int spinners = int(profile_text::num(m["spinners"], 2));
  const YAML::Node same = m["woke_on_same_cpu"];
  const double simulated = simulated_straight_back(fitted, interval, sleep, hold, spinners, 4.0);
  return "      # reported, not fitted: a thread that sleeps " + profile_text::us(sleep) +
         ", then holds the GIL " + profile_text::us(hold) + ", beside " + std::to_string(spinners) +
         " CPU-bound threads at " + profile_text::us(interval) +
         ": the share of its holds after which the GIL goes straight back to the thread it "
         "took it from (Linux queues that thread on the sleeper's CPU; one shared run queue "
         "wakes it on the other), and of its wake-ups on the CPU it slept on\n"
         "      measured_straight_back: " +
         profile_text::round3(profile_text::num(m["straight_back"])) + "\n" +
         "      simulated_straight_back: " +
         (simulated >= 0 ? profile_text::round3(simulated) : std::string("null")) + "\n" +
         "      measured_woke_on_same_cpu: " +
         (profile_text::measured(same) ? profile_text::round3(profile_text::num(same))
                                       : std::string("null")) +
         "\n";
}

std::string sleeper_probe_yaml(const YAML::Node& m, const models::Scenario& host) {
  const YAML::Node probe = m["sleeper_beside_busy"];
  if (!probe || !probe.IsMap() || !probe["points"] || !probe["points"].IsSequence()) return "";
  const int busy = int(profile_text::num(probe["busy"], 1));
  std::string y =
      "  sleeper_beside_busy:  # a thread computing, then sleeping, beside " +
      std::to_string(busy) +
      " spinning processes: (median cycle - sleep) / compute, measured and simulated on this "
      "profile's machine and os (reported, not fitted: Linux shares one CPU between the "
      "sleeper and one spinner, as the model does with run_queues: per_cpu; one shared run "
      "queue shares all CPUs fairly)\n";
  for (const YAML::Node& p : probe["points"]) {
    const double compute = profile_text::num(p["compute_s"]);
    const double sleep = profile_text::num(p["sleep_s"]);
    const YAML::Node stretch = p["stretch"];
    const bool measured = profile_text::measured(stretch);
    y += "    - {compute: " + profile_text::us(compute) + ", sleep: " + profile_text::us(sleep) +
         ", measured: " + (measured ? profile_text::round3(profile_text::num(stretch)) : "null") +
         ", simulated: " +
         profile_text::round3(simulated_sleeper_stretch(host, busy, compute, sleep, 2.0)) + "}\n";
  }
  return y;
}

}  // namespace gilsim::app
