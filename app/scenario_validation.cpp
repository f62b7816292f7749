// The `validation:` block of a scenario: which metrics `gilsim validate` compares with a real
// run, and how close they must be (docs/validation.md).
#include <charconv>
#include <string>

#include "app/scenario_sections.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

const std::vector<std::string> kValidationKeys = {"versions", "repeat", "metrics"};
const std::vector<std::string> kTopMetrics = {"makespan_s", "serial_s", "speedup",
                                              "cpu_utilization", "gil", "groups"};
const std::vector<std::string> kGroupMetrics = {
    "finish_s", "cpu_s", "native_s", "io_s", "gil_wait_s", "serial_s", "gil_acquire_wait_s",
    "io_resume_latency_s"};
const std::vector<std::string> kPercentiles = {"count", "mean", "p50", "p90", "p99", "max"};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path + ".") {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

bool known(const std::vector<std::string>& set, const std::string& word) {
  for (const auto& s : set) {
    if (s == word) return true;
  }
  return false;
}

/// Empty if the metric names something in a result of this scenario; else why not.
std::string check_metric(const std::string& metric, const models::Scenario& s) {
  const auto parts = split_path(metric);
  if (!known(kTopMetrics, parts[0])) {
    const std::string hint = did_you_mean(parts[0], kTopMetrics);
    return "unknown metric" + (hint.empty() ? "" : "; did you mean '" + hint + "'?");
  }
  if (parts[0] == "gil") {
    return parts.size() == 3 && parts[1] == "wait_s" && known(kPercentiles, parts[2])
               ? ""
               : "the GIL metric measured for real is gil.wait_s.<count|mean|p50|p90|p99|max>";
  }
  if (parts[0] != "groups") return parts.size() == 1 ? "" : "a top-level metric has no parts";
  if (parts.size() < 3) return "expected groups.<group>.<metric>";
  bool group = false;
  for (const auto& g : s.groups) group = group || g.name == parts[1];
  if (!group) return "no thread group named '" + parts[1] + "'";
  if (!known(kGroupMetrics, parts[2])) {
    const std::string hint = did_you_mean(parts[2], kGroupMetrics);
    return "unknown group metric" + (hint.empty() ? "" : "; did you mean '" + hint + "'?");
  }
  const bool percentiles = parts[2] == "gil_acquire_wait_s" || parts[2] == "io_resume_latency_s";
  if (percentiles && (parts.size() != 4 || !known(kPercentiles, parts[3]))) {
    return "expected " + parts[2] + ".<count|mean|p50|p90|p99|max>";
  }
  if (!percentiles && parts.size() != 3) return "this metric has no parts";
  return "";
}

}  // namespace

ValidationSpec read_validation(FieldReader& r, const YAML::Node& node, const models::Scenario& s) {
  ValidationSpec spec;
  spec.versions = {s.gil.version};
  if (!r.check_map(node, "validation", kValidationKeys)) return spec;
  if (node["versions"]) {
    const YAML::Node v = node["versions"];
    if (!v.IsSequence() || v.size() == 0) {
      r.error(v, "validation.versions", "expected a list of versions, as in [\"3.11\", \"3.13\"]");
    } else {
      spec.versions.clear();
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string at = "validation.versions[" + std::to_string(i) + "]";
        if (auto version = r.string(v[i], at)) {
          if (!models::gil_defaults(*version)) {
            r.error(v[i], at, "unknown version \"" + *version + "\"");
          } else {
            spec.versions.push_back(*version);
          }
        }
      }
    }
  }
  if (node["repeat"]) {
    if (auto n = r.integer(node["repeat"], "validation.repeat", 1, 100)) spec.repeat = int(*n);
  }
  const YAML::Node metrics = node["metrics"];
  if (!metrics || !metrics.IsMap() || metrics.size() == 0) {
    r.error(metrics ? metrics : node, "validation.metrics",
            "expected a map of metric: tolerance, as in {makespan_s: 10%}");
    return spec;
  }
  for (auto it = metrics.begin(); it != metrics.end(); ++it) {
    MetricCheck check;
    check.metric = it->first.Scalar();
    const std::string at = "validation.metrics." + check.metric;
    if (const std::string why = check_metric(check.metric, s); !why.empty()) {
      r.error(it->first, at, why);
      continue;
    }
    const YAML::Node t = it->second;
    std::string text = t.IsScalar() ? t.Scalar() : "";
    check.relative = !text.empty() && text.back() == '%';
    if (check.relative) text.pop_back();
    double v = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !(v > 0)) {
      r.error(t, at, "expected a positive tolerance: a percentage (15%) or an absolute value in "
                     "the metric's unit (0.002)");
      continue;
    }
    check.tolerance = check.relative ? v / 100 : v;
    spec.metrics.push_back(check);
  }
  return spec;
}

}  // namespace gilsim::app
