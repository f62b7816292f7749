#include "app/calibrate.hpp"

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "app/commands.hpp"
#include "app/diagnostics.hpp"
#include "app/json_writer.hpp"
#include "app/measure.hpp"
#include "app/python_runner.hpp"

namespace gilsim::app {
namespace {

/// Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > hi) return -normal_quantile(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

double num(const YAML::Node& n, double fallback = 0) {
  if (!n || !n.IsScalar()) return fallback;
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    return fallback;
  }
}

std::string us(double seconds) {  // a duration for the profile, in whole nanoseconds
  return sim::format_duration(sim::Time(std::llround(std::max(0.0, seconds) * 1e9)));
}

std::string round3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string list(const std::vector<double>& v, double scale) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + round3(v[i] * scale);
  return s + "]";
}

std::string today() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

LinearFit fit_linear(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  const auto n = Eigen::Index(y.size());
  const auto k = Eigen::Index(x.empty() ? 0 : x.front().size());
  Eigen::MatrixXd design(n, k + 1);
  Eigen::VectorXd target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    design(i, 0) = 1;
    for (Eigen::Index j = 0; j < k; ++j) design(i, j + 1) = x[std::size_t(i)][std::size_t(j)];
    target(i) = y[std::size_t(i)];
  }
  const Eigen::VectorXd b = design.colPivHouseholderQr().solve(target);
  const Eigen::VectorXd r = target - design * b;
  LinearFit fit;
  fit.coefficients.assign(b.data(), b.data() + b.size());
  fit.residuals.assign(r.data(), r.data() + r.size());
  fit.rms = n > 0 ? std::sqrt(r.squaredNorm() / double(n)) : 0;
  return fit;
}

LinearFit fit_lognormal(const std::vector<double>& probabilities,
                        const std::vector<double>& quantiles) {
  std::vector<std::vector<double>> z;
  std::vector<double> y;
  for (std::size_t i = 0; i < probabilities.size(); ++i) {
    z.push_back({normal_quantile(probabilities[i])});
    y.push_back(std::log(std::max(quantiles[i], 1e-9)));
  }
  LinearFit f = fit_linear(z, y);
  f.coefficients[0] = std::exp(f.coefficients[0]);  // median
  return f;
}

namespace {

/// This interpreter's entry for the profile's `interpreters:` map (flow YAML), from the loop
/// rate of the replayer: the tick GIL counts two ticks per iteration of its loop; 3.10+ reaches
/// an eval-breaker check point once per iteration (the backward jump), <= 3.9 about twice.
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool tick_gil_version(const std::string& version) {
  return version.rfind("2.", 0) == 0 || version == "3.0" || version == "3.1";
}

std::string interpreter_entry(const YAML::Node& m) {
  const std::string version = m["python"]["version"].Scalar();
  const double spin = num(m["kernels"]["spin_per_s"], 1e7);
  const int major = version[0] - '0';
  int minor = 0;
  try {
    minor = std::stoi(version.substr(2));
  } catch (...) {
  }
  if (!version.empty() && version.back() == 't') return "{}";
  if (major == 2 || (major == 3 && minor <= 1)) {
    const double wake = num(m["release_s"]["wake_cost"], 5e-6);
    std::string entry = "{tick_cost: " + us(1 / (2 * spin)) +
                        ", release_syscall: {uniform: {min: " + us(wake / 2) +
                        ", max: " + us(1.5 * wake) + "}}";
    const YAML::Node empty = m["release_s"]["empty_wake_cost"];
    if (empty && empty.IsScalar() && empty.Scalar() != "null") {
      const double e = num(empty, 1e-6);
      entry +=
          ", empty_wake_syscall: {uniform: {min: " + us(e / 2) + ", max: " + us(1.5 * e) + "}}";
    }
    return entry + "}";
  }
  const double per_check = minor <= 9 ? 1 / (2 * spin) : 1 / spin;
  return "{check_gap: " + us(per_check) + "}";
}

}  // namespace

