#include "models/machine.hpp"

#include <cmath>
#include <stdexcept>

namespace gilsim::models {

Machine::Machine(sim::Simulator& sim, const MachineSpec& spec, Listener& listener)
    : sim_(sim), spec_(spec), listener_(listener) {
  cpus_.resize(std::size_t(spec.logical_cpus()));
  busy_on_core_.assign(std::size_t(spec.cores), 0);
}

double Machine::rate_for(int core) const {
  const int k = busy_on_core_[std::size_t(core)];
  return k <= 1 ? 1.0 : spec_.smt_throughput / k;
}

void Machine::settle(Cpu& c) {
  const sim::Time now = sim_.now();
  if (c.in_burst && now > c.settled) {
    const double elapsed = double(now - c.settled);
    const auto done =
        c.rate == 1.0 ? std::int64_t(now - c.settled) : std::int64_t(std::floor(elapsed * c.rate));
    c.left = done >= c.left ? 0 : c.left - done;
  }
  c.settled = now;
}

void Machine::schedule_done(CpuId cpu) {
  Cpu& c = cpus_[cpu];
  sim_.cancel(c.done);
  const sim::Time wall = c.rate == 1.0 ? c.left : sim::Time(std::ceil(double(c.left) / c.rate));
  c.done = sim_.after(wall, [this, cpu] { burst_done(cpu); });
}

void Machine::rerate_core(int core) {
  const double r = rate_for(core);
  const auto first = CpuId(core * spec_.threads_per_core);
  for (CpuId cpu = first; cpu < first + CpuId(spec_.threads_per_core); ++cpu) {
    Cpu& c = cpus_[cpu];
    if (!c.busy || c.rate == r) {
      c.rate = r;
      continue;
    }
    settle(c);
    c.rate = r;
    if (c.in_burst) schedule_done(cpu);
  }
}

void Machine::occupy(CpuId cpu, sim::Time since) {
  Cpu& c = cpus_[cpu];
  if (c.busy) return;
  c.busy = true;
  c.busy_since = since;
  if (spec_.threads_per_core == 1) return;  // no siblings: nothing to count or re-rate
  const int core = core_of(cpu);
  ++busy_on_core_[std::size_t(core)];
  rerate_core(core);
}

void Machine::vacate(CpuId cpu) {
  Cpu& c = cpus_[cpu];
  if (!c.busy) return;
  if (c.in_burst) throw std::logic_error("vacating a CPU with a burst in progress");
  c.busy = false;
  busy_total_ += sim_.now() - c.busy_since;
  if (spec_.threads_per_core == 1) return;
  const int core = core_of(cpu);
  --busy_on_core_[std::size_t(core)];
  rerate_core(core);
}

void Machine::start_burst(CpuId cpu, std::int64_t work) {
  Cpu& c = cpus_[cpu];
  if (!c.busy || c.in_burst) throw std::logic_error("burst started on an idle or busy CPU");
  c.in_burst = true;
  c.left = work;
  c.settled = sim_.now();
  c.rate = spec_.threads_per_core == 1 ? 1.0 : rate_for(core_of(cpu));
  schedule_done(cpu);
}

std::int64_t Machine::stop_burst(CpuId cpu) {
  Cpu& c = cpus_[cpu];
  settle(c);
  sim_.cancel(c.done);
  c.in_burst = false;
  return c.left;
}

std::int64_t Machine::burst_left(CpuId cpu) {
  Cpu& c = cpus_[cpu];
  settle(c);
  return c.left;
}

void Machine::trim_burst(CpuId cpu, std::int64_t left) {
  Cpu& c = cpus_[cpu];
  settle(c);
  if (left < c.left) {
    c.left = left < 0 ? 0 : left;
    schedule_done(cpu);
  }
}

void Machine::burst_done(CpuId cpu) {
  Cpu& c = cpus_[cpu];
  c.done = {};
  c.in_burst = false;
  c.left = 0;
  c.settled = sim_.now();
  listener_.on_burst_done(cpu);
}

sim::Time Machine::busy_time() const {
  sim::Time total = busy_total_;
  for (const Cpu& c : cpus_) {
    if (c.busy) total += sim_.now() - c.busy_since;
  }
  return total;
}

}  // namespace gilsim::models
