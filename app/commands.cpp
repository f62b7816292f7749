#include "app/commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "app/diagnostics.hpp"
#include "app/measure.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "app/trace_writer.hpp"
#include "models/world.hpp"

namespace gilsim::app {

namespace {

std::string temp_name(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

// A path that exists and is neither a regular file nor a directory (/dev/null, /dev/stdout, a
// named pipe) is written in place: renaming a temporary file over it would replace the device.
bool is_special_file(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  return !ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st) &&
         !std::filesystem::is_directory(st);
}

void write_in_place(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (f) f << text << std::flush;
  if (!f) {
    const std::error_code ec(errno, std::generic_category());
    throw InputError(Diagnostic{path, 0, 0, "", "cannot write: " + ec.message()});
  }
}

// Writes `text` to the temporary name of `path`; removes it and throws on failure.
void write_temp(const std::string& path, const std::string& text) {
  const std::string tmp = temp_name(path);
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  if (!f) {
    const std::error_code ec(errno, std::generic_category());
    throw InputError(Diagnostic{path, 0, 0, "", "cannot write: " + ec.message()});
  }
  f << text;
  f.flush();
  if (!f) {
    f.close();
    std::remove(tmp.c_str());
    throw InputError(Diagnostic{path, 0, 0, "", "cannot write (disk full?)"});
  }
}

}  // namespace

void write_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  // Every file is written in full under a temporary name first: a failure leaves no output.
  // Special files (a device, a pipe) cannot be staged; they are written last, in place.
  std::vector<std::pair<std::string, std::string>> regular;
  std::vector<std::pair<std::string, std::string>> special;
  for (const auto& file : files) (is_special_file(file.first) ? special : regular).push_back(file);
  std::size_t written = 0;
  try {
    for (const auto& [path, text] : regular) {
      write_temp(path, text);
      ++written;
    }
  } catch (...) {
    for (std::size_t i = 0; i < written; ++i) std::remove(temp_name(regular[i].first).c_str());
    throw;
  }
  for (std::size_t i = 0; i < regular.size(); ++i) {
    const std::string& path = regular[i].first;
    if (std::rename(temp_name(path).c_str(), path.c_str()) != 0) {
      const std::error_code ec(errno, std::generic_category());
      for (std::size_t j = i; j < regular.size(); ++j) {
        std::remove(temp_name(regular[j].first).c_str());
      }
      throw InputError(Diagnostic{path, 0, 0, "", "cannot write: " + ec.message()});
    }
  }
  for (const auto& [path, text] : special) write_in_place(path, text);
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_files_atomically({{path, text}});
}

namespace {

int report_input_error(const InputError& e, std::ostream& err) {
  for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
  return 2;
}

}  // namespace

int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const models::Scenario scenario = load_scenario_file(o.file, {o.sets, o.profile}).scenario;
    const std::uint64_t seed = o.seed.value_or(scenario.seed);
    std::optional<TraceWriter> trace;
    if (!o.trace_path.empty()) trace.emplace(scenario);
    const auto t0 = std::chrono::steady_clock::now();
    const models::RunResult result = models::simulate(scenario, seed, trace ? &*trace : nullptr);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string json = result_json(scenario, result);
    std::vector<std::pair<std::string, std::string>> files;
    if (!o.json_path.empty() && o.json_path != "-") files.emplace_back(o.json_path, json);
    if (trace) files.emplace_back(o.trace_path, trace->text());
    write_files_atomically(files);
    if (o.json_path == "-") {
      out << json;
      if (!o.quiet) err << summary_text(scenario, result, wall);
      return 0;
    }
    if (!o.quiet) out << summary_text(scenario, result, wall);
    return 0;
  } catch (const InputError& e) {
    return report_input_error(e, err);
  }
}

int cmd_check(const std::string& file, const std::vector<std::string>& sets,
              const std::string& profile, std::ostream& out, std::ostream& err) {
  try {
    const models::Scenario scenario = load_scenario_file(file, {sets, profile}).scenario;
    out << resolved_yaml(scenario);
    return 0;
  } catch (const InputError& e) {
    return report_input_error(e, err);
  }
}

namespace {

std::string with_range(const Measurement& m, const std::string& path, double scale,
                       const char* unit) {
  double mid = 0, lo = 0, hi = 0;
  if (!m.get(m.median, path, mid)) return "-";
  m.get(m.min, path, lo);
  m.get(m.max, path, hi);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.3g%s [%.3g-%.3g]", mid * scale, unit, lo * scale, hi * scale);
  return buf;
}

}  // namespace

int cmd_measure(const MeasureOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const PythonInfo python = probe_python(o.python);
    models::Scenario scenario = load_scenario_file(o.file, {o.sets, o.profile}).scenario;
    if (const auto sets = version_sets(scenario, python); !sets.empty()) {
      err << "gilsim: measuring on Python " << python.version << " (the scenario says "
          << scenario.gil.version << ")\n";
      std::vector<std::string> all = o.sets;
      all.insert(all.end(), sets.begin(), sets.end());
      scenario = load_scenario_file(o.file, {all, o.profile}).scenario;
    }
    MeasureSettings settings;
    settings.repeat = o.repeat;
    const std::uint64_t seed = o.seed.value_or(scenario.seed);
    const Measurement m = measure(scenario, seed, python, settings, err);
    const std::string json = m.json();
    if (o.json_path == "-") {
      out << json;
    } else if (!o.json_path.empty()) {
      write_file_atomically(o.json_path, json);
    }
    std::ostream& text = o.json_path == "-" ? err : out;
    text << scenario.name << " measured on Python " << python.full_version << " (" << m.repetitions
         << " runs; median [min-max])\n";
    text << "  makespan " << with_range(m, "makespan_s", 1, " s") << "   speedup "
         << with_range(m, "speedup", 1, "x") << "   CPU "
         << with_range(m, "cpu_utilization", 100, "%") << "\n";
    for (const models::ThreadGroup& g : scenario.groups) {
      const std::string p = "groups." + g.name + ".";
      text << "  " << g.name << ": finish " << with_range(m, p + "finish_s", 1, " s");
      double calls = 0;
      if (m.get(m.median, p + "io_resume_latency_s.count", calls) && calls > 0) {
        text << ", io->GIL p50 " << with_range(m, p + "io_resume_latency_s.p50", 1e3, " ms")
             << ", p99 " << with_range(m, p + "io_resume_latency_s.p99", 1e3, " ms");
      }
      text << "\n";
    }
    return 0;
  } catch (const InputError& e) {
    return report_input_error(e, err);
  }
}

}  // namespace gilsim::app
