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

const std::vector<std::string> kTopKeys = {"name",    "description", "seed",        "stop",
                                           "machine", "os",          "interpreter", "threads"};

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
  os.wakeup_granularity = 1 * kMillisecond * factor;
  os.sleeper_credit = 3 * kMillisecond * factor;
  os.context_switch = 2 * kMicrosecond;
  os.wakeup_latency = sim::Dist::lognormal(20 * kMicrosecond, 0.8);
  os.wakeup_preemption = true;
  os.timer_slack = sim::Dist::constant(50 * kMicrosecond);  // Linux default for ordinary threads
  return os;
}

models::Scenario parse_scenario(const std::string& text, const std::string& label,
                                const std::vector<std::string>& sets) {
  YAML::Node root;
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(text);
    if (docs.size() > 1) {
      throw InputError(
          Diagnostic{label, 0, 0, "", "holds several YAML documents; put one scenario per file"});
    }
    if (!docs.empty()) root = docs.front();
  } catch (const YAML::ParserException& e) {
    throw InputError(
        Diagnostic{label, e.mark.line + 1, e.mark.column + 1, "", "malformed YAML: " + e.msg});
  }
  if (!root || root.IsNull()) {
    throw InputError(Diagnostic{label, 1, 1, "", "the scenario is empty"});
  }
  const std::vector<OverrideOrigin> origins = apply_overrides(root, sets);
  FieldReader reader(label, origins);
  models::Scenario s = read_scenario(reader, root, stem_of(label));
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
    throw InputError(
        Diagnostic{path, 0, 0, "", "cannot read the scenario file (is it a directory?)"});
  }
  return parse_scenario(text.str(), path, sets);
}

}  // namespace gilsim::app
