#include "app/measure.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <ostream>

#include "app/diagnostics.hpp"
#include "app/json_writer.hpp"
#include "app/plan.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

bool as_number(const YAML::Node& n, double& v) {
  if (!n.IsScalar()) return false;
  const std::string& s = n.Scalar();
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

void write_tree(JsonWriter& j, const YAML::Node& n) {
  if (n.IsMap()) {
    j.begin_object();
    for (auto it = n.begin(); it != n.end(); ++it) {
      j.key(it->first.Scalar());
      write_tree(j, it->second);
    }
    j.end_object();
  } else if (n.IsSequence()) {
    j.begin_array();
    for (const YAML::Node& e : n) write_tree(j, e);
    j.end_array();
  } else if (!n.IsDefined() || n.IsNull()) {
    j.null();
  } else {
    double v = 0;
    const std::string& s = n.Scalar();
    if (n.Tag() != "!" && as_number(n, v)) {
      j.raw(s);
    } else if (n.Tag() != "!" && (s == "true" || s == "false")) {
      j.value(s == "true");
    } else {
      j.value(s);
    }
  }
}

/// Combines the numeric leaves of several result trees (same shape) with `pick`.
YAML::Node combine(const std::vector<YAML::Node>& trees, double (*pick)(std::vector<double>&)) {
  const YAML::Node& first = trees.front();
  if (first.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (auto it = first.begin(); it != first.end(); ++it) {
      const std::string key = it->first.Scalar();
      std::vector<YAML::Node> children;
      for (const YAML::Node& t : trees) children.push_back(t[key]);
      out[key] = combine(children, pick);
    }
    return out;
  }
  std::vector<double> values;
  double v = 0;
  for (const YAML::Node& t : trees) {
    if (t.Tag() == "!" || !as_number(t, v)) return YAML::Clone(first);  // quoted: a string
    values.push_back(v);
  }
  YAML::Node out(format_double(pick(values)));
  return out;
}

std::string last_line(const std::string& text) {
  const auto last = text.find_last_not_of('\n');
  if (last == std::string::npos) return "";
  const auto start = text.find_last_of('\n', last);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     last + 1 - (start == std::string::npos ? 0 : start + 1));
}

double median_of(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double min_of(std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}
double max_of(std::vector<double>& v) {
  return *std::max_element(v.begin(), v.end());
}

}  // namespace

Spread spread_of(const std::vector<YAML::Node>& trees) {
  return {combine(trees, median_of), combine(trees, min_of), combine(trees, max_of)};
}

std::string tree_json(const YAML::Node& node) {
  JsonWriter j;
  write_tree(j, node);
  return j.str();
}

std::string Measurement::json() const {
  JsonWriter j;
  j.begin_object();
  for (auto it = median.begin(); it != median.end(); ++it) {
    if (it->first.Scalar() == "measured") continue;
    j.key(it->first.Scalar());
    write_tree(j, it->second);
  }
  j.key("range").begin_object().key("min");
  write_tree(j, min);
  j.key("max");
  write_tree(j, max);
  j.end_object();
  j.key("measurement").begin_object();
  j.key("repetitions").value(repetitions);
  j.key("reruns_for_disturbance").value(reruns);
  j.key("still_disturbed").value(still_disturbed);
  j.key("other_load_cpus").begin_array();
  for (double l : other_loads) j.value(l);
  j.end_array();
  if (median["measured"]) {
    j.key("python");
    write_tree(j, median["measured"]["python"]);
    j.key("calibration");
    write_tree(j, median["measured"]["calibration"]);
  }
  j.key("host").value(host_description());
  j.end_object();
  j.end_object();
  return j.str();
}

bool Measurement::get(const YAML::Node& tree, const std::string& path, double& value) const {
  YAML::Node n = YAML::Clone(tree);
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!n.IsMap() || !n[key]) return false;
    n = n[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return as_number(n, value);
}

std::vector<std::string> version_sets(const models::Scenario& s, const PythonInfo& python) {
  if (s.gil.version == python.version) return {};
  return {"interpreter.version=" + python.version};
}

RealRuns::RealRuns(const models::Scenario& scenario, std::uint64_t seed, const PythonInfo& python,
                   const MeasureSettings& settings, std::ostream& log)
    : name_(scenario.name), python_(python), settings_(settings), log_(log) {
  // The simulation tells how long a run should take: allow ten times that, plus start-up.
  const models::RunResult predicted = models::simulate(scenario, seed);
  timeout_s_ = 10 * sim::to_seconds(predicted.makespan) + 120;
  std::string calibration = settings.calibration_json;
  if (calibration == "{}") {
    // Calibrate the work kernels once, so that every repetition runs the same amount of work.
    wait_for_quiet(settings.quiet_threshold, settings.quiet_wait_s);
    const RunOutput r =
        run_python(python.path, {dir_.script("replay.py"), "--kernels"}, dir_.path(), 300);
    if (r.exit_code != 0) {
      throw InputError(Diagnostic{python.path, 0, 0, "",
                                  "the replayer could not calibrate: " + last_line(r.err)});
    }
    calibration = r.out;
    while (!calibration.empty() && std::isspace(static_cast<unsigned char>(calibration.back()))) {
      calibration.pop_back();
    }
  }
  std::ofstream f(dir_.path() / "plan.json", std::ios::binary);
  f << plan_json(scenario, seed, calibration);
}

