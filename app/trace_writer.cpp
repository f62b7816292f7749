#include "app/trace_writer.hpp"

#include <algorithm>
#include <cstdio>

namespace gilsim::app {

namespace {

const char* state_name(models::TimeCat cat) {
  switch (cat) {
    case models::TimeCat::Cpu:
      return "cpu";
    case models::TimeCat::Native:
      return "native";
    case models::TimeCat::Sys:
      return "sys";
    case models::TimeCat::Io:
      return "io";
    case models::TimeCat::GilWait:
      return "gil_wait";
    case models::TimeCat::CpuWait:
      return "cpu_wait";
    case models::TimeCat::Count:
      break;
  }
  return "?";
}

}  // namespace

TraceWriter::TraceWriter(const models::Scenario& scenario) {
  for (const models::ThreadGroup& g : scenario.groups) {
    for (int i = 0; i < g.count; ++i) names_.push_back(g.name + "/" + std::to_string(i));
  }
  cpus_.assign(names_.size(), models::kNoCpu);
}

void TraceWriter::row(sim::Time at, models::ThreadId thread, const char* event) {
  rows_.push_back(Row{at, thread, event, cpus_.at(thread)});
}

std::string TraceWriter::text() const {
  // The scheduler reports the end of a wake-up with its context switch back-dated to the
  // switch's start: a stable sort by time restores the order without reordering equal times.
  std::vector<Row> rows = rows_;
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.at < b.at; });
  std::string text = "time_s,thread,event,cpu\n";
  text.reserve(rows.size() * 34);
  for (const Row& r : rows) {
    char time[32];
    // Nanoseconds, exactly: seconds with nine decimals.
    std::snprintf(time, sizeof time, "%lld.%09lld", static_cast<long long>(r.at / sim::kSecond),
                  static_cast<long long>(r.at % sim::kSecond));
    text += time;
    text += ',';
    text += names_.at(r.thread);
    text += ',';
    text += r.event;
    text += ',';
    if (r.cpu != models::kNoCpu) text += std::to_string(r.cpu);
    text += '\n';
  }
  return text;
}

void TraceWriter::on_thread_state(sim::Time at, models::ThreadId thread, models::TimeCat cat,
                                  models::CpuId cpu) {
  cpus_.at(thread) = cpu;
  row(at, thread, state_name(cat));
}

void TraceWriter::on_gil(sim::Time at, models::ThreadId thread, bool acquired) {
  row(at, thread, acquired ? "acquired_gil" : "released_gil");
}

void TraceWriter::on_gil_event(sim::Time at, models::ThreadId thread, models::GilEvent event) {
  row(at, thread, event == models::GilEvent::WaitTimedOut ? "gil_timeout" : "forced_switch");
}

void TraceWriter::on_woken(sim::Time at, models::ThreadId thread) { row(at, thread, "woken"); }

void TraceWriter::on_exit(sim::Time at, models::ThreadId thread) {
  cpus_.at(thread) = models::kNoCpu;
  row(at, thread, "done");
}

}  // namespace gilsim::app
