#include <cmath>

#include "app/json_writer.hpp"
#include "app/report.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

std::string dur(double ns) {
  return sim::format_duration(sim::Time(std::llround(ns)));
}

std::string quoted(const std::string& s) {
  JsonWriter j;  // a JSON string is a valid YAML double-quoted scalar
  j.value(s);
  std::string out = j.str();
  out.pop_back();
  return out;
}

void steps_text(const models::Program& program, const std::string& indent, std::string& out) {
  for (const models::Step& st : program) {
    if (st.kind == models::StepKind::Repeat) {
      out += indent + "- repeat: " +
             (st.times == models::kForever ? std::string("forever") : std::to_string(st.times)) +
             "\n" + indent + "  steps:\n";
      steps_text(st.body, indent + "    ", out);
      continue;
    }
    out += indent + "- " + std::string(models::step_name(st.kind)) + ": " + dist_text(st.duration) +
           "\n";
  }
}

const char* choice_name(models::WaiterChoice c) {
  switch (c) {
    case models::WaiterChoice::Random:
      return "random";
    case models::WaiterChoice::Fifo:
      return "fifo";
    case models::WaiterChoice::Lifo:
      return "lifo";
  }
  return "?";
}

}  // namespace

std::string dist_text(const sim::Dist& d) {
  using K = sim::Dist::Kind;
  switch (d.kind) {
    case K::Constant:
      return dur(d.a);
    case K::Uniform:
      return "{uniform: {min: " + dur(d.a) + ", max: " + dur(d.b) + "}}";
    case K::Exponential:
      return "{exponential: {mean: " + dur(d.a) + "}}";
    case K::Normal:
      return "{normal: {mean: " + dur(d.a) + ", stddev: " + dur(d.b) + "}}";
    case K::Lognormal:
      return "{lognormal: {median: " + dur(d.a) + ", sigma: " + format_double(d.b) + "}}";
  }
  return "?";
}

std::string resolved_yaml(const models::Scenario& s) {
  const auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string out = "# resolved scenario: every default filled in\n";
  out += "name: " + quoted(s.name) + "\n";
  if (!s.description.empty()) out += "description: " + quoted(s.description) + "\n";
  out += "seed: " + std::to_string(s.seed) + "\n";
  if (s.stop) out += "stop: " + dur(double(*s.stop)) + "\n";
  if (s.stop_after) out += "stop_after: " + quoted(*s.stop_after) + "\n";
  out += "machine:\n";
  out += "  cores: " + std::to_string(s.machine.cores) + "\n";
  out += "  threads_per_core: " + std::to_string(s.machine.threads_per_core) + "\n";
  out += "  smt_throughput: " + format_double(s.machine.smt_throughput) + "\n";
  out += "os:\n";
  out += "  timeslice: " + dur(double(s.os.timeslice)) + "\n";
  out += "  wakeup_latency: " + dist_text(s.os.wakeup_latency) + "\n";
  out += "  context_switch: " + dur(double(s.os.context_switch)) + "\n";
  out += "  wakeup_preemption: " + b(s.os.wakeup_preemption) + "\n";
  out += "  wakeup_granularity: " + dur(double(s.os.wakeup_granularity)) + "\n";
  out += "  sleeper_credit: " + dur(double(s.os.sleeper_credit)) + "\n";
  out += "  placement: " + std::string(s.os.lag_placement ? "lag" : "credit") + "\n";
  out += "  sleeper_credit_for: " + std::string(s.os.credit_light_only ? "light" : "all") + "\n";
  out += "  timer_slack: " + dist_text(s.os.timer_slack) + "\n";
  out += "  wake_affine: " + format_double(s.os.wake_affine) + "\n";
  out += "  light_share: " + format_double(s.os.light_share) + "\n";
  out += "  light_follows_waker: " + format_double(s.os.light_follows_waker) + "\n";
  out += "  balance_delay: " + dur(double(s.os.balance_delay)) + "\n";
  out += "  run_queues: " + std::string(s.os.per_cpu_queues ? "per_cpu" : "global") + "\n";
  out += "  migration_cost: " + dur(double(s.os.migration_cost)) + "\n";
  out += "  delayed_dequeue: " + b(s.os.delayed_dequeue) + "\n";
  out += "  tick: " + dur(double(s.os.tick)) + "\n";
  out += "  slice: " + dur(double(s.os.slice)) + "\n";
  out += "  timer_coalescing: " + b(s.os.timer_coalescing) + "\n";
  out += "  idle_wakeup_latency:";
  if (s.os.idle_wakeup_latency.empty()) out += " []";
  out += "\n";
  for (const models::IdleWakeup& row : s.os.idle_wakeup_latency) {
    out +=
        "    - {after: " + dur(double(row.after)) + ", latency: " + dist_text(row.latency) + "}\n";
  }
  out += "  idle_timer_delay: {chance: " + format_double(s.os.idle_timer_delay.chance);
  if (s.os.idle_timer_delay.chance > 0) {
    out += ", delay: " + dist_text(s.os.idle_timer_delay.delay);
  }
  out += "}\n";
  out += "interpreter:  # " + std::string(models::gil_kind_name(s.gil.kind)) + "\n";
  out += "  version: " + quoted(s.gil.version) + "\n";
  out += "  waiter_choice: " + std::string(choice_name(s.gil.waiter_choice)) + "\n";
  switch (s.gil.kind) {
    case models::GilKind::SwitchInterval:
      out += "  switch_interval: " + dur(double(s.gil.switch_interval)) + "\n";
      out += "  check_gap: " + dur(double(s.gil.check_gap)) + "\n";
      out += "  force_switching: " + b(s.gil.force_switching) + "\n";
      out += "  requester_wins: " + format_double(s.gil.requester_wins) + "\n";
      out += "  requester_persistence: " + format_double(s.gil.requester_persistence) + "\n";
      out += "  condvar: " +
             std::string(s.gil.condvar == models::CondvarModel::Glibc ? "glibc" : "drawn") + "\n";
      out += "  request_delay: " + dist_text(s.gil.request_delay) + "\n";
      out += "  mutex_hold: " + dist_text(s.gil.mutex_hold) + "\n";
      out += "  sleep_entry: " + dist_text(s.gil.sleep_entry) + "\n";
      out += "  drop_entry: " + dist_text(s.gil.drop_entry) + "\n";
      out += "  wake_syscall: " + dist_text(s.gil.wake_syscall) + "\n";
      break;
    case models::GilKind::Tick:
      out += "  check_interval: " + std::to_string(s.gil.check_interval) + "\n";
      out += "  tick_cost: " + sim::format_fine_duration(s.gil.tick_cost) + "\n";
      out += "  release_syscall: " + dist_text(s.gil.release_syscall) + "\n";
      out += "  failed_acquire: " + dist_text(s.gil.failed_acquire) + "\n";
      out += "  empty_wake_syscall: " + dist_text(s.gil.empty_wake_syscall) + "\n";
      out += "  contended_release: " + dist_text(s.gil.contended_release) + "\n";
      break;
    case models::GilKind::None:
      out += "  bytecode_overhead: " + format_double(s.gil.bytecode_overhead) + "\n";
      break;
  }
  out += "threads:\n";
  for (const models::ThreadGroup& g : s.groups) {
    out += "  - name: " + quoted(g.name) + "\n";
    out += "    count: " + std::to_string(g.count) + "\n";
    out += "    start: " + dist_text(g.start) + "\n";
    out += "    program:\n";
    steps_text(g.program, "      ", out);
  }
  return out;
}

}  // namespace gilsim::app
