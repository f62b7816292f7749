#include "app/interpreter_entry.hpp"

#include <cmath>
#include <sstream>

#include "app/profile_text.hpp"
#include "app/profile_writer.hpp"
#include "app/report.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {

using profile_text::list;
using profile_text::num;
using profile_text::round3;
using profile_text::today;
using profile_text::us;

/// Bytecode work between two eval-breaker check points of the replayer's loop: 3.10+ checks once
/// per iteration (the backward jump), <= 3.9 about twice.
double check_gap_s(const std::string& version, double spin_per_s) {
  int minor = 10;
  try {
    minor = std::stoi(version.substr(2));
  } catch (...) {
  }
  return minor <= 9 ? 1 / (2 * spin_per_s) : 1 / spin_per_s;
}

namespace {

/// The tick GIL's measured costs (seconds); a negative empty wake-up cost: not measured.
struct TickCosts {
  double tick = 0, wake = 0, empty_wake = -1;
};

/// Ticks per iteration of the replayer's loop (`while n: n -= 1`) under the tick GIL: of its
/// six opcodes, POP_JUMP_IF_FALSE (on an int), INPLACE_SUBTRACT and JUMP_ABSOLUTE end with
/// `continue` and count a tick; LOAD_FAST, LOAD_CONST and STORE_FAST skip the ticker (`goto
/// fast_next_opcode`). Measured on 2.7.18: the thread state's tick_counter advances once per 101
/// ticks at check interval 100, 2.97e5 times over 1e7 iterations.
constexpr double kTicksPerSpin = 3;

TickCosts tick_costs(const YAML::Node& m) {
  TickCosts c;
  // Kept to the picosecond, as the profile entry writes it, so that the fit uses that value.
  c.tick = std::round(1e12 / (kTicksPerSpin * num(m["kernels"]["spin_per_s"], 1e7))) / 1e12;
  c.wake = num(m["release_s"]["wake_cost"], 5e-6);
  const YAML::Node empty = m["release_s"]["empty_wake_cost"];
  if (empty && empty.IsScalar() && empty.Scalar() != "null") c.empty_wake = num(empty, 1e-6);
  return c;
}

/// uniform_around(mean_s) as the profile writes it.
std::string around_text(double mean_s) {
  return "{uniform: {min: " + us(mean_s / 2) + ", max: " + us(1.5 * mean_s) + "}}";
}

}  // namespace

/// This interpreter's entry for the profile's `interpreters:` map (flow YAML), from the loop
/// rate of the replayer (the tick GIL counts three ticks per iteration of its loop) and the
/// fitted hand-off order or contention cost.
std::string entry_for(const YAML::Node& m, const RequesterFit* requester,
                      const ContentionFit* contention) {
  const std::string version = m["python"]["version"].Scalar();
  const double spin = num(m["kernels"]["spin_per_s"], 1e7);
  if (!version.empty() && version.back() == 't') return "{}";
  if (tick_gil_version(version)) {
    const TickCosts c = tick_costs(m);
    std::string entry = "{tick_cost: " + sim::format_fine_duration(c.tick * 1e9) +
                        ", release_syscall: " + around_text(c.wake);
    if (c.empty_wake >= 0) entry += ", empty_wake_syscall: " + around_text(c.empty_wake);
    if (contention != nullptr && contention->cost_s > 0) {
      entry += ", contended_release: " + around_text(contention->cost_s);
    }
    return entry + "}";
  }
  const double per_check = check_gap_s(version, spin);
  std::string entry = "{check_gap: " + us(per_check);
  if (requester != nullptr && requester->lock_code) {
    // The lock code kept from the profile's entry, with the two fitted timings.
    const models::GilSpec& g = requester->gil;
    entry += ", condvar: glibc";
    if (g.request_delay.mean() > 0) entry += ", request_delay: " + dist_text(g.request_delay);
    entry += ", mutex_hold: " + dist_text(g.mutex_hold) +
             ", drop_entry: " + dist_text(g.drop_entry) +
             ", sleep_entry: " + dist_text(g.sleep_entry) +
             ", wake_syscall: " + dist_text(g.wake_syscall);
  } else if (requester != nullptr) {
    entry += ", requester_wins: " + round3(requester->requester_wins);
    if (requester->requester_persistence > 0) {
      entry += ", requester_persistence: " + round3(requester->requester_persistence);
    }
  }
  return entry + "}";
}

std::optional<ContentionFit> fit_contention(const YAML::Node& m, models::Scenario host) {
  const std::string version = m["python"]["version"].Scalar();
  const auto gil = models::gil_defaults(version);
  const std::vector<TickSlowdown> measured = tick_slowdowns(m);
  if (!gil || gil->kind != models::GilKind::Tick || measured.empty()) return {};
  const TickCosts c = tick_costs(m);
  host.gil = *gil;
  host.gil.tick_cost = c.tick * 1e9;
  host.gil.release_syscall = uniform_around(c.wake);
  if (c.empty_wake >= 0) host.gil.empty_wake_syscall = uniform_around(c.empty_wake);
  return fit_contended_release(host, measured);
}

