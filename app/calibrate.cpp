#include "app/calibrate.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "app/commands.hpp"
#include "app/diagnostics.hpp"
#include "app/measure.hpp"
#include "app/python_runner.hpp"
#include "app/scenario_loader.hpp"

namespace gilsim::app {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The machine and os a profile gives a scenario of this version.
models::Scenario host_of(const std::string& profile, const std::string& version) {
  LoadOptions lo;
  lo.profile = profile;
  const std::string text = "name: host\ninterpreter: {version: \"" + version +
                           "\"}\nthreads:\n  - name: t\n    program:\n      - cpu: 1ms\n";
  return parse_scenario_text(text, profile, lo).scenario;
}

}  // namespace

int cmd_calibrate(const CalibrateOptions& o, std::ostream& out, std::ostream& err) {
  try {
    const PythonInfo python = probe_python(o.python);
    HarnessDir dir;
    err << "gilsim: calibrating with Python " << python.full_version << (o.quick ? " (quick)" : "")
        << "; this takes about " << (o.quick ? "20 s" : "a minute") << "\n";
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
    // only adds its own entry to it, as does any interpreter with --keep-host.
    const std::string version = measured["python"]["version"].Scalar();
    std::string profile;
    if ((o.keep_host || tick_gil_version(version)) && existing && existing["machine"] &&
        existing["os"]) {
      const std::string entry = interpreter_entry(measured, host_of(path, version));
      profile = with_interpreter_entry(read_file(path), version, entry);
      err << "gilsim: " << path << " keeps its machine and os sections; Python " << version
          << " adds its interpreter entry\n";
    } else {
      if (o.keep_host) {
        err << "gilsim: " << path << " has no machine and os sections to keep; writing them\n";
      }
      profile = profile_yaml(measured, python.path, existing);
      const std::string warning = host_warning(measured);
      if (!warning.empty()) err << "gilsim: warning: " << warning << "\n";
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
