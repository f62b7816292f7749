#include "app/handoff_fit.hpp"

#include <cmath>
#include <limits>

#include "models/world.hpp"

namespace gilsim::app {
namespace {

/// Records the sequence of GIL holders (each change of holder once).
class HolderSequence final : public models::Observer {
 public:
  void on_gil(sim::Time, models::ThreadId thread, bool acquired) override {
    if (acquired && (holders_.empty() || holders_.back() != thread)) holders_.push_back(thread);
  }
  /// Hand-offs whose new holder is the holder before the previous one, as a fraction.
  double back_to_previous() const {
    if (holders_.size() < 3) return 0;
    std::size_t back = 0;
    for (std::size_t i = 2; i < holders_.size(); ++i) back += holders_[i] == holders_[i - 2];
    return double(back) / double(holders_.size() - 2);
  }

 private:
  std::vector<models::ThreadId> holders_;
};

}  // namespace

double simulated_back_to_previous(const models::Scenario& base, int threads, double seconds,
                                  int replicas) {
  models::Scenario s = base;
  s.name = "handoff-order";
  s.stop.reset();
  s.groups.clear();
  models::ThreadGroup g;
  g.name = "spin";
  g.count = threads;
  // Only one thread runs Python at a time: each gets about 1/threads of the span.
  models::Step spin;
  spin.kind = models::StepKind::Cpu;
  spin.duration = sim::Dist::constant(sim::Time(std::llround(seconds / threads * 1e9)));
  g.program.push_back(spin);
  s.groups.push_back(g);
  double sum = 0;
  for (int k = 0; k < replicas; ++k) {
    HolderSequence seq;
    models::simulate(s, s.seed, &seq, std::uint64_t(k));
    sum += seq.back_to_previous();
  }
  return replicas > 0 ? sum / replicas : 0;
}

RequesterFit fit_requester_wins(const models::Scenario& base,
                                const std::vector<HandoffOrder>& measured, int replicas) {
  RequesterFit best;
  double best_error = std::numeric_limits<double>::infinity();
  for (int step = 0; step <= 20; ++step) {
    const double p = 0.025 * step;
    RequesterFit fit;
    fit.requester_wins = p;
    double error = 0;
    for (const HandoffOrder& m : measured) {
      models::Scenario s = base;
      s.gil.switch_interval = sim::Time(std::llround(m.interval_s * 1e9));
      s.gil.requester_wins = p;
      const double b = simulated_back_to_previous(s, m.threads, m.seconds, replicas);
      fit.simulated.push_back(b);
      fit.residuals.push_back(b - m.back_to_previous);
      error += (b - m.back_to_previous) * (b - m.back_to_previous);
    }
    if (error < best_error) {
      best_error = error;
      best = fit;
    }
  }
  return best;
}

}  // namespace gilsim::app