std::string profile_yaml(const YAML::Node& m, const std::string& python_path,
                         const YAML::Node& existing) {
  const double ctx = 2e-6;  // the model's default context switch, part of every measured wake
  // GIL hand-off gaps between two CPU-bound threads: the signalled waiter's wake-up (plus a
  // context switch), the model's wakeup_latency. The old GIL hands off by a race, not by a
  // signalled wake-up: there, a thread blocked on a lock and released by another says it.
  const bool tick = tick_gil_version(m["python"]["version"].Scalar());
  const YAML::Node gap = tick ? m["wake_latency_s"]["quantiles"] : m["handoffs"]["2"]["gap_s"];
  const std::vector<double> ps = {0.1, 0.5, 0.9};
  std::vector<double> qs;
  for (const char* k : {"p10", "p50", "p90"}) qs.push_back(std::max(1e-6, num(gap[k]) - ctx));
  const LinearFit wake = fit_lognormal(ps, qs);
  const double wake_median = wake.coefficients[0];
  const double wake_sigma = std::max(0.0, wake.coefficients[1]);
  // Sleep overshoot against the duration: overshoot = a + b d; a is timer slack plus a wake-up.
  std::vector<std::vector<double>> d;
  std::vector<double> over;
  for (auto it = m["sleep_overshoot_s"].begin(); it != m["sleep_overshoot_s"].end(); ++it) {
    d.push_back({num(it->first)});
    over.push_back(num(it->second));
  }
  const LinearFit sleep = fit_linear(d, over);
  const double slack = std::max(0.0, sleep.coefficients[0] - wake_median - ctx);
  // How much longer than the interval a holder runs, against the number of threads.
  std::vector<std::vector<double>> nthreads;
  std::vector<double> excess;
  for (auto it = m["handoffs"].begin(); it != m["handoffs"].end(); ++it) {
    if (!it->second["run_s"] || it->second["run_s"].IsNull()) continue;
    nthreads.push_back({num(it->first)});
    excess.push_back(num(it->second["run_s"]["p50"]) - num(it->second["interval_s"]));
  }
  const LinearFit runs = fit_linear(nthreads, excess);
  // Effective parallelism: N busy processes against one.
  const int cpus = int(num(m["logical_cpus"], 1));
  const double one = num(m["parallelism"]["1"], 1);
  const double all = num(m["parallelism"][std::to_string(cpus)], one) / one;
  int cores = cpus, per_core = 1;
  double smt = 1.25;
  if (cpus >= 2 && all < 0.9 * cpus) {
    // Less than the CPUs' worth: share them as hyperthread pairs do (SMT, or a CPU quota).
    per_core = 2;
    cores = cpus / 2;
    smt = std::clamp(2 * all / cpus, 1.0, 2.0);
  }
  const YAML::Node k = m["kernels"];
  std::string y;
  y += "# gilsim calibration profile, written by `gilsim calibrate`.\n";
  y += "# Host: " + host_description() + "\n";
  y += "# Python: " + python_path + " (" + m["python"]["full_version"].Scalar() + "), " + today() +
       "\n";
  y += "# Scenarios use it with `profile: PATH` or `--profile PATH`: the machine and os\n";
  y += "# sections become their defaults (a scenario's own values still win).\n";
  y += "machine:\n";
  y += "  cores: " + std::to_string(cores) + "\n";
  y += "  threads_per_core: " + std::to_string(per_core) + "\n";
  y += "  smt_throughput: " + round3(smt) + "  # " + round3(all) + " CPUs' worth from " +
       std::to_string(cpus) + " busy processes\n";
  y += "os:\n";
  y += "  wakeup_latency: {lognormal: {median: " + us(wake_median) +
       ", sigma: " + round3(wake_sigma) + "}}\n";
  y += "  timer_slack: " + us(slack) + "\n";
  // Interpreter-specific entries: this one, plus those of other interpreters calibrated into
  // the same profile before.
  const std::string version = m["python"]["version"].Scalar();
  y += "interpreters:  # applied to scenarios for that version\n";
  if (existing && existing["interpreters"] && existing["interpreters"].IsMap()) {
    for (auto it = existing["interpreters"].begin(); it != existing["interpreters"].end(); ++it) {
      if (it->first.Scalar() == version) continue;
      YAML::Emitter e;
      e << YAML::Flow << it->second;
      y += "  \"" + it->first.Scalar() + "\": " + e.c_str() + "\n";
    }
  }
  y += "  \"" + version + "\": " + interpreter_entry(m) + "\n";
  y += "calibration:\n";
  y += "  python: " + JsonWriter().value(python_path).str();
  y.pop_back();
  y += "\n  version: \"" + m["python"]["version"].Scalar() + "\"\n";
  y += "  full_version: \"" + m["python"]["full_version"].Scalar() + "\"\n";
  y += "  host: " + JsonWriter().value(host_description()).str();
  y.pop_back();
  y += "\n  date: " + today() + "\n";
  y += "  replay:  # the replayer's work kernels (per second)\n";
  y += "    spin_per_s: " + round3(num(k["spin_per_s"])) + "\n";
  y += "    spin_burst_per_s: " + round3(num(k["spin_burst_per_s"])) +
       "  # right after a blocking call\n";
  y += "    burst_slowdown: " + round3(num(k["spin_per_s"]) / num(k["spin_burst_per_s"], 1)) + "\n";
  y += "    c_call_per_s: " + round3(num(k["c_call_per_s"])) + "\n";
  y += "    native_bytes_per_s: " + round3(num(k["native_bytes_per_s"])) + "\n";
  y += "    native_kernel: " + k["native_kernel"].Scalar() + "\n";
  const YAML::Node lock = m["wake_latency_s"]["quantiles"];
  y += "  wake_latency_through_a_lock_us: {p10: " + round3(num(lock["p10"]) * 1e6) +
       ", p50: " + round3(num(lock["p50"]) * 1e6) + ", p90: " + round3(num(lock["p90"]) * 1e6) +
       "}\n";
  const YAML::Node start = m["thread_start_s"];
  y += "  thread_start_us: {p10: " + round3(num(start["p10"]) * 1e6) +
       ", p50: " + round3(num(start["p50"]) * 1e6) + ", p90: " + round3(num(start["p90"]) * 1e6) +
       "}\n";
  y += "  parallelism:  # throughput of N busy processes against one\n";
  for (int n = 1; n <= cpus + 1; ++n) {
    y += "    " + std::to_string(n) + ": " +
         round3(num(m["parallelism"][std::to_string(n)], one) / one) + "\n";
  }
  y += "  fits:  # least squares; residuals in the units given\n";
  y += "    wakeup_latency:\n";
  y += std::string("      model: ln(gap - context_switch) = ln(median) + sigma * z(p), ") +
       (tick ? "wake-ups through a lock" : "GIL hand-off gaps of 2 threads") +
       " at p10, p50, p90\n";
  y += "      median_us: " + round3(wake_median * 1e6) + "\n";
  y += "      sigma: " + round3(wake_sigma) + "\n";
  y += "      residuals_ln: " + list(wake.residuals, 1) + "\n";
  y += "    sleep_overshoot:\n";
  y += "      model: overshoot = a + b * duration; timer_slack = a - wakeup median - context "
       "switch\n";
  y += "      a_us: " + round3(sleep.coefficients[0] * 1e6) + "\n";
  y += "      b: " + round3(sleep.coefficients[1]) + "\n";
  y += "      residuals_us: " + list(sleep.residuals, 1e6) + "\n";
  y += "      rms_us: " + round3(sleep.rms * 1e6) + "\n";
  y += "    switch_run_excess:\n";
  y += "      model: holder run p50 - switch interval = a + b * threads (the model predicts about "
       "three wake-ups)\n";
  if (runs.coefficients.size() == 2) {
    y += "      a_us: " + round3(runs.coefficients[0] * 1e6) + "\n";
    y += "      b_us: " + round3(runs.coefficients[1] * 1e6) + "\n";
  }
  y += "      residuals_us: " + list(runs.residuals, 1e6) + "\n";
  y += "      rms_us: " + round3(runs.rms * 1e6) + "\n";
  return y;
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

int cmd_calibrate(const CalibrateOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const PythonInfo python = probe_python(o.python);
    HarnessDir dir;
    err << "gilsim: calibrating with Python " << python.full_version << (o.quick ? " (quick)" : "")
        << "; this takes about " << (o.quick ? "5 s" : "15 s") << "\n";
    const double load = wait_for_quiet(0.25, 60);
    if (load > 0.25) err << "gilsim: the machine is busy (" << load << " CPUs); measuring anyway\n";
    std::vector<std::string> args = {dir.script("calibrate.py")};
    if (o.quick) args.emplace_back("--quick");
    const RunOutput r = run_python(python.path, args, dir.path(), 900);
    if (r.exit_code != 0 || r.timed_out) {
      throw InputError(Diagnostic{
          python.path, 0, 0, "",
          "the calibration failed: " + r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1)});
    }
    const YAML::Node measured = YAML::Load(r.out);
    const std::string path = o.out.empty() ? "profiles/" + python.version + ".yaml" : o.out;
    YAML::Node existing;
    try {
      if (std::filesystem::exists(path)) existing = YAML::LoadFile(path);
    } catch (const YAML::Exception&) {
    }
    // The host sections come from a new-GIL calibration when the profile has one: an old-GIL
    // interpreter (whose hand-offs are races, and whose wake-ups are measured less directly)
    // only adds its own entry to it.
    const std::string version = measured["python"]["version"].Scalar();
    std::string profile;
    if (tick_gil_version(version) && existing && existing["machine"] && existing["os"]) {
      profile = with_interpreter_entry(read_file(path), version, interpreter_entry(measured));
      err << "gilsim: " << path << " keeps its machine and os sections; Python " << version
          << " adds its interpreter entry\n";
    } else {
      profile = profile_yaml(measured, python.path, existing);
    }
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    write_file_atomically(path, profile);
    out << profile << "# written to " << path << "\n";
    return 0;
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
    return 2;
  }
}

}  // namespace gilsim::app
