// The threads section of a scenario file: thread groups and their programs (docs/scenarios.md).
#include <set>
#include <string>
#include <vector>

#include "app/scenario_sections.hpp"

namespace gilsim::app {
namespace {

using models::StepKind;

const std::vector<std::string> kGroupKeys = {"name", "count", "start", "program"};
const std::vector<std::string> kStepKeys = {"cpu", "c_call", "native", "io", "sleep", "repeat"};
const std::vector<std::string> kStepMapKeys = {"cpu",   "c_call", "native", "io",
                                               "sleep", "repeat", "steps"};

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

models::Program read_steps(FieldReader& r, const YAML::Node& node, const std::string& path) {
  models::Program out;
  if (!node.IsSequence() || node.size() == 0) {
    r.error(node, path, "expected a non-empty list of steps, as in [{cpu: 5ms}, {io: 1ms}]");
    return out;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node st = node[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (!r.check_map(st, at, kStepMapKeys)) continue;
    std::vector<std::string> kinds;
    for (auto it = st.begin(); it != st.end(); ++it) {
      for (const auto& k : kStepKeys) {
        if (it->first.Scalar() == k) kinds.push_back(k);
      }
    }
    if (kinds.size() != 1) {
      r.error(st, at,
              kinds.empty() ? "a step needs one of: cpu, c_call, native, io, sleep, repeat"
                            : "a step has exactly one kind; found " + std::to_string(kinds.size()));
      continue;
    }
    models::Step step;
    const std::string& kind = kinds.front();
    if (kind == "repeat") {
      step.kind = StepKind::Repeat;
      const YAML::Node times = st["repeat"];
      if (times.IsScalar() && times.Scalar() == "forever") {
        step.times = models::kForever;
      } else if (auto v = r.integer(times, at + ".repeat", 1, 1000000000000LL)) {
        step.times = *v;
      }
      if (!st["steps"]) {
        r.error(st, at + ".steps", "a repeat needs 'steps' (the list of steps to repeat)");
        continue;
      }
      step.body = read_steps(r, st["steps"], at + ".steps");
      out.push_back(std::move(step));
      continue;
    }
    if (st["steps"]) {
      r.error(st["steps"], at + ".steps", "only a repeat step has 'steps'");
      continue;
    }
    step.kind = kind == "cpu"      ? StepKind::Cpu
                : kind == "c_call" ? StepKind::CCall
                : kind == "native" ? StepKind::Native
                : kind == "io"     ? StepKind::Io
                                   : StepKind::Sleep;
    if (auto d = r.dist(st[kind], at + "." + kind, Sign::Positive)) step.duration = *d;
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace

void read_groups(FieldReader& r, const YAML::Node& node, models::Scenario& s) {
  if (!node.IsSequence() || node.size() == 0) {
    r.error(node, "threads", "expected a non-empty list of thread groups");
    return;
  }
  std::set<std::string> names;
  long total = 0;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node g = node[i];
    const std::string path = "threads[" + std::to_string(i) + "]";
    if (!r.check_map(g, path, kGroupKeys)) continue;
    models::ThreadGroup group;
    if (!g["name"]) {
      r.error(g, path + ".name", "missing key 'name'");
    } else if (auto v = r.string(g["name"], path + ".name")) {
      group.name = *v;
      if (!valid_name(*v)) {
        r.error(g["name"], path + ".name",
                "use letters, digits, '_' and '-' only (it names the group in results)");
      } else if (!names.insert(*v).second) {
        r.error(g["name"], path + ".name", "another group already has the name \"" + *v + "\"");
      }
    }
    if (g["count"]) {
      if (auto v = r.integer(g["count"], path + ".count", 1, kMaxThreads)) {
        group.count = int(*v);
      }
    }
    total += group.count;
    if (g["start"]) {
      if (auto v = r.dist(g["start"], path + ".start", Sign::NonNegative)) group.start = *v;
    }
    if (!g["program"]) {
      r.error(g, path + ".program", "missing key 'program' (a list of steps)");
    } else {
      group.program = read_steps(r, g["program"], path + ".program");
    }
    if (models::runs_forever(group.program) && !s.stop) {
      r.error(g["program"], path + ".program",
              "repeats forever, so the scenario needs a top-level 'stop' (e.g. stop: 10s)");
    }
    s.groups.push_back(std::move(group));
  }
  if (total > kMaxThreads) {
    r.error(node, "threads",
            "too many threads in all: " + std::to_string(total) + " (at most " +
                std::to_string(kMaxThreads) + ")");
  }
}

}  // namespace gilsim::app
