// The machine, os and interpreter sections of a scenario file (docs/scenarios.md).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "app/scenario_sections.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

const std::vector<std::string> kMachineKeys = {"cores", "threads_per_core", "smt_throughput"};
// clang-format off
const std::vector<std::string> kOsKeys = {
    "timeslice",          "wakeup_latency",   "context_switch",      "wakeup_preemption",
    "wakeup_granularity", "sleeper_credit",   "timer_slack",         "wake_affine",
    "balance_delay",      "timer_coalescing", "idle_wakeup_latency", "idle_timer_delay",
    "run_queues",         "migration_cost",   "delayed_dequeue",     "tick",
    "slice",              "light_share",      "light_follows_waker", "sleeper_credit_for",
    "placement"};
// clang-format on
const std::vector<std::string> kCommonGilKeys = {"version", "waiter_choice"};
const std::vector<std::string> kSwitchKeys = {
    "switch_interval",       "check_gap",  "force_switching", "requester_wins",
    "requester_persistence", "condvar",    "request_delay",   "mutex_hold",
    "sleep_entry",           "drop_entry", "wake_syscall"};
const std::vector<std::string> kTickKeys = {"check_interval",     "tick_cost",
                                            "release_syscall",    "failed_acquire",
                                            "empty_wake_syscall", "contended_release"};
const std::vector<std::string> kNoGilKeys = {"bytecode_overhead"};

// os.idle_wakeup_latency: a list of {after: D, latency: DIST}, `after` increasing.
void read_idle_wakeup(FieldReader& r, const YAML::Node& node, models::OsSpec& os) {
  const std::string path = "os.idle_wakeup_latency";
  if (!node.IsSequence()) {
    r.error(node, path, "expected a list of {after: DURATION, latency: DISTRIBUTION}");
    return;
  }
  os.idle_wakeup_latency.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node row = node[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!r.check_map(row, at, {"after", "latency"})) continue;
    if (!row["after"] || !row["latency"]) {
      r.error(row, at, std::string("missing key '") + (row["after"] ? "latency" : "after") + "'");
      continue;
    }
    const auto after = r.duration(row["after"], at + ".after", Sign::NonNegative);
    const auto latency = r.dist(row["latency"], at + ".latency", Sign::NonNegative);
    if (!after || !latency) continue;
    if (!os.idle_wakeup_latency.empty() && *after <= os.idle_wakeup_latency.back().after) {
      r.error(row["after"], at + ".after", "must be larger than the row before's");
      continue;
    }
    os.idle_wakeup_latency.push_back({*after, *latency});
  }
}

// os.idle_timer_delay: {chance: P, delay: DIST}; a chance of 0 needs no delay.
void read_idle_timer_delay(FieldReader& r, const YAML::Node& node, models::OsSpec& os) {
  const std::string path = "os.idle_timer_delay";
  if (!r.check_map(node, path, {"chance", "delay"})) return;
  if (!node["chance"]) {
    r.error(node, path, "missing key 'chance' (the share of timer interrupts that come late)");
    return;
  }
  const auto chance = r.number(node["chance"], path + ".chance", 0, 1);
  if (!chance) return;
  if (!node["delay"]) {
    if (*chance > 0) r.error(node, path, "missing key 'delay' (how late, a distribution)");
    os.idle_timer_delay = {*chance, {}};
    return;
  }
  if (auto delay = r.dist(node["delay"], path + ".delay", Sign::NonNegative)) {
    os.idle_timer_delay = {*chance, *delay};
  }
}

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

}  // namespace

void read_machine(FieldReader& r, const YAML::Node& node, models::MachineSpec& m) {
  if (!node) return;
  if (!r.check_map(node, "machine", kMachineKeys)) return;
  if (node["cores"]) {
    if (auto v = r.integer(node["cores"], "machine.cores", 1, kMaxCores)) m.cores = int(*v);
  }
  if (node["threads_per_core"]) {
    if (auto v = r.integer(node["threads_per_core"], "machine.threads_per_core", 1, 8)) {
      m.threads_per_core = int(*v);
    }
  }
  if (node["smt_throughput"]) {
    // A core's siblings together cannot do more than that many solo threads; with one
    // thread per core the value is unused and only its range is checked.
    const double most = std::max(1.25, double(m.threads_per_core));
    if (auto v = r.number(node["smt_throughput"], "machine.smt_throughput", 0.1, most)) {
      m.smt_throughput = *v;
    }
  }
}

