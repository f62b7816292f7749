#include "app/scenario_loader.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "app/overrides.hpp"
#include "app/yaml_fields.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

using models::StepKind;
using sim::kMicrosecond;
using sim::kMillisecond;

const std::vector<std::string> kTopKeys = {"name",   "description", "seed",        "stop",
                                           "machine", "os",         "interpreter", "threads"};
const std::vector<std::string> kMachineKeys = {"cores", "threads_per_core", "smt_throughput"};
const std::vector<std::string> kOsKeys = {"timeslice",         "wakeup_latency",
                                          "context_switch",    "wakeup_preemption",
                                          "wakeup_granularity", "sleeper_credit"};
const std::vector<std::string> kCommonGilKeys = {"version", "waiter_choice"};
const std::vector<std::string> kSwitchKeys = {"switch_interval", "check_gap", "force_switching"};
const std::vector<std::string> kTickKeys = {"check_interval", "tick_cost", "release_syscall",
                                            "failed_acquire"};
const std::vector<std::string> kNoGilKeys = {"bytecode_overhead"};
const std::vector<std::string> kGroupKeys = {"name", "count", "start", "program"};
const std::vector<std::string> kStepKeys = {"cpu", "c_call", "native", "io", "sleep", "repeat"};

std::vector<std::string> concat(std::initializer_list<std::vector<std::string>> lists) {
  std::vector<std::string> out;
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  return out;
}

class Loader {
 public:
  explicit Loader(FieldReader& r) : r_(r) {}

  models::Scenario load(const YAML::Node& root, const std::string& default_name) {
    models::Scenario s;
    s.name = default_name;
    if (!r_.check_map(root, "", kTopKeys)) return s;
    if (root["name"]) {
      if (auto v = r_.string(root["name"], "name")) s.name = *v;
    }
    if (root["description"]) {
      if (auto v = r_.string(root["description"], "description")) s.description = *v;
    }
    if (root["seed"]) {
      if (auto v = r_.integer(root["seed"], "seed", 0, std::numeric_limits<std::int64_t>::max())) {
        s.seed = std::uint64_t(*v);
      }
    }
    if (root["stop"]) s.stop = r_.duration(root["stop"], "stop", Sign::Positive);
    read_machine(root["machine"], s.machine);
    s.os = default_os(s.machine.logical_cpus());
    if (root["os"]) read_os(root["os"], s.os);
    if (!root["interpreter"]) {
      r_.error(root, "interpreter", "missing key 'interpreter' (at least {version: \"3.11\"})");
    } else {
      read_interpreter(root["interpreter"], s.gil);
    }
    if (!root["threads"]) {
      r_.error(root, "threads", "missing key 'threads' (a list of thread groups)");
    } else {
      read_groups(root["threads"], s);
    }
    return s;
  }

 private:
  void read_machine(const YAML::Node& node, models::MachineSpec& m) {
    if (!node) return;
    if (!r_.check_map(node, "machine", kMachineKeys)) return;
    if (node["cores"]) {
      if (auto v = r_.integer(node["cores"], "machine.cores", 1, kMaxCores)) m.cores = int(*v);
    }
    if (node["threads_per_core"]) {
      if (auto v = r_.integer(node["threads_per_core"], "machine.threads_per_core", 1, 8)) {
        m.threads_per_core = int(*v);
      }
    }
    if (node["smt_throughput"]) {
      // A core's siblings together cannot do more than that many solo threads; with one
      // thread per core the value is unused and only its range is checked.
      const double most = std::max(1.25, double(m.threads_per_core));
      if (auto v = r_.number(node["smt_throughput"], "machine.smt_throughput", 0.1, most)) {
        m.smt_throughput = *v;
      }
    }
  }

  void read_os(const YAML::Node& node, models::OsSpec& os) {
    if (!r_.check_map(node, "os", kOsKeys)) return;
    auto dur = [&](const char* key, Sign sign, sim::Time& out) {
      if (!node[key]) return;
      if (auto v = r_.duration(node[key], std::string("os.") + key, sign)) out = *v;
    };
    dur("timeslice", Sign::Positive, os.timeslice);
    dur("context_switch", Sign::NonNegative, os.context_switch);
    dur("wakeup_granularity", Sign::NonNegative, os.wakeup_granularity);
    dur("sleeper_credit", Sign::NonNegative, os.sleeper_credit);
    if (node["wakeup_latency"]) {
      if (auto v = r_.dist(node["wakeup_latency"], "os.wakeup_latency", Sign::NonNegative)) {
        os.wakeup_latency = *v;
      }
    }
    if (node["wakeup_preemption"]) {
      if (auto v = r_.boolean(node["wakeup_preemption"], "os.wakeup_preemption")) {
        os.wakeup_preemption = *v;
      }
    }
  }