void RealRuns::run_next() {
  const int rep = int(results_.size());
  for (int attempt = 0;; ++attempt) {
    const double quiet = wait_for_quiet(settings_.quiet_threshold, settings_.quiet_wait_s);
    const RunOutput r =
        run_python(python_.path, {dir_.script("replay.py"), "plan.json"}, dir_.path(), timeout_s_);
    if (r.exit_code != 0 || r.timed_out) {
      std::string why = r.timed_out ? "timed out after " + format_double(timeout_s_) + " s"
                                    : "failed (exit " + std::to_string(r.exit_code) + ")";
      if (!r.err.empty()) why += ": " + last_line(r.err);
      throw InputError(Diagnostic{python_.path, 0, 0, "", "the replayer " + why});
    }
    // Disturbed: other processes used CPU, or the machine's speed changed during the run
    // (the replayer measures its loop rate before and after).
    // Also if a kind of work ran much longer or shorter than planned (CPU time against the
    // nominal durations): the steps were not the ones simulated.
    double drift = 1, worst_work = 1;
    try {
      const YAML::Node measured = YAML::Load(r.out)["measured"];
      if (measured["speed_drift"] && measured["speed_drift"].IsScalar() &&
          measured["speed_drift_matters"].as<bool>(true)) {
        drift = measured["speed_drift"].as<double>();
      }
      for (auto it = measured["work_accuracy"].begin(); it != measured["work_accuracy"].end();
           ++it) {
        const double a = it->second.as<double>();
        if (std::fabs(a - 1) > std::fabs(worst_work - 1)) worst_work = a;
      }
    } catch (const YAML::Exception&) {
    }
    const bool disturbed = r.other_load > settings_.disturbed_above ||
                           std::fabs(drift - 1) > settings_.max_speed_drift ||
                           std::fabs(worst_work - 1) > settings_.max_work_error;
    log_ << "  " << name_ << " on " << python_.version << ": run " << rep + 1 << "/"
         << settings_.repeat << ", " << format_double(std::round(r.wall_s * 100) / 100)
         << " s, other load " << format_double(std::round(r.other_load * 100) / 100)
         << " CPUs, speed drift " << format_double(std::round((drift - 1) * 1000) / 10) << "%"
         << ", work " << format_double(std::round((worst_work - 1) * 1000) / 10) << "%"
         << (quiet > settings_.quiet_threshold ? " (machine never went quiet)" : "")
         << (disturbed
                 ? (attempt < settings_.max_reruns ? ": disturbed, run again" : ": disturbed, kept")
                 : "")
         << "\n";
    if (disturbed && attempt < settings_.max_reruns) {
      ++reruns_;
      continue;
    }
    if (disturbed) ++still_disturbed_;
    YAML::Node tree;
    try {
      tree = YAML::Load(r.out);
    } catch (const YAML::Exception& e) {
      throw InputError(
          Diagnostic{python_.path, 0, 0, "", "the replayer printed no valid result: " + e.msg});
    }
    if (!tree.IsMap()) {
      throw InputError(Diagnostic{python_.path, 0, 0, "", "the replayer printed no result"});
    }
    results_.push_back(tree);
    other_loads_.push_back(r.other_load);
    return;
  }
}

Measurement RealRuns::result() const {
  Measurement m;
  m.reruns = reruns_;
  m.still_disturbed = still_disturbed_;
  m.other_loads = other_loads_;
  m.repetitions = int(results_.size());
  if (results_.empty()) return m;
  Spread spread = spread_of(results_);
  m.median = spread.median;
  m.min = spread.min;
  m.max = spread.max;
  m.min.remove("measured");
  m.max.remove("measured");
  return m;
}

Measurement measure(const models::Scenario& scenario, std::uint64_t seed, const PythonInfo& python,
                    const MeasureSettings& settings, std::ostream& log) {
  RealRuns runs(scenario, seed, python, settings, log);
  while (!runs.done()) runs.run_next();
  return runs.result();
}

double relative_spread(double median, double min, double max) {
  return median != 0 ? (max - min) / std::fabs(median) : 0;
}

}  // namespace gilsim::app
