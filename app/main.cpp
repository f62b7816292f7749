// gilsim's command line: run, check, bench. Only this file uses Boost.Program_options.
#include <boost/program_options.hpp>
#include <charconv>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/calibrate.hpp"
#include "app/commands.hpp"
#include "app/python_runner.hpp"
#include "app/version.hpp"

namespace po = boost::program_options;
using Strings = std::vector<std::string>;
using gilsim::app::BenchOptions;
using gilsim::app::RunOptions;

namespace {

const char* kUsage = R"(gilsim: a deterministic simulator of Python GIL contention

usage:
  gilsim run FILE [--seed N] [--set key.path=value]... [--profile P] [--json PATH|-]
             [--trace PATH] [--quiet]
      Simulate a scenario; print a summary, write the JSON result (--json) and the
      timeline of every thread's states and GIL hand-offs as CSV (--trace).
  gilsim check FILE [--set key.path=value]...
      Validate a scenario and print it with every default filled in.
  gilsim sweep FILE --vary key.path=v1,v2,... [--vary ...] [--jobs N] [--csv PATH|-]
             [--seed N] [--set key.path=value]...
      Run the scenario over the grid of values; one row per run, in grid order.
  gilsim measure FILE --python PATH [--repeat N] [--json PATH|-] [--seed N]
             [--set key.path=value]...
      Run the scenario for real under that interpreter, N times (default 3).
  gilsim validate [DIR] --python PATH... [--profile P] [--repeat N] [--replicas K]
             [--csv PATH] [--markdown PATH]
      Simulate (K replicas, default 15) and measure (N runs, default each scenario's
      own, taken in rounds: one run of every scenario a round) every scenario of DIR
      (default configs/validation); compare the medians.
      With --against CSV instead of --python, compare with the real runs an earlier
      validate stored there (its --csv), without measuring.
  gilsim calibrate --python PATH [--out profiles/NAME.yaml] [--quick] [--keep-host]
      Measure this host and interpreter; write a profile scenarios can use. With
      --keep-host, an existing profile keeps its machine and os sections and only gets
      this interpreter's entry.
  gilsim bench [FILE...] [--repeat N] [--scale K] [--json PATH|-]
      Measure simulation speed and memory (default: configs/bench/*.yaml).
  gilsim --help | --version

--set changes one value before validation: interpreter.switch_interval=1ms,
threads.workers.count=8 (a list element by name or index), stop=30s.
Scenario keys are documented in docs/scenarios.md.
Exit codes: 0 success, 1 internal error, 2 bad input.
)";

int usage_error(const std::string& message) {
  std::cerr << "gilsim: " << message << " (see gilsim --help)\n";
  return 2;
}

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

int run_command(const std::string& command, const std::vector<std::string>& args) {
  po::options_description opts;
  auto add = opts.add_options();
  add("help,h", "");
  add("seed", po::value<std::string>(), "");
  add("set", po::value<Strings>()->composing(), "");
  add("json", po::value<std::string>(), "");
  add("trace", po::value<std::string>(), "");
  add("quiet,q", "");
  add("repeat", po::value<int>(), "");
  add("replicas", po::value<int>(), "");
  add("against", po::value<std::string>(), "");
  add("scale", po::value<int>(), "");
  add("vary", po::value<Strings>()->composing(), "");
  add("jobs,j", po::value<int>(), "");
  add("csv", po::value<std::string>(), "");
  add("python", po::value<Strings>()->composing(), "");
  add("profile", po::value<std::string>(), "");
  add("out", po::value<std::string>(), "");
  add("markdown", po::value<std::string>(), "");
  add("quick", "");
  add("keep-host", "");
  add("files", po::value<Strings>(), "");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << kUsage;
    return 0;
  }
  const auto files =
      vm.count("files") ? vm["files"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const auto sets =
      vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const std::string profile = vm.count("profile") ? vm["profile"].as<std::string>() : "";
  auto only = [&](std::initializer_list<const char*> allowed) -> std::string {
    for (const auto& [name, value] : vm) {
      bool ok = name == "files";
      for (const char* a : allowed) ok = ok || name == a;
      if (!ok) return name;
    }
    return "";
  };
  if (command == "run" || command == "check") {
    if (files.size() != 1) return usage_error(command + " takes exactly one scenario file");
    if (command == "check") {
      if (auto bad = only({"set", "profile"}); !bad.empty()) {
        return usage_error("check has no --" + bad);
      }
      return gilsim::app::cmd_check(files[0], sets, profile, std::cout, std::cerr);
    }
    if (auto bad = only({"seed", "set", "json", "trace", "quiet", "profile"}); !bad.empty()) {
      return usage_error("run has no --" + bad);
    }
    RunOptions o;
    o.file = files[0];
    if (vm.count("seed")) {
      o.seed = parse_seed(vm["seed"].as<std::string>());
      if (!o.seed) return usage_error("--seed takes a whole number from 0 to 2^64-1");
    }
    o.sets = sets;
    if (vm.count("json")) o.json_path = vm["json"].as<std::string>();
    if (vm.count("trace")) o.trace_path = vm["trace"].as<std::string>();
    o.quiet = vm.count("quiet") > 0;
    o.profile = profile;
    return gilsim::app::cmd_run(o, std::cout, std::cerr);
  }
  if (command == "sweep") {
    if (files.size() != 1) return usage_error("sweep takes exactly one scenario file");
    if (auto bad = only({"vary", "set", "seed", "jobs", "csv", "profile"}); !bad.empty()) {
      return usage_error("sweep has no --" + bad);
    }
    gilsim::app::SweepOptions o;
    o.file = files[0];
    if (vm.count("vary")) o.vary = vm["vary"].as<std::vector<std::string>>();
    o.sets = sets;
    if (vm.count("seed")) {
      o.seed = parse_seed(vm["seed"].as<std::string>());
      if (!o.seed) return usage_error("--seed takes a whole number from 0 to 2^64-1");
    }
    if (vm.count("jobs")) o.jobs = vm["jobs"].as<int>();
    if (vm.count("csv")) o.csv_path = vm["csv"].as<std::string>();
    o.profile = profile;
    if (o.jobs < 1) return usage_error("--jobs must be >= 1");
    return gilsim::app::cmd_sweep(o, std::cout, std::cerr);
  }
  if (command == "measure") {
    if (files.size() != 1) return usage_error("measure takes exactly one scenario file");
    if (auto bad = only({"python", "repeat", "json", "seed", "set", "profile"}); !bad.empty()) {
      return usage_error("measure has no --" + bad);
    }
    gilsim::app::MeasureOptions o;
    o.file = files[0];
    const auto pythons = vm.count("python") ? vm["python"].as<std::vector<std::string>>()
                                            : std::vector<std::string>{};
    if (pythons.size() != 1) return usage_error("measure needs one --python PATH");
    o.python = pythons[0];
    if (vm.count("repeat")) o.repeat = vm["repeat"].as<int>();
    if (o.repeat < 1) return usage_error("--repeat must be >= 1");
    if (vm.count("json")) o.json_path = vm["json"].as<std::string>();
    o.profile = profile;
    if (vm.count("seed")) {
      o.seed = parse_seed(vm["seed"].as<std::string>());
      if (!o.seed) return usage_error("--seed takes a whole number from 0 to 2^64-1");
    }
    o.sets = sets;
    return gilsim::app::cmd_measure(o, std::cout, std::cerr);
  }
  if (command == "validate") {
    if (files.size() > 1) return usage_error("validate takes at most one directory");
    if (auto bad =
            only({"python", "profile", "repeat", "replicas", "against", "seed", "csv", "markdown"});
        !bad.empty()) {
      return usage_error("validate has no --" + bad);
    }
    gilsim::app::ValidateOptions o;
    if (!files.empty()) o.dir = files[0];
    o.pythons = vm.count("python") ? vm["python"].as<Strings>() : Strings{};
    if (vm.count("against")) o.against = vm["against"].as<std::string>();
    if (o.pythons.empty() && o.against.empty()) {
      return usage_error("validate needs at least one --python PATH (or --against CSV)");
    }
    if (!o.pythons.empty() && !o.against.empty()) {
      return usage_error("validate takes --python or --against, not both");
    }
    if (!o.against.empty() && vm.count("repeat")) {
      return usage_error("validate --against runs nothing for real: --repeat does not apply");
    }
    o.profile = profile;
    if (vm.count("repeat")) o.repeat = vm["repeat"].as<int>();
    if (vm.count("repeat") && o.repeat < 1) return usage_error("--repeat must be >= 1");
    if (vm.count("replicas")) o.replicas = vm["replicas"].as<int>();
    if (o.replicas < 1) return usage_error("--replicas must be >= 1");
    if (!o.against.empty()) o.csv_path = o.markdown_path = "";  // only where asked for
    if (vm.count("csv")) o.csv_path = vm["csv"].as<std::string>();
    if (vm.count("markdown")) o.markdown_path = vm["markdown"].as<std::string>();
    std::error_code ec;
    if (!o.against.empty() && !o.csv_path.empty() &&
        std::filesystem::equivalent(o.against, o.csv_path, ec)) {
      return usage_error("--csv would overwrite the runs --against compares with");
    }
    if (vm.count("seed")) {
      o.seed = parse_seed(vm["seed"].as<std::string>());
      if (!o.seed) return usage_error("--seed takes a whole number from 0 to 2^64-1");
    }
    return gilsim::app::cmd_validate(o, std::cout, std::cerr);
  }
  if (command == "calibrate") {
    if (!files.empty()) return usage_error("calibrate takes no scenario file");
    if (auto bad = only({"python", "out", "quick", "keep-host"}); !bad.empty()) {
      return usage_error("calibrate has no --" + bad);
    }
    const auto pythons = vm.count("python") ? vm["python"].as<Strings>() : Strings{};
    if (pythons.size() != 1) return usage_error("calibrate needs one --python PATH");
    gilsim::app::CalibrateOptions o;
    o.python = pythons[0];
    if (vm.count("out")) o.out = vm["out"].as<std::string>();
    o.quick = vm.count("quick") > 0;
    o.keep_host = vm.count("keep-host") > 0;
    return gilsim::app::cmd_calibrate(o, std::cout, std::cerr);
  }
  if (command == "bench") {
    if (auto bad = only({"repeat", "scale", "json"}); !bad.empty()) {
      return usage_error("bench has no --" + bad);
    }
    BenchOptions o;
    o.files = files;
    if (vm.count("repeat")) o.repeat = vm["repeat"].as<int>();
    if (vm.count("scale")) o.scale = vm["scale"].as<int>();
    if (vm.count("json")) o.json_path = vm["json"].as<std::string>();
    if (o.repeat < 1 || o.scale < 1) return usage_error("--repeat and --scale must be >= 1");
    return gilsim::app::cmd_bench(o, std::cout, std::cerr);
  }
  return usage_error("unknown command '" + command + "'");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
      std::cerr << kUsage;
      return 2;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (args[0] == "--version" || args[0] == "-V") {
      std::cout << "gilsim " << gilsim::app::kVersion << "\n";
      return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    return run_command(command, args);
  } catch (const po::error& e) {
    return usage_error(e.what());
  } catch (const gilsim::app::Interrupted& e) {
    std::cerr << "gilsim: interrupted; the real run was stopped and nothing was left behind\n";
    return 128 + e.signal;
  } catch (const std::exception& e) {
    std::cerr << "gilsim: internal error: " << e.what() << "\n";
    return 1;
  }
}