  void read_interpreter(const YAML::Node& node, models::GilSpec& gil) {
    const auto all = concat({kCommonGilKeys, kSwitchKeys, kTickKeys, kNoGilKeys});
    if (!r_.check_map(node, "interpreter", all)) return;
    if (!node["version"]) {
      r_.error(node, "interpreter.version", "missing key 'version' (for example \"3.11\")");
      return;
    }
    const auto version = r_.string(node["version"], "interpreter.version");
    if (!version) return;
    const auto defaults = models::gil_defaults(*version);
    if (!defaults) {
      std::string known;
      for (const std::string& v : models::known_versions()) known += (known.empty() ? "" : ", ") + v;
      const std::string hint = did_you_mean(*version, models::known_versions());
      r_.error(node["version"], "interpreter.version",
               "unknown version \"" + *version + "\"" +
                   (hint.empty() ? "" : "; did you mean \"" + hint + "\"?") + " (known: " + known +
                   "; write it quoted, as \"3.10\", so YAML does not read 3.1)");
      return;
    }
    gil = *defaults;
    const std::vector<std::string>& own = gil.kind == models::GilKind::Tick ? kTickKeys
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
        r_.error(it->first, "interpreter." + key,
                 "does not apply to " + *version + ", which has the " +
                     std::string(models::gil_kind_name(gil.kind)) + "; its keys are: " + keys);
      }
    }
    const std::string p = "interpreter.";
    auto dur = [&](const char* key, Sign sign, sim::Time& out) {
      if (!node[key]) return;
      if (auto v = r_.duration(node[key], p + key, sign)) out = *v;
    };
    if (node["waiter_choice"]) {
      if (auto v = r_.string(node["waiter_choice"], p + "waiter_choice")) {
        if (*v == "random") gil.waiter_choice = models::WaiterChoice::Random;
        else if (*v == "fifo") gil.waiter_choice = models::WaiterChoice::Fifo;
        else if (*v == "lifo") gil.waiter_choice = models::WaiterChoice::Lifo;
        else r_.error(node["waiter_choice"], p + "waiter_choice",
                      "expected random, fifo or lifo, found \"" + *v + "\"");
      }
    }
    if (gil.kind == models::GilKind::SwitchInterval) {
      dur("switch_interval", Sign::Positive, gil.switch_interval);
      dur("check_gap", Sign::NonNegative, gil.check_gap);
      if (node["force_switching"]) {
        if (auto v = r_.boolean(node["force_switching"], p + "force_switching")) {
          gil.force_switching = *v;
        }
      }
    } else if (gil.kind == models::GilKind::Tick) {
      if (node["check_interval"]) {
        if (auto v = r_.integer(node["check_interval"], p + "check_interval", 1, 1000000000)) {
          gil.check_interval = *v;
        }
      }
      dur("tick_cost", Sign::Positive, gil.tick_cost);
      dur("release_syscall", Sign::NonNegative, gil.release_syscall);
      dur("failed_acquire", Sign::NonNegative, gil.failed_acquire);
    } else if (node["bytecode_overhead"]) {
      if (auto v = r_.number(node["bytecode_overhead"], p + "bytecode_overhead", 0.0, 10.0)) {
        gil.bytecode_overhead = *v;
      }
    }
  }

  void read_groups(const YAML::Node& node, models::Scenario& s) {
    if (!node.IsSequence() || node.size() == 0) {
      r_.error(node, "threads", "expected a non-empty list of thread groups");
      return;
    }
    std::set<std::string> names;
    long total = 0;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node g = node[i];
      const std::string path = "threads[" + std::to_string(i) + "]";
      if (!r_.check_map(g, path, kGroupKeys)) continue;
      models::ThreadGroup group;
      if (!g["name"]) {
        r_.error(g, path + ".name", "missing key 'name'");
      } else if (auto v = r_.string(g["name"], path + ".name")) {
        group.name = *v;
        if (!valid_name(*v)) {
          r_.error(g["name"], path + ".name",
                   "use letters, digits, '_' and '-' only (it names the group in results)");
        } else if (!names.insert(*v).second) {
          r_.error(g["name"], path + ".name", "another group already has the name \"" + *v + "\"");
        }
      }
      if (g["count"]) {
        if (auto v = r_.integer(g["count"], path + ".count", 1, kMaxThreads)) {
          group.count = int(*v);
        }
      }
      total += group.count;
      if (g["start"]) {
        if (auto v = r_.dist(g["start"], path + ".start", Sign::NonNegative)) group.start = *v;
      }
      if (!g["program"]) {
        r_.error(g, path + ".program", "missing key 'program' (a list of steps)");
      } else {
        group.program = read_steps(g["program"], path + ".program");
      }
      if (models::runs_forever(group.program) && !s.stop) {
        r_.error(g["program"], path + ".program",
                 "repeats forever, so the scenario needs a top-level 'stop' (e.g. stop: 10s)");
      }
      s.groups.push_back(std::move(group));
    }
    if (total > kMaxThreads) {
      r_.error(node, "threads", "too many threads in all: " + std::to_string(total) +
                                    " (at most " + std::to_string(kMaxThreads) + ")");
    }
  }

  static bool valid_name(const std::string& name) {
    if (name.empty()) return false;
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
      if (!ok) return false;
    }
    return true;
  }

  models::Program read_steps(const YAML::Node& node, const std::string& path) {
    models::Program out;
    if (!node.IsSequence() || node.size() == 0) {
      r_.error(node, path, "expected a non-empty list of steps, as in [{cpu: 5ms}, {io: 1ms}]");
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node st = node[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (!r_.check_map(st, at, concat({kStepKeys, {"steps"}}))) continue;
      std::vector<std::string> kinds;
      for (auto it = st.begin(); it != st.end(); ++it) {
        for (const auto& k : kStepKeys) {
          if (it->first.Scalar() == k) kinds.push_back(k);
        }
      }
      if (kinds.size() != 1) {
        r_.error(st, at, kinds.empty() ? "a step needs one of: cpu, c_call, native, io, sleep, repeat"
                                       : "a step has exactly one kind; found " +
                                             std::to_string(kinds.size()));
        continue;
      }
      models::Step step;
      const std::string& kind = kinds.front();
      if (kind == "repeat") {
        step.kind = StepKind::Repeat;
        const YAML::Node times = st["repeat"];
        if (times.IsScalar() && times.Scalar() == "forever") {
          step.times = models::kForever;
        } else if (auto v = r_.integer(times, at + ".repeat", 1, 1000000000000LL)) {
          step.times = *v;
        }
        if (!st["steps"]) {
          r_.error(st, at + ".steps", "a repeat needs 'steps' (the list of steps to repeat)");
          continue;
        }
        step.body = read_steps(st["steps"], at + ".steps");
        out.push_back(std::move(step));
        continue;
      }
      if (st["steps"]) {
        r_.error(st["steps"], at + ".steps", "only a repeat step has 'steps'");
        continue;
      }
      step.kind = kind == "cpu"      ? StepKind::Cpu
                  : kind == "c_call" ? StepKind::CCall
                  : kind == "native" ? StepKind::Native
                  : kind == "io"     ? StepKind::Io
                                     : StepKind::Sleep;
      if (auto d = r_.dist(st[kind], at + "." + kind, Sign::Positive)) step.duration = *d;
      out.push_back(std::move(step));
    }
    return out;
  }

  FieldReader& r_;
};

