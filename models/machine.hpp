// The machine: `cores` x `threads_per_core` logical CPUs and the work running on them.
//
// Model. Work is measured in solo nanoseconds (the time it takes on a core with no busy
// sibling). A logical CPU runs one burst at a time at a rate that depends on how many logical
// CPUs of its core are busy: 1 alone, smt_throughput / k when k siblings are busy (two
// hyperthreads with smt_throughput 1.25 each run at 0.625). When a sibling starts or stops,
// every burst on the core is settled (progress so far credited), re-rated and its completion
// rescheduled, as SimGrid's fluid CPU model does.
// Sources: vendor figures put each of two busy hyperthreads at 0.5-0.65 of solo throughput
// (VMware: "slightly more than half"; Intel: up to ~30% more for the pair).
#pragma once

#include <cstdint>
#include <vector>

#include "models/ids.hpp"
#include "sim/simulator.hpp"

namespace gilsim::models {

struct MachineSpec {
  int cores = 2;
  int threads_per_core = 1;
  double smt_throughput = 1.25;  ///< throughput of a fully busy core relative to one solo thread
  int logical_cpus() const { return cores * threads_per_core; }
};

class Machine {
 public:
  /// Told when a burst completes.
  struct Listener {
    virtual ~Listener() = default;
    virtual void on_burst_done(CpuId cpu) = 0;
  };

  Machine(sim::Simulator& sim, const MachineSpec& spec, Listener& listener);

  int cpus() const { return int(cpus_.size()); }
  int core_of(CpuId cpu) const { return int(cpu) / spec_.threads_per_core; }
  int threads_per_core() const { return spec_.threads_per_core; }
  bool busy(CpuId cpu) const { return cpus_[cpu].busy; }

  /// Marks the CPU busy (a thread is on it) or idle; siblings' bursts are re-rated. `since`
  /// (<= now) back-dates the busy time, for a context switch that ended a wake-up.
  void occupy(CpuId cpu, sim::Time since);
  void occupy(CpuId cpu) { occupy(cpu, sim_.now()); }
  void vacate(CpuId cpu);

  /// Starts a burst of `work` solo-ns on a busy CPU with no burst.
  void start_burst(CpuId cpu, std::int64_t work);
  /// Settles and cancels the burst; returns the work left.
  std::int64_t stop_burst(CpuId cpu);
  /// Work left in the CPU's burst, settled to now.
  std::int64_t burst_left(CpuId cpu);
  /// Shortens the burst so that at most `left` solo-ns remain.
  void trim_burst(CpuId cpu, std::int64_t left);
  bool has_burst(CpuId cpu) const { return cpus_[cpu].in_burst; }

  /// Total busy time of all logical CPUs up to now (for CPU utilisation).
  sim::Time busy_time() const;
  double rate(CpuId cpu) const { return cpus_[cpu].rate; }

 private:
  struct Cpu {
    bool busy = false;
    bool in_burst = false;
    double rate = 1.0;
    std::int64_t left = 0;  // solo-ns left as of `settled`
    sim::Time settled = 0;
    sim::Time busy_since = 0;
    sim::EventId done;
  };
  double rate_for(int core) const;
  void settle(Cpu& c);
  void schedule_done(CpuId cpu);
  void rerate_core(int core);
  void burst_done(CpuId cpu);

  sim::Simulator& sim_;
  MachineSpec spec_;
  Listener& listener_;
  std::vector<Cpu> cpus_;
  std::vector<int> busy_on_core_;  // busy logical CPUs per core (kept when threads_per_core > 1)
  sim::Time busy_total_ = 0;
};

}  // namespace gilsim::models