void read_os(FieldReader& r, const YAML::Node& node, models::OsSpec& os) {
  if (!r.check_map(node, "os", kOsKeys)) return;
  auto dur = [&](const char* key, Sign sign, sim::Time& out) {
    if (!node[key]) return;
    if (auto v = r.duration(node[key], std::string("os.") + key, sign)) out = *v;
  };
  dur("timeslice", Sign::Positive, os.timeslice);
  dur("context_switch", Sign::NonNegative, os.context_switch);
  dur("wakeup_granularity", Sign::NonNegative, os.wakeup_granularity);
  dur("sleeper_credit", Sign::NonNegative, os.sleeper_credit);
  dur("balance_delay", Sign::NonNegative, os.balance_delay);
  dur("migration_cost", Sign::NonNegative, os.migration_cost);
  dur("tick", Sign::NonNegative, os.tick);
  dur("slice", Sign::Positive, os.slice);
  // A number between 0 and 1.
  auto share = [&](const char* key, double& out) {
    if (!node[key]) return;
    if (auto v = r.number(node[key], std::string("os.") + key, 0, 1)) out = *v;
  };
  // One of two words: `is_second` says which.
  auto choice = [&](const char* key, const std::string& first, const std::string& second,
                    bool& is_second) {
    if (!node[key]) return;
    const std::string path = std::string("os.") + key;
    auto v = r.string(node[key], path);
    if (!v) return;
    if (*v == first || *v == second) {
      is_second = *v == second;
    } else {
      r.error(node[key], path, "expected " + first + " or " + second + ", found \"" + *v + "\"");
    }
  };
  choice("run_queues", "global", "per_cpu", os.per_cpu_queues);
  choice("sleeper_credit_for", "all", "light", os.credit_light_only);
  choice("placement", "credit", "lag", os.lag_placement);
  share("wake_affine", os.wake_affine);
  share("light_share", os.light_share);
  share("light_follows_waker", os.light_follows_waker);
  if (node["delayed_dequeue"]) {
    if (auto v = r.boolean(node["delayed_dequeue"], "os.delayed_dequeue")) os.delayed_dequeue = *v;
  }
  if (node["wakeup_latency"]) {
    if (auto v = r.dist(node["wakeup_latency"], "os.wakeup_latency", Sign::NonNegative)) {
      os.wakeup_latency = *v;
    }
  }
  if (node["timer_slack"]) {
    if (auto v = r.dist(node["timer_slack"], "os.timer_slack", Sign::NonNegative)) {
      os.timer_slack = *v;
    }
  }
  if (node["idle_wakeup_latency"]) read_idle_wakeup(r, node["idle_wakeup_latency"], os);
  if (node["idle_timer_delay"]) read_idle_timer_delay(r, node["idle_timer_delay"], os);
  if (node["timer_coalescing"]) {
    if (auto v = r.boolean(node["timer_coalescing"], "os.timer_coalescing")) {
      os.timer_coalescing = *v;
    }
  }
  if (node["wakeup_preemption"]) {
    if (auto v = r.boolean(node["wakeup_preemption"], "os.wakeup_preemption")) {
      os.wakeup_preemption = *v;
    }
  }
}

