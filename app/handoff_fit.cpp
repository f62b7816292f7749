#include "app/handoff_fit.hpp"

#include <cmath>

#include "app/contention_fit.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

/// Records the sequence of GIL holders (each change of holder once).
class HolderSequence final : public models::Observer {
 public:
  void on_gil(sim::Time, models::ThreadId thread, bool acquired) override {
    if (acquired && (holders_.empty() || holders_.back() != thread)) holders_.push_back(thread);
  }
  HandoffStats stats() const {
    // Per hand-off: did it go back? Counted overall, and after one that did ([1]) or not ([0]).
    std::size_t n = 0, back = 0, after[2] = {0, 0}, back_after[2] = {0, 0};
    bool previous = false;
    for (std::size_t i = 2; i < holders_.size(); ++i, ++n) {
      const bool b = holders_[i] == holders_[i - 2];
      if (n > 0) {
        ++after[previous];
        back_after[previous] += b;
      }
      back += b;
      previous = b;
    }
    const auto share = [](std::size_t k, std::size_t of) { return of > 0 ? double(k) / of : 0.0; };
    HandoffStats s;
    s.back = share(back, n);
    s.after_back = share(back_after[1], after[1]);
    s.after_other = share(back_after[0], after[0]);
    return s;
  }

 private:
  std::vector<models::ThreadId> holders_;
};

double squared(double simulated, double measured) {
  if (std::isnan(measured)) return 0;
  return (simulated - measured) * (simulated - measured);
}

}  // namespace

models::Scenario spinning_threads(const models::Scenario& base, const std::string& name,
                                  int threads, double each_s) {
  models::Scenario s = base;
  s.name = name;
  s.stop.reset();
  s.groups.clear();
  models::ThreadGroup g;
  g.name = "spin";
  g.count = threads;
  models::Step spin;
  spin.kind = models::StepKind::Cpu;
  spin.duration = sim::Dist::constant(sim::Time(std::llround(each_s * 1e9)));
  g.program.push_back(spin);
  s.groups.push_back(g);
  return s;
}

HandoffStats simulated_handoff_order(const models::Scenario& base, int threads, double seconds,
                                     int replicas) {
  // Only one thread runs Python at a time: each gets about 1/threads of the span.
  const models::Scenario s = spinning_threads(base, "handoff-order", threads, seconds / threads);
  HandoffStats sum;
  sum.after_back = sum.after_other = 0;
  for (int k = 0; k < replicas; ++k) {
    HolderSequence seq;
    models::simulate(s, s.seed, &seq, std::uint64_t(k));
    const HandoffStats one = seq.stats();
    sum.back += one.back;
    sum.after_back += one.after_back;
    sum.after_other += one.after_other;
  }
  if (replicas > 0) {
    sum.back /= replicas;
    sum.after_back /= replicas;
    sum.after_other /= replicas;
  }
  return sum;
}

namespace {

/// The squared error of `s` against the measured orders (each at its own interval), with the
/// simulated orders appended to `simulated`.
double order_error(models::Scenario s, const std::vector<HandoffOrder>& measured, int replicas,
                   std::vector<HandoffStats>& simulated) {
  double error = 0;
  for (const HandoffOrder& m : measured) {
    s.gil.switch_interval = sim::Time(std::llround(m.interval_s * 1e9));
    const HandoffStats b = simulated_handoff_order(s, m.threads, m.seconds, replicas);
    simulated.push_back(b);
    error += squared(b.back, m.measured.back) + squared(b.after_back, m.measured.after_back) +
             squared(b.after_other, m.measured.after_other);
  }
  return error;
}

}  // namespace

RequesterFit fit_requester_wins(const models::Scenario& base,
                                const std::vector<HandoffOrder>& measured, int replicas) {
  bool conditional = false;
  for (const HandoffOrder& m : measured) {
    conditional = conditional || !std::isnan(m.measured.after_back);
  }
  RequesterFit best;
  best.error = std::numeric_limits<double>::infinity();
  for (int r = 0; r <= (conditional ? 8 : 0); ++r) {
    for (int step = 0; step <= kRequesterWinsSteps; ++step) {
      RequesterFit fit;
      fit.requester_wins = kRequesterWinsStep * step;
      fit.requester_persistence = 0.1 * r;
      models::Scenario s = base;
      s.gil.requester_wins = fit.requester_wins;
      s.gil.requester_persistence = fit.requester_persistence;
      fit.error = order_error(s, measured, replicas, fit.simulated);
      if (fit.error < best.error) best = fit;
    }
  }
  return best;
}

RequesterFit fit_lock_code(const models::Scenario& base, const std::vector<HandoffOrder>& measured,
                           int replicas) {
  RequesterFit best;
  best.error = std::numeric_limits<double>::infinity();
  for (int e = 1; e <= kSleepEntrySteps; ++e) {
    for (int w = 1; w <= kWakeSyscallSteps; ++w) {
      RequesterFit fit;
      fit.lock_code = true;
      fit.sleep_entry_s = kSleepEntryStep * e;
      fit.wake_syscall_s = kWakeSyscallStep * w;
      models::Scenario s = base;
      s.gil.sleep_entry = uniform_around(fit.sleep_entry_s);
      s.gil.wake_syscall = uniform_around(fit.wake_syscall_s);
      fit.gil = s.gil;
      fit.error = order_error(s, measured, replicas, fit.simulated);
      if (fit.error < best.error) best = fit;
    }
  }
  return best;
}

}  // namespace gilsim::app
