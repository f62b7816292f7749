#include "app/scenario_loader.hpp"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "app/overrides.hpp"
#include "app/scenario_sections.hpp"
#include "app/yaml_fields.hpp"

namespace gilsim::app {
namespace {

using sim::kMicrosecond;
using sim::kMillisecond;

const std::vector<std::string> kTopKeys = {"name",       "description", "seed",      "stop",
                                           "stop_after", "machine",     "os",        "interpreter",
                                           "threads",    "profile",     "validation"};

models::Scenario read_scenario(FieldReader& r, const YAML::Node& root,
                               const std::string& default_name) {
  models::Scenario s;
  s.name = default_name;
  if (!r.check_map(root, "", kTopKeys)) return s;
  if (root["name"]) {
    if (auto v = r.string(root["name"], "name")) s.name = *v;
  }
  if (root["description"]) {
    if (auto v = r.string(root["description"], "description")) s.description = *v;
  }
  if (root["profile"]) r.string(root["profile"], "profile");  // applied before reading
  if (root["seed"]) {
    if (auto v = r.integer(root["seed"], "seed", 0, std::numeric_limits<std::int64_t>::max())) {
      s.seed = std::uint64_t(*v);
    }
  }
  if (root["stop"]) s.stop = r.duration(root["stop"], "stop", Sign::Positive);
  read_machine(r, root["machine"], s.machine);
  s.os = default_os(s.machine.logical_cpus());
  if (root["os"]) read_os(r, root["os"], s.os);
  if (!root["interpreter"]) {
    r.error(root, "interpreter", "missing key 'interpreter' (at least {version: \"3.11\"})");
  } else {
    read_interpreter(r, root["interpreter"], s.gil);
  }
  if (!root["threads"]) {
    r.error(root, "threads", "missing key 'threads' (a list of thread groups)");
  } else {
    read_groups(r, root["threads"], s);
  }
  if (root["stop_after"]) {
    if (auto v = r.string(root["stop_after"], "stop_after")) {
      if (s.group_index(*v) >= 0) {
        s.stop_after = *v;
      } else {
        r.error(root["stop_after"], "stop_after",
                "no thread group is named '" + *v +
                    "' (stop_after names the group whose end ends the run)");
      }
    }
  }
  return s;
}

std::string stem_of(const std::string& path) {
  std::string base =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
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
  // EEVDF (Linux 6.6 and later) has no wake-up granularity: a woken thread that has used less
  // CPU than the running one preempts it (CFS waited for a lead of 1 ms x factor).
  os.wakeup_granularity = 0;
  // EEVDF places a waking thread by the lag it left with, clamped to max(2 x slice, tick)
  // (kernel/sched/fair.c, update_entity_lag): at most that far ahead of its fair share. (CFS
  // gave every sleeper 3 ms x factor, half its latency target.)
  os.sleeper_credit = std::max(2 * base, tick);
  os.context_switch = 2 * kMicrosecond;
  os.wakeup_latency = sim::Dist::lognormal(20 * kMicrosecond, 0.8);
  os.wakeup_preemption = true;
  os.timer_slack = sim::Dist::constant(50 * kMicrosecond);  // Linux default for ordinary threads
  return os;
}

namespace {

YAML::Node parse_yaml(const std::string& text, const std::string& label, const char* what) {
  YAML::Node root;
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.size() > 1) {
      throw InputError(
          Diagnostic{label, 0, 0, "",
                     std::string("holds several YAML documents; put one ") + what + " per file"});
    }
    if (!docs.empty()) root = docs.front();
  } catch (const YAML::ParserException& e) {
    throw InputError(
        Diagnostic{label, e.mark.line + 1, e.mark.column + 1, "", "malformed YAML: " + e.msg});
  }
  if (!root || root.IsNull()) {
    throw InputError(Diagnostic{label, 1, 1, "", std::string("the ") + what + " is empty"});
  }
  return root;
}

std::string read_text(const std::string& path, const char* what) {
  std::error_code fs_error;
  if (std::filesystem::is_directory(path, fs_error)) {
    throw InputError(Diagnostic{path, 0, 0, "", std::string("is a directory, not a ") + what});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::error_code ec(errno, std::generic_category());
    throw InputError(
        Diagnostic{path, 0, 0, "", std::string("cannot read the ") + what + ": " + ec.message()});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void throw_sorted(std::vector<Diagnostic> ds) {
  // In file order, so that the list reads top to bottom; command-line ones last.
  std::stable_sort(ds.begin(), ds.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const int la = a.line > 0 ? a.line : INT_MAX, lb = b.line > 0 ? b.line : INT_MAX;
    return la < lb || (la == lb && a.column < b.column);
  });
  throw InputError(ds);
}

/// Validates a profile and copies its machine and os values into the scenario where the
/// scenario has none; returns where they came from, for locating errors.
std::vector<OverrideOrigin> apply_profile(YAML::Node& root, const std::string& path) {
  const YAML::Node profile = parse_yaml(read_text(path, "profile"), path, "profile");
  FieldReader r(path, {});
  if (r.check_map(profile, "", {"machine", "os", "interpreters", "calibration"})) {
    models::MachineSpec machine;
    models::OsSpec os;
    if (profile["machine"]) read_machine(r, profile["machine"], machine);
    if (profile["os"]) read_os(r, profile["os"], os);
    const YAML::Node interps = profile["interpreters"];
    if (interps && !interps.IsMap()) r.error(interps, "interpreters", "expected a map by version");
    if (interps && interps.IsMap()) {
      for (auto it = interps.begin(); it != interps.end(); ++it) {
        YAML::Node probe = YAML::Clone(it->second);
        if (!probe.IsMap()) {
          r.error(it->second, "interpreters." + it->first.Scalar(), "expected a map of keys");
          continue;
        }
        probe["version"] = it->first.Scalar();
        models::GilSpec gil;
        read_interpreter(r, probe, gil);
      }
    }
  }
  if (r.failed()) throw_sorted(r.diagnostics());
  std::vector<OverrideOrigin> origins;
  auto fill = [&](const YAML::Node& from, const std::string& section) {
    if (!from || !from.IsMap()) return;
    if (root[section] && !root[section].IsMap()) return;  // reported when the scenario is read
    if (!root[section]) root[section] = YAML::Node(YAML::NodeType::Map);
    YAML::Node to = root[section];
    for (auto it = from.begin(); it != from.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (to[key]) continue;  // the scenario's own value (or a --set) wins
      to[key] = YAML::Clone(it->second);
      origins.push_back({section + "." + key, "profile " + path});
    }
  };
  fill(profile["machine"], "machine");
  fill(profile["os"], "os");
  // The entry for the scenario's interpreter version, if the profile has one.
  const YAML::Node interp = root["interpreter"];
  if (interp && interp.IsMap() && interp["version"] && interp["version"].IsScalar() &&
      profile["interpreters"] && profile["interpreters"][interp["version"].Scalar()]) {
    fill(profile["interpreters"][interp["version"].Scalar()], "interpreter");
  }
  return origins;
}

}  // namespace

LoadedScenario parse_scenario_text(const std::string& text, const std::string& label,
                                   const LoadOptions& options, const std::string& base_dir) {
  YAML::Node root = parse_yaml(text, label, "scenario");
  LoadedScenario loaded;
  std::vector<OverrideOrigin> origins;
  if (!options.profile.empty()) {
    loaded.profile = options.profile;
  } else if (root.IsMap() && root["profile"] && root["profile"].IsScalar()) {
    const std::filesystem::path p = root["profile"].Scalar();
    loaded.profile = p.is_absolute() ? p.string() : (std::filesystem::path(base_dir) / p).string();
  }
  // --set first, so that the profile fills in only what neither the file nor --set gives (and
  // its interpreter entry is chosen by the final version).
  origins = apply_overrides(root, options.sets);
  if (!loaded.profile.empty() && root.IsMap()) {
    const std::vector<OverrideOrigin> from_profile = apply_profile(root, loaded.profile);
    origins.insert(origins.end(), from_profile.begin(), from_profile.end());
  }
  FieldReader reader(label, origins);
  loaded.scenario = read_scenario(reader, root, stem_of(label));
  if (root.IsMap() && root["validation"]) {
    loaded.validation = read_validation(reader, root["validation"], loaded.scenario);
  }
  if (reader.failed()) throw_sorted(reader.diagnostics());
  return loaded;
}

models::Scenario parse_scenario(const std::string& text, const std::string& label,
                                const std::vector<std::string>& sets) {
  LoadOptions options;
  options.sets = sets;
  return parse_scenario_text(text, label, options).scenario;
}

LoadedScenario load_scenario_file(const std::string& path, const LoadOptions& options) {
  const std::string text = read_text(path, "scenario file");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_scenario_text(text, path, options, dir.empty() ? "." : dir);
}

models::Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  LoadOptions options;
  options.sets = sets;
  return load_scenario_file(path, options).scenario;
}

}  // namespace gilsim::app