void read_interpreter(FieldReader& r, const YAML::Node& node, models::GilSpec& gil) {
  const auto all = concat({kCommonGilKeys, kSwitchKeys, kTickKeys, kNoGilKeys});
  if (!r.check_map(node, "interpreter", all)) return;
  if (!node["version"]) {
    r.error(node, "interpreter.version", "missing key 'version' (for example \"3.11\")");
    return;
  }
  const auto version = r.string(node["version"], "interpreter.version");
  if (!version) return;
  const auto defaults = models::gil_defaults(*version);
  if (!defaults) {
    std::string known;
    for (const std::string& v : models::known_versions()) known += (known.empty() ? "" : ", ") + v;
    const std::string hint = did_you_mean(*version, models::known_versions());
    r.error(node["version"], "interpreter.version",
            "unknown version \"" + *version + "\"" +
                (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") + " (known: " + known +
                "; write it quoted, as \"3.10\", so YAML does not read 3.1)");
    return;
  }
  gil = *defaults;
  const std::vector<std::string>& own = gil.kind == models::GilKind::Tick   ? kTickKeys
                                        : gil.kind == models::GilKind::None ? kNoGilKeys
                                                                            : kSwitchKeys;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    bool common = false, mine = false, any = false;
    for (const auto& k : kCommonGilKeys) common = common || k == key;
    for (const auto& k : own) mine = mine || k == key;
    for (const auto& k : all) any = any || k == key;
    if (any && !common && !mine) {
      std::string keys;
      for (const auto& k : own) keys += (keys.empty() ? "" : ", ") + k;
      r.error(it->first, "interpreter." + key,
              "does not apply to " + *version + ", which has the " +
                  std::string(models::gil_kind_name(gil.kind)) + "; its keys are: " + keys);
    }
  }
  const std::string p = "interpreter.";
  auto dur = [&](const char* key, Sign sign, sim::Time& out) {
    if (!node[key]) return;
    if (auto v = r.duration(node[key], p + key, sign)) out = *v;
  };
  // A key whose value is one of a few words, each naming a value of `out`.
  auto word = [&]<class E>(const char* key, E& out,
                           const std::vector<std::pair<std::string, E>>& words) {
    if (!node[key]) return;
    const auto v = r.string(node[key], p + key);
    if (!v) return;
    std::string expected;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i].first == *v) {
        out = words[i].second;
        return;
      }
      expected += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + words[i].first;
    }
    r.error(node[key], p + key, "expected " + expected + ", found \"" + *v + "\"");
  };
  word("waiter_choice", gil.waiter_choice,
       {{"fifo", models::WaiterChoice::Fifo},
        {"random", models::WaiterChoice::Random},
        {"lifo", models::WaiterChoice::Lifo}});
  auto lock_dist = [&](const char* key, sim::Dist& out) {
    if (!node[key]) return;
    if (auto v = r.dist(node[key], p + key, Sign::NonNegative)) out = *v;
  };
  if (gil.kind == models::GilKind::SwitchInterval) {
    dur("switch_interval", Sign::Positive, gil.switch_interval);
    dur("check_gap", Sign::NonNegative, gil.check_gap);
    if (node["requester_wins"]) {
      if (auto v = r.number(node["requester_wins"], p + "requester_wins", 0.0, 1.0)) {
        gil.requester_wins = *v;
      }
    }
    if (node["requester_persistence"]) {
      if (auto v =
              r.number(node["requester_persistence"], p + "requester_persistence", 0.0, 0.95)) {
        gil.requester_persistence = *v;
      }
    }
    if (node["force_switching"]) {
      if (auto v = r.boolean(node["force_switching"], p + "force_switching")) {
        gil.force_switching = *v;
      }
    }
    word("condvar", gil.condvar,
         {{"drawn", models::CondvarModel::Drawn}, {"glibc", models::CondvarModel::Glibc}});
    lock_dist("request_delay", gil.request_delay);
    lock_dist("mutex_hold", gil.mutex_hold);
    lock_dist("sleep_entry", gil.sleep_entry);
    lock_dist("drop_entry", gil.drop_entry);
    lock_dist("wake_syscall", gil.wake_syscall);
  } else if (gil.kind == models::GilKind::Tick) {
    if (node["check_interval"]) {
      if (auto v = r.integer(node["check_interval"], p + "check_interval", 1, 1000000000)) {
        gil.check_interval = *v;
      }
    }
    if (node["tick_cost"]) {
      if (auto v = r.fine_duration(node["tick_cost"], p + "tick_cost")) gil.tick_cost = *v;
    }
    lock_dist("release_syscall", gil.release_syscall);
    lock_dist("failed_acquire", gil.failed_acquire);
    lock_dist("empty_wake_syscall", gil.empty_wake_syscall);
    lock_dist("contended_release", gil.contended_release);
  } else if (node["bytecode_overhead"]) {
    if (auto v = r.number(node["bytecode_overhead"], p + "bytecode_overhead", 0.0, 10.0)) {
      gil.bytecode_overhead = *v;
    }
  }
}

}  // namespace gilsim::app
