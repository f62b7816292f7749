// gilsim validate: for every scenario with a validation block, simulate it and measure it for
// real on each interpreter it applies to, and compare the metrics it declares. The table goes
// to the terminal, a CSV file and a Markdown report (docs/validation.md is one).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>

#include "app/commands.hpp"
#include "app/diagnostics.hpp"
#include "app/json_writer.hpp"
#include "app/measure.hpp"
#include "app/plan.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "app/stored_measurements.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

struct Row {
  std::string scenario, version, metric, work;
  double simulated = 0, sim_lo = 0, sim_hi = 0;  ///< median of the replicas, their range
  double median = 0, lo = 0, hi = 0;             ///< measured
  double error = 0;  ///< (simulated - median) / |median|, or the absolute difference
  bool relative = true;
  double tolerance = 0;
  bool ok = false;
};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100 * v);
  return buf;
}

std::string error_text(const Row& r) {
  return r.relative ? pct(r.error) : fmt(r.error);
}
std::string tolerance_text(const Row& r) {
  return r.relative ? fmt(100 * r.tolerance) + "%" : fmt(r.tolerance);
}

bool get(const YAML::Node& tree, const std::string& path, double& v) {
  Measurement m;
  return m.get(tree, path, v);
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

double median_abs(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int cmd_validate(const ValidateOptions& o, std::ostream& out, std::ostream& err) {
  try {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(o.dir, ec)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    }
    if (ec)
      throw InputError(Diagnostic{o.dir, 0, 0, "", "cannot read the directory: " + ec.message()});
    std::sort(files.begin(), files.end());
    if (files.empty()) throw InputError(Diagnostic{o.dir, 0, 0, "", "holds no .yaml scenarios"});
    // Every scenario is checked before anything is measured.
    std::vector<LoadedScenario> loaded;
    for (const std::string& f : files) loaded.push_back(load_scenario_file(f, {{}, o.profile}));

    // The measured side: real runs on the interpreters given, or runs stored by an earlier
    // validate (--against), whose interpreters stand in by version alone.
    const bool stored_side = !o.against.empty();
    const StoredMeasurements stored =
        stored_side ? read_stored_measurements(o.against) : StoredMeasurements{};
    std::vector<PythonInfo> pythons;
    std::vector<std::string> skipped;
    for (const std::string& p : o.pythons) {
      try {
        pythons.push_back(probe_python(p));
      } catch (const InputError& e) {
        skipped.push_back(e.diagnostics().front().format());
        err << "gilsim: skipping " << e.diagnostics().front().format() << "\n";
      }
    }
    if (!stored_side && pythons.empty()) {
      throw InputError(Diagnostic{o.pythons.front(), 0, 0, "", "no usable interpreter given"});
    }

    // Every (scenario, interpreter) pair: its simulated replicas, and its real runs (taken
    // below) or the runs stored for it.
    struct Job {
      std::string scenario;
      std::string version;
      std::string work;
      Spread simulated;
      const std::vector<MetricCheck>* checks = nullptr;
      const StoredRuns* stored_runs = nullptr;
      std::unique_ptr<RealRuns> runs;
    };
    std::vector<Job> jobs;
    std::vector<std::string> stale;  // stored runs of other work than the scenario's now
    bool unchecked = false;          // stored runs with no record of their work
    for (std::size_t i = 0; i < files.size(); ++i) {
      const LoadedScenario& ls = loaded[i];
      if (!ls.validation) {
        err << "gilsim: " << files[i] << ": no validation block; skipped\n";
        continue;
      }
      const auto& versions = ls.validation->versions;
      std::vector<PythonInfo> targets;
      if (stored_side) {
        const auto it = stored.find(ls.scenario.name);
        for (const std::string& v : versions) {
          if (it != stored.end() && it->second.count(v)) targets.push_back(PythonInfo{"", v, v});
        }
      } else {
        for (const PythonInfo& py : pythons) {
          if (std::find(versions.begin(), versions.end(), py.version) != versions.end()) {
            targets.push_back(py);
          }
        }
      }
      for (const PythonInfo& py : targets) {
        LoadOptions lo{{}, o.profile};
        lo.sets = version_sets(ls.scenario, py);
        const models::Scenario s = load_scenario_file(files[i], lo).scenario;
        const std::uint64_t seed = o.seed.value_or(s.seed);
        Job job;
        job.scenario = s.name;
        job.version = py.version;
        job.work = plan_fingerprint(s, seed);
        job.checks = &ls.validation->metrics;
        if (stored_side) {
          job.stored_runs = &stored.at(s.name).at(py.version);
          if (job.stored_runs->work.empty()) unchecked = true;
          if (!job.stored_runs->work.empty() && job.stored_runs->work != job.work) {
            stale.push_back(s.name + " (" + py.version + ")");
            err << "gilsim: " << files[i] << ": the runs stored for " << py.version
                << " ran other work than the scenario describes now (it changed since); "
                   "skipped\n";
            continue;
          }
        }
        // Simulated runs with the same work and the environment's randomness drawn afresh for
        // each (replicas), compared median to median with the real runs.
        std::vector<YAML::Node> replicas;
        for (int k = 0; k < o.replicas; ++k) {
          replicas.push_back(
              YAML::Load(result_json(s, models::simulate(s, seed, nullptr, std::uint64_t(k)))));
        }
        job.simulated = spread_of(replicas);
        if (!stored_side) {
          MeasureSettings settings;
          settings.repeat = o.repeat > 0 ? o.repeat : ls.validation->repeat;
          job.runs = std::make_unique<RealRuns>(s, seed, py, settings, err);
        }
        jobs.push_back(std::move(job));
      }
    }
    // The real runs, interleaved: one repetition of every scenario, then the next round.
    int rounds = 0, left = 0;
    for (const Job& job : jobs) {
      if (job.runs == nullptr) continue;
      rounds = std::max(rounds, job.runs->remaining());
      left += job.runs->remaining();
    }
    for (int round = 1; round <= rounds; ++round) {
      err << "gilsim: round " << round << " of " << rounds << ", " << left << " real runs to go\n";
      for (Job& job : jobs) {
        if (job.runs == nullptr || job.runs->done()) continue;
        job.runs->run_next();
        --left;
      }
    }

    std::vector<Row> rows;
    for (const Job& job : jobs) {
      Measurement m;
      if (job.runs != nullptr) m = job.runs->result();
      for (const MetricCheck& check : *job.checks) {
        Row r;
        r.scenario = job.scenario;
        r.version = job.version;
        r.metric = check.metric;
        r.work = job.work;
        r.relative = check.relative;
        r.tolerance = check.tolerance;
        get(job.simulated.median, check.metric, r.simulated);
        get(job.simulated.min, check.metric, r.sim_lo);
        get(job.simulated.max, check.metric, r.sim_hi);
        if (job.stored_runs != nullptr) {
          const auto it = job.stored_runs->metrics.find(check.metric);
          if (it == job.stored_runs->metrics.end()) continue;  // not measured then
          r.median = it->second.median;
          r.lo = it->second.min;
          r.hi = it->second.max;
        } else {
          get(m.median, check.metric, r.median);
          get(m.min, check.metric, r.lo);
          get(m.max, check.metric, r.hi);
        }
        const double diff = r.simulated - r.median;
        r.error = check.relative ? (r.median != 0 ? diff / std::fabs(r.median) : 0) : diff;
        r.ok = std::fabs(r.error) <= check.tolerance;
        rows.push_back(r);
      }
    }

    // Terminal table, CSV and Markdown.
    char line[512];
    out << "scenario                  python  metric                                    "
           "simulated median [min-max]      measured median [min-max]        error   tolerance\n";
    std::string csv = std::string(kStoredHeader) + "\n";
    std::string md =
        "| scenario | python | metric | simulated median [min-max] | "
        "measured median [min-max] | error | tolerance | |\n"
        "|---|---|---|---|---|---|---|---|\n";
    std::map<std::string, std::vector<double>> errors;  // per version, relative ones
    std::map<std::string, int> failures;
    std::map<std::string, std::string> unrepeatable;  // per version: real spread > tolerance
    for (const Row& r : rows) {
      const std::string measured = fmt(r.median) + " [" + fmt(r.lo) + "-" + fmt(r.hi) + "]";
      const std::string simulated =
          fmt(r.simulated) + " [" + fmt(r.sim_lo) + "-" + fmt(r.sim_hi) + "]";
      std::snprintf(line, sizeof line, "%-25s %-7s %-41s %-31s %-31s %8s   %s%s\n",
                    r.scenario.c_str(), r.version.c_str(), r.metric.c_str(), simulated.c_str(),
                    measured.c_str(), error_text(r).c_str(), tolerance_text(r).c_str(),
                    r.ok ? "" : "  OUTSIDE");
      out << line;
      csv += r.scenario + "," + r.version + "," + r.metric + "," + format_double(r.simulated) +
             "," + format_double(r.sim_lo) + "," + format_double(r.sim_hi) + "," +
             format_double(r.median) + "," + format_double(r.lo) + "," + format_double(r.hi) + "," +
             format_double(r.error) + "," + format_double(r.tolerance) + "," +
             (r.relative ? "true" : "false") + "," + (r.ok ? "true" : "false") + "," + r.work +
             "\n";
      md += "| " + r.scenario + " | " + r.version + " | `" + r.metric + "` | " + simulated + " | " +
            measured + " | " + error_text(r) + " | " + tolerance_text(r) + " | " +
            (r.ok ? "ok" : "**outside**") + " |\n";
      if (r.relative) errors[r.version].push_back(std::fabs(r.error));
      if (!r.ok) ++failures[r.version];
      const double spread = relative_spread(r.median, r.lo, r.hi);
      if (r.relative && spread > r.tolerance) {
        std::string& u = unrepeatable[r.version];
        u += std::string(u.empty() ? "" : ", ") + r.scenario + " `" + r.metric + "` (" +
             fmt(100 * spread) + "%)";
      }
    }
    std::string summary;
    std::vector<PythonInfo> summarised = pythons;
    if (stored_side) {
      summarised.clear();
      for (const auto& [version, e] : errors)
        summarised.push_back(PythonInfo{"", version, version});
    }
    for (const PythonInfo& py : summarised) {
      const auto& e = errors[py.version];
      if (e.empty()) continue;
      summary += "- Python " + py.full_version +
                 (stored_side ? std::string(" (stored runs)") : " (`" + py.path + "`)") + ": " +
                 std::to_string(e.size()) + " relative metrics, median absolute error " +
                 fmt(100 * median_abs(e)) + "%, largest " +
                 fmt(100 * *std::max_element(e.begin(), e.end())) + "%; " +
                 std::to_string(failures[py.version]) + " outside their tolerance.\n";
      if (!unrepeatable[py.version].empty()) {
        summary +=
            "  Real runs alone spread wider than the tolerance (max - min over the "
            "median), so reality does not repeat to it there: " +
            unrepeatable[py.version] + ".\n";
      }
    }
    for (const std::string& s : skipped) summary += "- Skipped: " + s + "\n";
    if (!stale.empty()) {
      std::string names;
      for (const std::string& n : stale) names += (names.empty() ? "" : ", ") + n;
      summary +=
          "- Skipped, the stored runs having run other work than the scenario now: " + names +
          ".\n";
    }
    if (unchecked) {
      summary +=
          "- The stored runs carry no record of their work (a CSV written before "
          "gilsim recorded it): whether the scenarios changed since is not checked.\n";
    }
    out << "\n" << summary;

    std::string report = "# Validation: gilsim against real CPython\n\n";
    report += "Generated by `gilsim validate " + o.dir;
    for (const std::string& p : o.pythons) report += " --python " + p;
    if (stored_side) report += " --against " + o.against;
    if (!o.profile.empty()) report += " --profile " + o.profile;
    if (o.repeat > 0) report += " --repeat " + std::to_string(o.repeat);
    if (o.replicas != ValidateOptions{}.replicas) {
      report += " --replicas " + std::to_string(o.replicas);
    }
    report += "` on " + today() + ".\n\n";
    report += "- Host: " + host_description() + "\n";
    for (const PythonInfo& py : pythons) {
      report += "- Interpreter: `" + py.path + "`, Python " + py.full_version + "\n";
    }
    if (stored_side) {
      report += "- Measured: the real runs stored in `" + o.against +
                "` (not measured again; the host line is this machine's)\n";
    }
    report +=
        "- Profile: " +
        (o.profile.empty() ? std::string("none (each scenario's own)") : "`" + o.profile + "`") +
        "\n\n## Summary\n\n" + summary + "\n## Metrics\n\n" + "Each scenario is simulated " +
        std::to_string(o.replicas) +
        " times: the simulated runs use the scenario's seed, the same work, and draw the "
        "machine's, the OS's and the GIL's randomness afresh (replicas). It runs for real "
        "as many times as its validation block says" +
        (o.repeat > 0 ? " (here " + std::to_string(o.repeat) + ")" : std::string()) +
        ". Both sides are the median of their runs, with the range. The error is "
        "(simulated median - measured median) / measured median.\n\n" +
        md;
    if (!o.csv_path.empty()) write_file_atomically(o.csv_path, csv);
    if (!o.markdown_path.empty()) write_file_atomically(o.markdown_path, report);
    int failed = 0;
    for (const auto& [v, n] : failures) failed += n;
    return failed > 0 ? 1 : 0;
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
    return 2;
  }
}

}  // namespace gilsim::app
