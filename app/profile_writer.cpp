#include "app/profile_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "app/commands.hpp"
#include "app/handoff_fit.hpp"
#include "app/interpreter_entry.hpp"
#include "app/json_writer.hpp"
#include "app/least_squares.hpp"
#include "app/measure.hpp"
#include "app/profile_text.hpp"
#include "app/scenario_loader.hpp"
#include "app/sleeper_probe.hpp"
#include "app/timer_delay_fit.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

using profile_text::list;
using profile_text::num;
using profile_text::round3;
using profile_text::today;
using profile_text::us;

constexpr const char* kNoSmtNote =
    "the OS reports no hyperthreads: other load or a CPU quota; without a quota, calibrate "
    "again on a quiet machine";

/// The OS says no CPU shares its core (false when it does or does not say).
bool reports_no_smt(const YAML::Node& m) {
  const YAML::Node s = m["smt_siblings"];
  return s && s.IsScalar() && s.Scalar() == "false";
}

/// Effective parallelism: the throughput of as many busy processes as logical CPUs, against one.
double cpus_worth(const YAML::Node& m) {
  const int cpus = int(num(m["logical_cpus"], 1));
  const double one = num(m["parallelism"]["1"], 1);
  return num(m["parallelism"][std::to_string(cpus)], one) / one;
}

/// Less than 90% of the CPUs' worth: they share, as hyperthread pairs do (SMT, or a quota).
bool shared_cpus(const YAML::Node& m) {
  const int cpus = int(num(m["logical_cpus"], 1));
  return cpus >= 2 && cpus_worth(m) < 0.9 * cpus;
}

}  // namespace

std::string host_warning(const YAML::Node& measured) {
  if (!shared_cpus(measured) || !reports_no_smt(measured)) return "";
  return "the CPUs did " + round3(cpus_worth(measured)) + " CPUs' worth of work together and " +
         kNoSmtNote;
}

