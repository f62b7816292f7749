#include "models/world.hpp"

#include <algorithm>
#include <stdexcept>

namespace gilsim::models {

World::World(sim::Simulator& sim, const Scenario& scenario) : sim_(sim), scenario_(scenario) {
  const int n = scenario.thread_count();
  rngs_.reserve(std::size_t(n));
  result_.groups.resize(scenario.groups.size());
  for (std::size_t g = 0; g < scenario.groups.size(); ++g) {
    const ThreadGroup& group = scenario.groups[g];
    code_.push_back(compile(group.program));
    result_.groups[g].name = group.name;
    result_.groups[g].count = group.count;
    first_of_.push_back(ThreadId(group_of_.size()));
    for (int i = 0; i < group.count; ++i) {
      group_of_.push_back(int(g));
      rngs_.push_back(sim.stream("thread/" + group.name + "/" + std::to_string(i)));
    }
  }
  std::vector<sim::Rng*> rng_ptrs;
  for (sim::Rng& r : rngs_) rng_ptrs.push_back(&r);
  OsScheduler::Client& client = *this;
  os_ = std::make_unique<OsScheduler>(sim, scenario.machine, scenario.os, client, rng_ptrs);
  gil_ = make_gil(scenario.gil, *this, n);
  if (scenario.stop_after) {
    stop_group_ = scenario.group_index(*scenario.stop_after);
    if (stop_group_ < 0)
      throw std::invalid_argument("stop_after: no group " + *scenario.stop_after);
    Observer& fan_out = *this;  // its threads' exits end the run
    os_->set_observer(&fan_out);
  }
  const sim::LaneId io_lane = sim.add_lane();
  for (ThreadId t = 0; t < ThreadId(n); ++t) {
    GroupResult& gr = result_.groups[std::size_t(group_of_[t])];
    PyThread::Sinks sinks{&gr.gil_wait, &gr.io_resume};
    const auto g = std::size_t(group_of_[t]);
    ProgramCursor program(code_[g], sim.workload_stream(program_stream(scenario.groups[g].name,
                                                                       int(t - first_of_[g]))));
    starts_.push_back(scenario.groups[g].start.sample(program.rng()));
    threads_.push_back(
        std::make_unique<PyThread>(t, std::move(program), sim, *os_, *gil_, sinks, io_lane));
  }
}

void World::observe(Observer& observer) {
  observers_.push_back(&observer);
  Observer& fan_out = *this;
  os_->set_observer(&fan_out);
}

void World::start() {
  if (started_) return;
  started_ = true;
  for (ThreadId t = 0; t < ThreadId(threads_.size()); ++t) {
    threads_[t]->start(starts_[t]);
  }
}

RunResult World::run() {
  start();
  sim_.run_until(scenario_.stop.value_or(sim::kNever));
  return collect();
}

RunResult World::collect() {
  RunResult r = result_;
  for (GroupResult& gr : r.groups) {
    gr.split = {};
    gr.serial = 0;
    gr.finished = 0;
    gr.finish = 0;
  }
  r.seed = sim_.seed();
  bool all_finished = true;
  sim::Time last_finish = 0;
  for (ThreadId t = 0; t < ThreadId(threads_.size()); ++t) {
    PyThread& th = *threads_[t];
    GroupResult& gr = r.groups[std::size_t(group_of_[t])];
    const TimeSplit& split = os_->split(t);
    for (int c = 0; c < kTimeCats; ++c) gr.split[std::size_t(c)] += split[std::size_t(c)];
    gr.serial += th.serial_progress();
    if (th.finished()) {
      ++gr.finished;
      gr.finish = std::max(gr.finish, th.finish_time());
      last_finish = std::max(last_finish, th.finish_time());
    } else {
      all_finished = false;
      gr.finish = sim_.now();
    }
  }
  r.stopped = !all_finished;
  r.makespan = all_finished ? last_finish : sim_.now();
  r.gil_wait = sim::Histogram();
  for (const GroupResult& gr : r.groups) {
    r.serial += gr.serial;
    r.gil_wait.merge(gr.gil_wait);
  }
  r.logical_cpus = scenario_.machine.logical_cpus();
  r.cpu_busy = os_->machine().busy_time();
  r.gil = gil_->stats();
  r.events = sim_.events_fired();
  r.context_switches = os_->context_switches();
  r.preemptions = os_->preemptions();
  r.peak_queue = sim_.queue_slots();
  return r;
}

RunResult simulate(const Scenario& scenario, std::uint64_t seed, Observer* observer,
                   std::uint64_t replica) {
  sim::Simulator sim(seed, replica);
  World world(sim, scenario);
  if (observer != nullptr) world.observe(*observer);
  return world.run();
}

}  // namespace gilsim::models
