#include "app/plan.hpp"

#include <cstdio>

#include "app/diagnostics.hpp"
#include "app/json_writer.hpp"
#include "app/version.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

char code_of(models::StepKind kind) {
  switch (kind) {
    case models::StepKind::Cpu:
      return 'c';
    case models::StepKind::CCall:
      return 'C';
    case models::StepKind::Native:
      return 'n';
    case models::StepKind::Io:
      return 'i';
    case models::StepKind::Sleep:
      return 's';
    case models::StepKind::Repeat:
      break;
  }
  return '?';
}

}  // namespace

std::string plan_json(const models::Scenario& s, std::uint64_t seed,
                      const std::string& calibration_json) {
  JsonWriter j;
  j.begin_object();
  j.key("format").value(1);
  j.key("scenario").value(s.name);
  j.key("seed").value(seed);
  j.key("gilsim_version").value(kVersion);
  j.key("version").value(s.gil.version);
  j.key("gil_model")
      .value(s.gil.kind == models::GilKind::Tick             ? "tick"
             : s.gil.kind == models::GilKind::SwitchInterval ? "switch_interval"
                                                             : "none");
  j.key("switch_interval_s").value(sim::to_seconds(s.gil.switch_interval));
  j.key("check_interval").value(s.gil.check_interval);
  if (s.stop) {
    j.key("stop_s").value(sim::to_seconds(*s.stop));
  } else {
    j.key("stop_s").null();
  }
  if (s.stop_after) {  // the index of the group whose end ends the run (absent: none)
    j.key("stop_after").value(s.group_index(*s.stop_after));
  }
  j.key("logical_cpus").value(s.machine.logical_cpus());
  j.key("calibration").raw(calibration_json);
  std::int64_t total = 0;
  j.key("groups").begin_array();
  for (const models::ThreadGroup& g : s.groups) {
    const std::vector<models::Instr> code = models::compile(g.program);
    j.begin_object().key("name").value(g.name).key("threads").begin_array();
    for (int i = 0; i < g.count; ++i) {
      models::ProgramCursor cursor(code, sim::Rng(seed, models::program_stream(g.name, i)));
      const sim::Time start = g.start.sample(cursor.rng());
      std::string kinds;
      std::string durations = "[";
      sim::Time at = start;
      models::StepKind kind;
      sim::Time d = 0;
      // A thread cannot do more work than fits before the stop, since its steps take at least
      // their durations; a quarter more keeps a real run that goes faster than planned (a
      // free-threaded build has no GIL to wait for) from running out of steps.
      const sim::Time bound = s.stop ? *s.stop + *s.stop / 4 + 10 * sim::kMillisecond : 0;
      bool truncated = false;
      while (cursor.next(kind, d)) {
        if (s.stop && at >= bound) {
          truncated = true;
          break;
        }
        if (++total > kMaxPlanSteps) {
          throw InputError(Diagnostic{s.name, 0, 0, "",
                                      "too long to replay for real: more than " +
                                          std::to_string(kMaxPlanSteps) +
                                          " steps (shorten its loops or its stop time)"});
        }
        kinds += code_of(kind);
        if (durations.size() > 1) durations += ',';
        durations += std::to_string(d);
        at += d;
      }
      durations += ']';
      j.begin_object();
      j.key("start_s").value(sim::to_seconds(start));
      j.key("kinds").value(kinds);
      j.key("durations_ns").raw(durations);
      j.key("truncated").value(truncated);  // the program goes on past the stop
      j.end_object();
    }
    j.end_array().end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

std::string plan_fingerprint(const models::Scenario& scenario, std::uint64_t seed) {
  models::Scenario s = scenario;
  s.machine = {};  // the plan names the host's CPU count, which is no part of the work
  std::string text = plan_json(s, seed);
  const std::string key = "\"gilsim_version\":";
  const std::size_t at = text.find(key);
  if (at != std::string::npos) text.erase(at, text.find(',', at) + 1 - at);
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace gilsim::app