std::string stem_of(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos
                                     ? 0
                                     : path.find_last_of('/') + 1);
  const auto dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace

models::OsSpec default_os(int logical_cpus) {
  models::OsSpec os;
  int factor = 1;  // 1 + ilog2(min(cpus, 8)), as Linux scales its scheduler tunables
  for (int n = std::min(logical_cpus, 8); n > 1; n /= 2) ++factor;
  // EEVDF base slice 0.70 ms x factor, rounded up to the scheduler tick (4 ms at HZ=250).
  const sim::Time tick = 4 * kMillisecond;
  const sim::Time base = 700 * kMicrosecond * factor;
  os.timeslice = (base + tick - 1) / tick * tick;
  os.wakeup_granularity = 1 * kMillisecond * factor;
  os.sleeper_credit = 3 * kMillisecond * factor;
  os.context_switch = 2 * kMicrosecond;
  os.wakeup_latency = sim::Dist::lognormal(20 * kMicrosecond, 0.8);
  os.wakeup_preemption = true;
  return os;
}

models::Scenario parse_scenario(const std::string& text, const std::string& label,
                                const std::vector<std::string>& sets) {
  YAML::Node root;
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.size() > 1) {
      throw InputError(Diagnostic{label, 0, 0, "", "holds several YAML documents; put one scenario per file"});
    }
    if (!docs.empty()) root = docs.front();
  } catch (const YAML::ParserException& e) {
    throw InputError(Diagnostic{label, e.mark.line + 1, e.mark.column + 1, "",
                                "malformed YAML: " + e.msg});
  }
  if (!root || root.IsNull()) {
    throw InputError(Diagnostic{label, 1, 1, "", "the scenario is empty"});
  }
  const std::vector<OverrideOrigin> origins = apply_overrides(root, sets);
  FieldReader reader(label, origins);
  Loader loader(reader);
  models::Scenario s = loader.load(root, stem_of(label));
  if (reader.failed()) {
    // In file order, so that the list reads top to bottom; command-line ones last.
    std::vector<Diagnostic> ds = reader.diagnostics();
    std::stable_sort(ds.begin(), ds.end(), [](const Diagnostic& a, const Diagnostic& b) {
      const int la = a.line > 0 ? a.line : INT_MAX, lb = b.line > 0 ? b.line : INT_MAX;
      return la < lb || (la == lb && a.column < b.column);
    });
    throw InputError(ds);
  }
  return s;
}

models::Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  std::error_code fs_error;
  if (std::filesystem::is_directory(path, fs_error)) {
    throw InputError(Diagnostic{path, 0, 0, "", "is a directory, not a scenario file"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::error_code ec(errno, std::generic_category());
    throw InputError(Diagnostic{path, 0, 0, "", "cannot read the scenario file: " + ec.message()});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw InputError(Diagnostic{path, 0, 0, "", "cannot read the scenario file (is it a directory?)"});
  }
  return parse_scenario(text.str(), path, sets);
}

}  // namespace gilsim::app
