#include "app/commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <system_error>

#include "app/diagnostics.hpp"
#include "app/report.hpp"
#include "app/scenario_loader.hpp"
#include "models/world.hpp"

namespace gilsim::app {

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      const std::error_code ec(errno, std::generic_category());
      throw InputError(Diagnostic{path, 0, 0, "", "cannot write: " + ec.message()});
    }
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw InputError(Diagnostic{path, 0, 0, "", "cannot write (disk full?)"});
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::error_code ec(errno, std::generic_category());
    std::remove(tmp.c_str());
    throw InputError(Diagnostic{path, 0, 0, "", "cannot write: " + ec.message()});
  }
}

namespace {

int report_input_error(const InputError& e, std::ostream& err) {
  for (const Diagnostic& d : e.diagnostics()) err << "gilsim: " << d.format() << "\n";
  return 2;
}

}  // namespace

int cmd_run(const RunOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const models::Scenario scenario = load_scenario(o.file, o.sets);
    const std::uint64_t seed = o.seed.value_or(scenario.seed);
    const auto t0 = std::chrono::steady_clock::now();
    const models::RunResult result = models::simulate(scenario, seed);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string json = result_json(scenario, result);
    if (o.json_path == "-") {
      out << json;
      if (!o.quiet) err << summary_text(scenario, result, wall);
      return 0;
    }
    if (!o.json_path.empty()) write_file_atomically(o.json_path, json);
    if (!o.quiet) out << summary_text(scenario, result, wall);
    return 0;
  } catch (const InputError& e) {
    return report_input_error(e, err);
  }
}

int cmd_check(const std::string& file, const std::vector<std::string>& sets, std::ostream& out,
              std::ostream& err) {
  try {
    const models::Scenario scenario = load_scenario(file, sets);
    out << resolved_yaml(scenario);
    return 0;
  } catch (const InputError& e) {
    return report_input_error(e, err);
  }
}

}  // namespace gilsim::app
