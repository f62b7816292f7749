// gilsim validate: for every scenario with a validation block, simulate it and measure it for
// real on each interpreter it applies to, and compare the metrics it declares. The table goes
// to the terminal, a CSV file and a Markdown report (app/validate_report.cpp writes them).
#include <algorithm>
#include <cmath>
#include <filesystem>
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
#include "app/validate_report.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

// One (scenario, interpreter) pair: its simulated replicas, and its real runs (taken in
// rounds) or the runs an earlier validate stored for it.
struct Job {
  std::string scenario;
  std::string version;
  std::string work;
  Spread simulated;
  const std::vector<MetricCheck>* checks = nullptr;
  const StoredRuns* stored_runs = nullptr;
  std::unique_ptr<RealRuns> runs;
};

bool get(const YAML::Node& tree, const std::string& path, double& v) {
  Measurement m;
  return m.get(tree, path, v);
}

std::vector<std::string> scenario_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  if (ec) throw InputError(Diagnostic{dir, 0, 0, "", "cannot read the directory: " + ec.message()});
  std::sort(files.begin(), files.end());
  if (files.empty()) throw InputError(Diagnostic{dir, 0, 0, "", "holds no .yaml scenarios"});
  return files;
}

// The interpreters a scenario is measured on: those given that it declares, or (--against)
// the versions it declares that the stored runs have, standing in by version alone.
std::vector<PythonInfo> targets_of(const LoadedScenario& ls, const std::vector<PythonInfo>& pythons,
                                   const StoredMeasurements* stored) {
  const auto& versions = ls.validation->versions;
  std::vector<PythonInfo> targets;
  if (stored != nullptr) {
    const auto it = stored->find(ls.scenario.name);
    for (const std::string& v : versions) {
      if (it != stored->end() && it->second.count(v)) targets.push_back(PythonInfo{"", v, v});
    }
    return targets;
  }
  for (const PythonInfo& py : pythons) {
    if (std::find(versions.begin(), versions.end(), py.version) != versions.end()) {
      targets.push_back(py);
    }
  }
  return targets;
}

// Simulated runs with the same work and the environment's randomness drawn afresh for each
// (replicas), compared median to median with the real runs.
Spread simulate_replicas(const models::Scenario& s, std::uint64_t seed, int replicas) {
  std::vector<YAML::Node> runs;
  for (int k = 0; k < replicas; ++k) {
    runs.push_back(
        YAML::Load(result_json(s, models::simulate(s, seed, nullptr, std::uint64_t(k)))));
  }
  return spread_of(runs);
}

// The real runs, interleaved: one repetition of every scenario, then the next round.
void run_rounds(std::vector<Job>& jobs, std::ostream& err) {
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
}

std::vector<ValidationRow> compare(const std::vector<Job>& jobs) {
  std::vector<ValidationRow> rows;
  for (const Job& job : jobs) {
    Measurement m;
    if (job.runs != nullptr) m = job.runs->result();
    for (const MetricCheck& check : *job.checks) {
      ValidationRow r;
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
  return rows;
}

}  // namespace

int cmd_validate(const ValidateOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const std::vector<std::string> files = scenario_files(o.dir);
    // Every scenario is checked before anything is measured.
    std::vector<LoadedScenario> loaded;
    for (const std::string& f : files) loaded.push_back(load_scenario_file(f, {{}, o.profile}));

    // The measured side: real runs on the interpreters given, or runs stored by an earlier
    // validate (--against).
    const bool stored_side = !o.against.empty();
    const StoredMeasurements stored =
        stored_side ? read_stored_measurements(o.against) : StoredMeasurements{};
    ValidationContext context;
    context.options = &o;
    for (const std::string& p : o.pythons) {
      try {
        context.pythons.push_back(probe_python(p));
      } catch (const InputError& e) {
        context.skipped.push_back(e.diagnostics().front().format());
        err << "gilsim: skipping " << e.diagnostics().front().format() << "\n";
      }
    }
    if (!stored_side && context.pythons.empty()) {
      throw InputError(Diagnostic{o.pythons.front(), 0, 0, "", "no usable interpreter given"});
    }

    std::vector<Job> jobs;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const LoadedScenario& ls = loaded[i];
      if (!ls.validation) {
        err << "gilsim: " << files[i] << ": no validation block; skipped\n";
        continue;
      }
      for (const PythonInfo& py :
           targets_of(ls, context.pythons, stored_side ? &stored : nullptr)) {
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
          if (job.stored_runs->work.empty()) context.unchecked = true;
          if (!job.stored_runs->work.empty() && job.stored_runs->work != job.work) {
            context.stale.push_back(s.name + " (" + py.version + ")");
            err << "gilsim: " << files[i] << ": the runs stored for " << py.version
                << " ran other work than the scenario describes now (it changed since); "
                   "skipped\n";
            continue;
          }
        }
        job.simulated = simulate_replicas(s, seed, o.replicas);
        if (!stored_side) {
          MeasureSettings settings;
          settings.repeat = o.repeat > 0 ? o.repeat : ls.validation->repeat;
          job.runs = std::make_unique<RealRuns>(s, seed, py, settings, err);
        }
        jobs.push_back(std::move(job));
      }
    }
    run_rounds(jobs, err);

    const ValidationOutputs outputs = render_validation(compare(jobs), context);
    out << outputs.table;
    if (!o.csv_path.empty()) write_file_atomically(o.csv_path, outputs.csv);
    if (!o.markdown_path.empty()) write_file_atomically(o.markdown_path, outputs.markdown);
    return outputs.outside > 0 ? 1 : 0;
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
    return 2;
  }
}

}  // namespace gilsim::app
