// gilsim sweep: the same scenario over a grid of values, run in parallel (--jobs) and reported
// in grid order, so the output is byte-identical whatever the number of jobs.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ostream>
#include <thread>

#include "app/commands.hpp"
#include "app/diagnostics.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "models/world.hpp"

namespace gilsim::app {
namespace {

struct Axis {
  std::string key;
  std::vector<std::string> values;
};

std::vector<Axis> parse_axes(const std::vector<std::string>& vary) {
  std::vector<Axis> axes;
  std::vector<Diagnostic> errors;
  for (const std::string& v : vary) {
    const auto eq = v.find('=');
    Axis a;
    if (eq != std::string::npos && eq > 0) {
      a.key = v.substr(0, eq);
      std::string cur;
      for (char c : v.substr(eq + 1) + ",") {
        if (c == ',') {
          if (!cur.empty()) a.values.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
    }
    if (a.key.empty() || a.values.empty()) {
      errors.push_back(Diagnostic{"--vary " + v, 0, 0, "",
                                  "expected key.path=v1,v2,..., as in "
                                  "interpreter.switch_interval=1ms,5ms"});
      continue;
    }
    axes.push_back(a);
  }
  if (!errors.empty()) throw InputError(errors);
  return axes;
}

std::string cell(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

int cmd_sweep(const SweepOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const std::vector<Axis> axes = parse_axes(o.vary);
    // The grid, last axis fastest; each point is a list of --set assignments.
    std::vector<std::vector<std::string>> points(1);
    for (const Axis& a : axes) {
      std::vector<std::vector<std::string>> next;
      for (const auto& p : points) {
        for (const std::string& v : a.values) {
          next.push_back(p);
          next.back().push_back(a.key + "=" + v);
        }
      }
      points = std::move(next);
    }
    std::vector<models::Scenario> scenarios;
    for (const auto& p : points) {
      std::vector<std::string> sets = o.sets;
      sets.insert(sets.end(), p.begin(), p.end());
      // Every point is validated before anything runs.
      scenarios.push_back(load_scenario_file(o.file, {sets, o.profile}).scenario);
    }
    std::vector<models::RunResult> results(scenarios.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next++; i < scenarios.size(); i = next++) {
        results[i] = models::simulate(scenarios[i], o.seed.value_or(scenarios[i].seed));
      }
    };
    const int jobs = std::max(1, std::min<int>(o.jobs, int(scenarios.size())));
    std::vector<std::thread> pool;
    for (int j = 1; j < jobs; ++j) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();

    // Columns: the varied keys, then the headline figures, then per-group figures.
    std::vector<std::string> header;
    for (const Axis& a : axes) header.push_back(a.key);
    for (const char* h :
         {"makespan_s", "speedup", "cpu_utilization", "gil_switches", "gil_wait_p50_s"}) {
      header.emplace_back(h);
    }
    const models::RunResult& first = results.front();
    // A group's I/O columns appear only if it made blocking calls in some run.
    std::vector<bool> has_io(first.groups.size(), false);
    for (const models::RunResult& r : results) {
      for (std::size_t g = 0; g < has_io.size() && g < r.groups.size(); ++g) {
        has_io[g] = has_io[g] || r.groups[g].io_resume.count() > 0;
      }
    }
    for (std::size_t g = 0; g < first.groups.size(); ++g) {
      const std::string& name = first.groups[g].name;
      header.push_back(name + ".finish_s");
      if (!has_io[g]) continue;
      header.push_back(name + ".io_resume_p50_s");
      header.push_back(name + ".io_resume_p99_s");
    }
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const models::RunResult& r = results[i];
      std::vector<std::string> row;
      for (const std::string& assignment : points[i]) {
        row.push_back(assignment.substr(assignment.find('=') + 1));
      }
      row.push_back(cell(double(r.makespan) / 1e9, 4));
      row.push_back(cell(r.speedup(), 3));
      row.push_back(cell(r.cpu_utilization(), 3));
      row.push_back(std::to_string(r.gil.switches));
      row.push_back(cell(double(r.gil_wait.quantile(0.5)) / 1e9, 6));
      for (std::size_t g = 0; g < r.groups.size() && g < first.groups.size(); ++g) {
        const models::GroupResult& gr = r.groups[g];
        row.push_back(cell(double(gr.finish) / 1e9, 4));
        if (!has_io[g]) continue;
        const bool io = gr.io_resume.count() > 0;
        row.push_back(io ? cell(double(gr.io_resume.quantile(0.5)) / 1e9, 6) : "-");
        row.push_back(io ? cell(double(gr.io_resume.quantile(0.99)) / 1e9, 6) : "-");
      }
      rows.push_back(row);
    }
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
      width[c] = header[c].size();
      for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string s;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        s += cells[c] + std::string(width[c] - cells[c].size() + 2, ' ');
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      return s + "\n";
    };
    std::ostream& table = o.csv_path == "-" ? err : out;
    table << scenarios.front().name << ": " << rows.size() << " runs\n" << line(header);
    for (const auto& row : rows) table << line(row);
    if (!o.csv_path.empty()) {
      std::string csv;
      auto csv_line = [&csv](const std::vector<std::string>& cells) {
        for (std::size_t c = 0; c < cells.size(); ++c) csv += (c ? "," : "") + cells[c];
        csv += "\n";
      };
      csv_line(header);
      for (const auto& row : rows) csv_line(row);
      if (o.csv_path == "-") {
        out << csv;
      } else {
        write_file_atomically(o.csv_path, csv);
      }
    }
    return 0;
  } catch (const InputError& e) {
    for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
    return 2;
  }
}

}  // namespace gilsim::app