/// The measured hand-off orders (3 or more threads).
std::vector<HandoffOrder> handoff_orders(const YAML::Node& m) {
  std::vector<HandoffOrder> out;
  const YAML::Node list = m["handoff_order"];
  if (!list || !list.IsSequence()) return out;
  for (const YAML::Node& o : list) {
    const YAML::Node b = o["back_to_previous"];
    if (!profile_text::measured(b)) continue;
    HandoffOrder h;
    h.threads = int(num(o["threads"]));
    h.interval_s = num(o["interval_s"], 0.005);
    h.seconds = num(o["seconds"], 2);
    h.measured.back = num(b);
    const auto optional = [&](const char* key, double& out) {
      const YAML::Node v = o[key];
      if (v && v.IsScalar() && v.Scalar() != "null") out = num(v);
    };
    optional("back_after_back", h.measured.after_back);
    optional("back_after_other", h.measured.after_other);
    optional("same_cpu", h.same_cpu);
    optional("back_same_cpu", h.back_same_cpu);
    optional("back_other_cpu", h.back_other_cpu);
    if (h.threads >= 3) out.push_back(h);
  }
  return out;
}

models::Scenario with_interpreter_gil(const YAML::Node& m, models::Scenario host) {
  const std::string version = m["python"]["version"].Scalar();
  const models::GilSpec kept = host.gil;
  if (const auto gil = models::gil_defaults(version)) host.gil = *gil;
  if (kept.condvar == models::CondvarModel::Glibc &&
      host.gil.kind == models::GilKind::SwitchInterval) {
    // The profile's entry times the race with glibc's lock code: kept, for the fit to refine.
    host.gil.condvar = kept.condvar;
    host.gil.request_delay = kept.request_delay;
    host.gil.mutex_hold = kept.mutex_hold;
    host.gil.sleep_entry = kept.sleep_entry;
    host.gil.drop_entry = kept.drop_entry;
    host.gil.wake_syscall = kept.wake_syscall;
  }
  host.gil.check_gap =
      sim::Time(std::llround(check_gap_s(version, num(m["kernels"]["spin_per_s"], 1e7)) * 1e9));
  return host;
}

std::optional<RequesterFit> fit_requester(const YAML::Node& m,
                                          const std::vector<HandoffOrder>& orders,
                                          models::Scenario host) {
  const auto gil = models::gil_defaults(m["python"]["version"].Scalar());
  if (!gil || gil->kind != models::GilKind::SwitchInterval || orders.empty()) return {};
  const models::Scenario base = with_interpreter_gil(m, host);
  if (base.gil.condvar == models::CondvarModel::Glibc) return fit_lock_code(base, orders);
  return fit_requester_wins(base, orders);
}

namespace {

std::string fit_comment(const RequesterFit& f, const std::vector<HandoffOrder>& orders) {
  const std::string what = f.lock_code ? "; sleep_entry and wake_syscall fitted to them, the "
                                         "rest of the lock code kept"
                           : f.requester_persistence > 0
                               ? "; persistence from the shares after a hand-off back and "
                                 "after another"
                               : "";
  std::vector<double> measured, simulated;
  for (const HandoffOrder& h : orders) measured.push_back(h.measured.back);
  for (const HandoffStats& s : f.simulated) simulated.push_back(s.back);
  return "hand-offs back to the previous holder, measured " + list(measured, 1) + ", simulated " +
         list(simulated, 1) + what;
}

}  // namespace

bool tick_gil_version(const std::string& version) {
  return version.rfind("2.", 0) == 0 || version == "3.0" || version == "3.1";
}

std::string interpreter_entry(const YAML::Node& measured, const models::Scenario& host) {
  const std::vector<HandoffOrder> orders = handoff_orders(measured);
  const std::optional<RequesterFit> f = fit_requester(measured, orders, host);
  const std::optional<ContentionFit> c = fit_contention(measured, host);
  // Newer than the profile's `calibration` section, which records the host's calibration.
  const std::string when = "  # calibrated " + today();
  if (c) {
    std::vector<double> m;
    std::string points;
    for (const TickSlowdown& t : tick_slowdowns(measured)) {
      m.push_back(t.slowdown);
      points += (points.empty() ? "" : ", ") + std::to_string(t.threads) + "/" +
                std::to_string(t.check_interval);
    }
    return entry_for(measured, nullptr, &*c) + when + ": slowdown against one thread (threads/" +
           "check interval " + points + "), measured " + list(m, 1) + ", simulated " +
           list(c->simulated, 1);
  }
  if (!f) return entry_for(measured, nullptr, nullptr) + when;
  return entry_for(measured, &*f, nullptr) + when + ": " + fit_comment(*f, orders);
}

std::string with_interpreter_entry(const std::string& profile, const std::string& version,
                                   const std::string& entry) {
  std::istringstream in(profile);
  std::string line, text;
  bool in_block = false, added = false;
  const std::string mine = "  \"" + version + "\": ";
  while (std::getline(in, line)) {
    if (in_block && line.rfind("  \"", 0) != 0) {  // the end of the block
      text += mine + entry + "\n";
      in_block = false;
      added = true;
    }
    if (line.rfind("interpreters:", 0) == 0) in_block = true;
    if (in_block && line.rfind(mine, 0) == 0) continue;  // replaced
    text += line + "\n";
  }
  if (in_block) {
    text += mine + entry + "\n";
    added = true;
  }
  if (!added)
    text += "interpreters:  # applied to scenarios for that version\n" + mine + entry + "\n";
  return text;
}

}  // namespace gilsim::app
