#include "app/json_writer.hpp"
#include "app/report.hpp"
#include "app/version.hpp"
#include "models/gil/versions.hpp"

namespace gilsim::app {
namespace {

double secs(double ns) {
  return ns / 1e9;
}

void percentiles(JsonWriter& j, const sim::Histogram& h) {
  j.begin_object();
  j.key("count").value(h.count());
  j.key("mean").value(secs(h.mean()));
  j.key("p50").value(secs(double(h.quantile(0.50))));
  j.key("p90").value(secs(double(h.quantile(0.90))));
  j.key("p99").value(secs(double(h.quantile(0.99))));
  j.key("max").value(secs(double(h.max())));
  j.end_object();
}

const char* model_id(models::GilKind kind) {
  switch (kind) {
    case models::GilKind::Tick:
      return "tick";
    case models::GilKind::SwitchInterval:
      return "switch_interval";
    case models::GilKind::None:
      return "none";
  }
  return "?";
}

}  // namespace

std::string result_json(const models::Scenario& s, const models::RunResult& r) {
  using models::TimeCat;
  JsonWriter j;
  j.begin_object();
  j.key("scenario").value(s.name);
  j.key("seed").value(r.seed);
  j.key("gilsim_version").value(kVersion);
  j.key("interpreter").value(s.gil.version);
  j.key("gil_model").value(model_id(s.gil.kind));
  j.key("logical_cpus").value(r.logical_cpus);
  j.key("makespan_s").value(secs(double(r.makespan)));
  j.key("stopped").value(r.stopped);
  j.key("serial_s").value(secs(r.serial));
  j.key("speedup").value(r.speedup());
  j.key("cpu_utilization").value(r.cpu_utilization());
  j.key("gil").begin_object();
  j.key("acquisitions").value(r.gil.acquisitions);
  j.key("switches").value(r.gil.switches);
  j.key("drop_requests").value(r.gil.drop_requests);
  j.key("forced_switches").value(r.gil.forced_switches);
  j.key("failed_acquisitions").value(r.gil.failed_acquisitions);
  j.key("wake_syscalls").value(r.gil.wake_syscalls);
  j.key("waiters_woken").value(r.gil.waiters_woken);
  j.key("contended_releases").value(r.gil.contended_releases);
  j.key("forced_switch_winners").begin_object();
  for (const auto& [name, by] :
       {std::pair{"other_cpu", &r.gil.from_other_cpu},
        std::pair{"same_cpu", &r.gil.from_holder_cpu}, std::pair{"no_request", &r.gil.no_request},
        std::pair{"other_cpu_mutex_blocked", &r.gil.mutex_blocked}}) {
    j.key(name).begin_object();
    j.key("requester").value(by->requester);
    j.key("back").value(by->back);
    j.key("other").value(by->other);
    j.end_object();
  }
  j.end_object();
  j.key("wait_s");
  percentiles(j, r.gil_wait);
  j.end_object();
  j.key("groups").begin_object();
  for (const models::GroupResult& g : r.groups) {
    auto t = [&](TimeCat c) { return secs(double(g.split[std::size_t(c)])); };
    j.key(g.name).begin_object();
    j.key("count").value(g.count);
    j.key("finished").value(g.finished);
    j.key("finish_s").value(secs(double(g.finish)));
    j.key("cpu_s").value(t(TimeCat::Cpu));
    j.key("native_s").value(t(TimeCat::Native));
    j.key("sys_s").value(t(TimeCat::Sys));
    j.key("io_s").value(t(TimeCat::Io));
    j.key("gil_wait_s").value(t(TimeCat::GilWait));
    j.key("cpu_wait_s").value(t(TimeCat::CpuWait));
    j.key("serial_s").value(secs(g.serial));
    j.key("gil_acquire_wait_s");
    percentiles(j, g.gil_wait);
    j.key("io_resume_latency_s");
    percentiles(j, g.io_resume);
    j.end_object();
  }
  j.end_object();
  j.key("os").begin_object();
  j.key("context_switches").value(r.context_switches);
  j.key("preemptions").value(r.preemptions);
  j.end_object();
  j.key("events").value(r.events);
  j.end_object();
  return j.str();
}

}  // namespace gilsim::app
