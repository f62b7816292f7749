#include <cmath>
#include <cstdio>

#include "app/report.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string lpad(std::string s, std::size_t width) {
  if (s.size() < width) s.insert(0, width - s.size(), ' ');
  return s;
}

}  // namespace

std::string human_duration(double ns) {
  const double a = std::fabs(ns);
  const char* unit = "ns";
  double v = ns;
  if (a >= 1e9) {
    unit = "s";
    v = ns / 1e9;
  } else if (a >= 1e6) {
    unit = "ms";
    v = ns / 1e6;
  } else if (a >= 1e3) {
    unit = "us";
    v = ns / 1e3;
  }
  const double av = std::fabs(v);
  const int digits = av == 0 ? 0 : av < 10 ? 2 : av < 100 ? 1 : 0;
  return fixed(v, digits) + " " + unit;
}

std::string summary_text(const models::Scenario& s, const models::RunResult& r,
                         double wall_seconds) {
  using models::TimeCat;
  std::string out;
  out += s.name + "  (CPython " + s.gil.version + ", " +
         std::string(models::gil_kind_name(s.gil.kind)) + "; " + std::to_string(s.machine.cores) +
         " cores x " + std::to_string(s.machine.threads_per_core) + " = " +
         std::to_string(r.logical_cpus) + " logical CPUs; seed " + std::to_string(r.seed) + ")\n";
  const bool at_limit = s.stop && r.makespan >= *s.stop;
  const std::string stopped = !r.stopped ? ""
                              : at_limit || !s.stop_after
                                  ? " (stopped at the time limit)"
                                  : " (stopped when group " + *s.stop_after + " ended)";
  out += "  makespan " + human_duration(double(r.makespan)) + stopped + "   serial " +
         human_duration(r.serial) + "   speedup " + fixed(r.speedup(), 2) + "x   CPU " +
         fixed(100 * r.cpu_utilization(), 1) + "% of " + std::to_string(r.logical_cpus) +
         " logical CPUs\n";
  out += "  GIL: " + std::to_string(r.gil.switches) + " switches";
  if (s.gil.kind == models::GilKind::SwitchInterval) {
    out += ", " + std::to_string(r.gil.drop_requests) + " drop requests";
    if (r.gil.forced_switches > 0) {
      models::ForcedSwitchWinners all;
      for (const auto* w : {&r.gil.from_other_cpu, &r.gil.from_holder_cpu, &r.gil.no_request}) {
        all.requester += w->requester;
        all.back += w->back;
        all.other += w->other;
      }
      out += " (forced switches to the requester " + std::to_string(all.requester) +
             ", back to the previous holder " + std::to_string(all.back) + ", to another thread " +
             std::to_string(all.other) + ")";
    }
  } else if (s.gil.kind == models::GilKind::Tick) {
    out += ", " + std::to_string(r.gil.failed_acquisitions) + " failed wake-ups, " +
           std::to_string(r.gil.wake_syscalls) + " wake system calls (" +
           std::to_string(r.gil.waiters_woken) + " woke a waiter)";
    if (r.gil.contended_releases > 0) {
      out += ", " + std::to_string(r.gil.contended_releases) + " contended releases";
    }
  }
  if (r.gil_wait.count() > 0) {
    out += "; wait to acquire p50 " + human_duration(double(r.gil_wait.quantile(0.5))) + ", p90 " +
           human_duration(double(r.gil_wait.quantile(0.9))) + ", p99 " +
           human_duration(double(r.gil_wait.quantile(0.99))) + ", max " +
           human_duration(double(r.gil_wait.max()));
  }
  out += "\n";
  const models::ForcedSwitchWinners& other = r.gil.from_other_cpu;
  const models::ForcedSwitchWinners& blocked = r.gil.mutex_blocked;
  if (s.gil.kind == models::GilKind::SwitchInterval &&
      s.gil.condvar == models::CondvarModel::Glibc && other.requester + other.other > 0) {
    auto share = [](std::uint64_t won, std::uint64_t all) {
      return all == 0 ? std::string("-") : fixed(100.0 * double(won) / double(all), 0) + "%";
    };
    const std::uint64_t b_all = blocked.requester + blocked.back + blocked.other;
    const std::uint64_t o_all = other.requester + other.back + other.other;
    out += "  requests from the other CPU: the requester won " +
           share(other.requester - blocked.requester, o_all - b_all) +
           " where the dropper did not block on the GIL's mutex, " +
           share(blocked.requester, b_all) + " of " + std::to_string(b_all) + " where it did\n";
  }
  out += "  " + pad("group", 12) + lpad("threads", 8) + lpad("finish", 11) + lpad("python", 11) +
         lpad("native", 11) + lpad("io", 11) + lpad("gil wait", 11) + lpad("cpu wait", 11) +
         lpad("kernel", 11) + "   io->GIL p50/p99\n";
  for (const models::GroupResult& g : r.groups) {
    auto t = [&](TimeCat c) { return lpad(human_duration(double(g.split[std::size_t(c)])), 11); };
    out += "  " + pad(g.name, 12) + lpad(std::to_string(g.count), 8) +
           lpad(human_duration(double(g.finish)), 11) + t(TimeCat::Cpu) + t(TimeCat::Native) +
           t(TimeCat::Io) + t(TimeCat::GilWait) + t(TimeCat::CpuWait) + t(TimeCat::Sys);
    if (g.io_resume.count() > 0) {
      out += "   " + human_duration(double(g.io_resume.quantile(0.5))) + " / " +
             human_duration(double(g.io_resume.quantile(0.99)));
    } else {
      out += "   -";
    }
    out += "\n";
  }
  out += "  (times are summed over each group's threads)\n";
  if (wall_seconds >= 0) {
    const double sim_s = double(r.makespan) / 1e9;
    out += "  simulated " + human_duration(double(r.makespan)) + " in " +
           human_duration(wall_seconds * 1e9) + " of wall time: " + std::to_string(r.events) +
           " events";
    if (wall_seconds > 0) {
      out += ", " + fixed(double(r.events) / wall_seconds / 1e6, 1) + " M events/s, " +
             fixed(sim_s / wall_seconds, 0) + " simulated s per wall s";
    }
    out += "\n";
  }
  return out;
}

}  // namespace gilsim::app