std::string profile_yaml(const YAML::Node& m, const std::string& python_path,
                         const YAML::Node& existing) {
  // The context switch, measured (pinned ping-pong), or the model's default: part of every
  // measured wake-up, so it is taken out of the wake-up latency and the timer slack.
  const YAML::Node ctx_node = m["context_switch_s"];
  const bool ctx_measured = ctx_node && ctx_node.IsScalar() && ctx_node.Scalar() != "null";
  const double ctx = ctx_measured ? num(ctx_node, 2e-6) : 2e-6;
  // GIL hand-off gaps between two CPU-bound threads: the signalled waiter's wake-up (plus a
  // context switch), the model's wakeup_latency. The old GIL hands off by a race, not by a
  // signalled wake-up: there, a thread blocked on a lock and released by another says it.
  const bool tick = tick_gil_version(m["python"]["version"].Scalar());
  const YAML::Node gap = tick ? m["wake_latency_s"]["quantiles"] : m["handoffs"]["2"]["gap_s"];
  const std::vector<double> ps = {0.1, 0.5, 0.9};
  std::vector<double> qs;
  for (const char* k : {"p10", "p50", "p90"}) qs.push_back(std::max(1e-6, num(gap[k]) - ctx));
  const LinearFit wake = fit_lognormal(ps, qs);
  const double wake_median = wake.coefficients[0];
  const double wake_sigma = std::max(0.0, wake.coefficients[1]);
  // Sleep overshoot against the duration: overshoot = a + b d; a is timer slack plus a wake-up.
  std::vector<std::vector<double>> d;
  std::vector<double> over;
  for (auto it = m["sleep_overshoot_s"].begin(); it != m["sleep_overshoot_s"].end(); ++it) {
    d.push_back({num(it->first)});
    over.push_back(num(it->second));
  }
  const LinearFit sleep = fit_linear(d, over);
  const double slack = std::max(0.0, sleep.coefficients[0] - wake_median - ctx);
  // How much longer than the interval a holder runs, against the number of threads.
  std::vector<std::vector<double>> nthreads;
  std::vector<double> excess;
  for (auto it = m["handoffs"].begin(); it != m["handoffs"].end(); ++it) {
    if (!it->second["run_s"] || it->second["run_s"].IsNull()) continue;
    nthreads.push_back({num(it->first)});
    excess.push_back(num(it->second["run_s"]["p50"]) - num(it->second["interval_s"]));
  }
  const LinearFit runs = fit_linear(nthreads, excess);
  const int cpus = int(num(m["logical_cpus"], 1));
  const double all = cpus_worth(m);
  int cores = cpus, per_core = 1;
  double smt = 1.25;
  if (shared_cpus(m)) {
    // Less than the CPUs' worth: share them as hyperthread pairs do (SMT, or a CPU quota).
    per_core = 2;
    cores = cpus / 2;
    smt = std::clamp(2 * all / cpus, 1.0, 2.0);
  }
  // Which waiter takes the GIL: fitted by simulating the measured hand-offs on this machine.
  const std::string version = m["python"]["version"].Scalar();
  const std::vector<HandoffOrder> orders = handoff_orders(m);
  models::Scenario host;
  host.machine = {cores, per_core, smt};
  host.os = default_os(cpus);
  host.os.wakeup_latency =
      sim::Dist::lognormal(sim::Time(std::llround(wake_median * 1e9)), wake_sigma);
  host.os.timer_slack = sim::Dist::constant(sim::Time(std::llround(slack * 1e9)));
  const std::optional<RequesterFit> requester = fit_requester(m, orders, host);
  const std::optional<ContentionFit> contention = fit_contention(m, host);
  const std::optional<SleepTail> tail = sleep_tail(m);
  std::optional<TimerDelayFit> late;
  if (tail) late = fit_idle_timer_delay(host, *tail);
  const YAML::Node k = m["kernels"];
  std::string y;
  y += "# gilsim calibration profile, written by `gilsim calibrate`.\n";
  y += "# Host: " + host_description() + "\n";
  y += "# Python: " + python_path + " (" + m["python"]["full_version"].Scalar() + "), " + today() +
       "\n";
  y += "# Scenarios use it with `profile: PATH` or `--profile PATH`: the machine and os\n";
  y += "# sections become their defaults (a scenario's own values still win).\n";
  y += "machine:\n";
  y += "  cores: " + std::to_string(cores) + "\n";
  y += "  threads_per_core: " + std::to_string(per_core) + "\n";
  y += "  smt_throughput: " + round3(smt) + "  # " + round3(all) + " CPUs' worth from " +
       std::to_string(cpus) + " busy processes" +
       (per_core == 2 && reports_no_smt(m) ? "; " + std::string(kNoSmtNote) : "") + "\n";
  y += "os:\n";
  y += "  wakeup_latency: {lognormal: {median: " + us(wake_median) +
       ", sigma: " + round3(wake_sigma) + "}}\n";
  y += "  timer_slack: " + us(slack) + "\n";
  if (ctx_measured) y += "  context_switch: " + us(ctx) + "  # two processes pinned to one CPU\n";
  if (late) y += idle_timer_delay_line(*late, *tail);
  // Interpreter-specific entries: this one, plus those of other interpreters calibrated into
  // the same profile before.
  y += "interpreters:  # applied to scenarios for that version\n";
  if (existing && existing["interpreters"] && existing["interpreters"].IsMap()) {
    for (auto it = existing["interpreters"].begin(); it != existing["interpreters"].end(); ++it) {
      if (it->first.Scalar() == version) continue;
      YAML::Emitter e;
      e << YAML::Flow << it->second;
      y += "  \"" + it->first.Scalar() + "\": " + e.c_str() + "\n";
    }
  }
  y += "  \"" + version + "\": " +
       entry_for(m, requester ? &*requester : nullptr, contention ? &*contention : nullptr) + "\n";
  y += "calibration:\n";
  y += "  python: " + JsonWriter().value(python_path).str();
  y.pop_back();
  y += "\n  version: \"" + m["python"]["version"].Scalar() + "\"\n";
  y += "  full_version: \"" + m["python"]["full_version"].Scalar() + "\"\n";
  y += "  host: " + JsonWriter().value(host_description()).str();
  y.pop_back();
  y += "\n  date: " + today() + "\n";
  y += "  replay:  # the replayer's work kernels (per second)\n";
  y += "    spin_per_s: " + round3(num(k["spin_per_s"])) + "\n";
  y += "    spin_burst_per_s: " + round3(num(k["spin_burst_per_s"])) +
       "  # right after a blocking call\n";
  y += "    burst_slowdown: " + round3(num(k["spin_per_s"]) / num(k["spin_burst_per_s"], 1)) + "\n";
  y += "    c_call_per_s: " + round3(num(k["c_call_per_s"])) + "\n";
  y += "    native_bytes_per_s: " + round3(num(k["native_bytes_per_s"])) + "\n";
  y += "    native_kernel: " + k["native_kernel"].Scalar() + "\n";
  const YAML::Node lock = m["wake_latency_s"]["quantiles"];
  y += "  wake_latency_through_a_lock_us: {p10: " + round3(num(lock["p10"]) * 1e6) +
       ", p50: " + round3(num(lock["p50"]) * 1e6) + ", p90: " + round3(num(lock["p90"]) * 1e6) +
       "}\n";
  if (m["idle_wake_s"] && m["idle_wake_s"].IsMap()) {
    const bool pinned = m["idle_wake_pinned"] && m["idle_wake_pinned"].as<bool>(false);
    y += std::string("  wake_latency_by_idle_us:  # a process woken ") +
         (pinned ? "on another CPU that idled this long\n"
                 : "after its CPU idled this long (not pinned: some wake-ups may have shared "
                   "the waker's CPU)\n");
    // Sorted by idle time (2.x's dicts are unordered); plain numbers, since assigning a
    // YAML::Node (as sorting does) rewrites the node it refers to.
    std::vector<std::array<double, 4>> rows;
    for (auto it = m["idle_wake_s"].begin(); it != m["idle_wake_s"].end(); ++it) {
      const YAML::Node q = it->second;
      rows.push_back({num(it->first), num(q["p10"]), num(q["p50"]), num(q["p90"])});
    }
    std::sort(rows.begin(), rows.end());
    for (const auto& r : rows) {
      y += "    " + round3(r[0] * 1e6) + ": {p10: " + round3(r[1] * 1e6) +
           ", p50: " + round3(r[2] * 1e6) + ", p90: " + round3(r[3] * 1e6) + "}\n";
    }
    // The same as os.idle_wakeup_latency rows (a lognormal fitted to p10, p50, p90, as the
    // wake-up latency is), for a user to try: not in the os section, since with the GIL model
    // as it stands it lengthens the 3-thread convoys against real runs (docs/model-notes.md).
    y += "  idle_wakeup_latency:  # os.idle_wakeup_latency rows from the above; not applied\n";
    for (const auto& r : rows) {
      const LinearFit f = fit_lognormal({0.1, 0.5, 0.9}, {r[1], r[2], r[3]});
      y += "    - {after: " + us(r[0]) +
           ", latency: {lognormal: {median: " + us(f.coefficients[0]) +
           ", sigma: " + round3(std::max(0.0, f.coefficients[1])) + "}}}\n";
    }
  }
  const YAML::Node start = m["thread_start_s"];
  y += "  thread_start_us: {p10: " + round3(num(start["p10"]) * 1e6) +
       ", p50: " + round3(num(start["p50"]) * 1e6) + ", p90: " + round3(num(start["p90"]) * 1e6) +
       "}\n";
  y += "  parallelism:  # throughput of N busy processes against one\n";
  const double one = num(m["parallelism"]["1"], 1);
  for (int n = 1; n <= cpus + 1; ++n) {
    y += "    " + std::to_string(n) + ": " +
         round3(num(m["parallelism"][std::to_string(n)], one) / one) + "\n";
  }
  y += sleeper_probe_yaml(m, host);
  y += "  fits:  # least squares; residuals in the units given\n";
  y += "    wakeup_latency:\n";
  y += std::string("      model: ln(gap - context_switch) = ln(median) + sigma * z(p), ") +
       (tick ? "wake-ups through a lock" : "GIL hand-off gaps of 2 threads") +
       " at p10, p50, p90\n";
  y += "      median_us: " + round3(wake_median * 1e6) + "\n";
  y += "      sigma: " + round3(wake_sigma) + "\n";
  y += "      residuals_ln: " + list(wake.residuals, 1) + "\n";
  y += "    sleep_overshoot:\n";
  y += "      model: overshoot = a + b * duration; timer_slack = a - wakeup median - context "
       "switch\n";
  y += "      a_us: " + round3(sleep.coefficients[0] * 1e6) + "\n";
  y += "      b: " + round3(sleep.coefficients[1]) + "\n";
  y += "      residuals_us: " + list(sleep.residuals, 1e6) + "\n";
  y += "      rms_us: " + round3(sleep.rms * 1e6) + "\n";
  y += "    switch_run_excess:\n";
  y += "      model: holder run p50 - switch interval = a + b * threads (the model predicts about "
       "three wake-ups)\n";
  if (runs.coefficients.size() == 2) {
    y += "      a_us: " + round3(runs.coefficients[0] * 1e6) + "\n";
    y += "      b_us: " + round3(runs.coefficients[1] * 1e6) + "\n";
  }
  y += "      residuals_us: " + list(runs.residuals, 1e6) + "\n";
  y += "      rms_us: " + round3(runs.rms * 1e6) + "\n";
  if (contention) y += contention_fit_yaml(m, *contention);
  if (late) y += idle_timer_delay_fit_yaml(*late, *tail);
  if (requester) {
    std::vector<double> threads, intervals, measured, after_back, after_other, simulated,
        sim_after_back, sim_after_other;
    for (const HandoffOrder& h : orders) {
      threads.push_back(h.threads);
      intervals.push_back(h.interval_s);
      measured.push_back(h.measured.back);
      after_back.push_back(h.measured.after_back);
      after_other.push_back(h.measured.after_other);
    }
    for (const HandoffStats& s : requester->simulated) {
      simulated.push_back(s.back);
      sim_after_back.push_back(s.after_back);
      sim_after_other.push_back(s.after_other);
    }
    y += "    requester_wins:\n";
    y += "      model: hand-offs back to the previous holder (overall, after one that went back, "
         "after one that did not), simulated on this machine for requester_wins in [0, " +
         round3(kRequesterWinsMax) +
         "] and requester_persistence in [0, 0.8]; least squared error\n";
    y += "      value: " + round3(requester->requester_wins) + "\n";
    y += "      persistence: " + round3(requester->requester_persistence) + "\n";
    y += "      threads: " + list(threads, 1) + "\n";
    y += "      interval_ms: " + list(intervals, 1e3) + "\n";
    y += "      measured: " + list(measured, 1) + "\n";
    y += "      measured_after_back: " + list(after_back, 1) + "\n";
    y += "      measured_after_other: " + list(after_other, 1) + "\n";
    y += "      simulated: " + list(simulated, 1) + "\n";
    y += "      simulated_after_back: " + list(sim_after_back, 1) + "\n";
    y += "      simulated_after_other: " + list(sim_after_other, 1) + "\n";
    y += "      squared_error: " + round3(requester->error) + "\n";
    std::vector<double> same, back_same, back_other;
    for (const HandoffOrder& h : orders) {
      same.push_back(h.same_cpu);
      back_same.push_back(h.back_same_cpu);
      back_other.push_back(h.back_other_cpu);
    }
    y += "      # reported, not fitted: hand-offs to a thread on the old holder's CPU, and the "
         "fraction back among those and among the others\n";
    y += "      measured_same_cpu: " + list(same, 1) + "\n";
    y += "      measured_back_same_cpu: " + list(back_same, 1) + "\n";
    y += "      measured_back_other_cpu: " + list(back_other, 1) + "\n";
    models::Scenario fitted = with_interpreter_gil(m, host);
    fitted.gil.requester_wins = requester->requester_wins;
    fitted.gil.requester_persistence = requester->requester_persistence;
    y += straight_back_yaml(m["sleeper_holds"], fitted);
  }
  return y;
}

}  // namespace gilsim::app
