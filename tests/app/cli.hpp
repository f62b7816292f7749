// Runs the gilsim binary as a user would, capturing exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace gilsim::testing {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A fresh directory under the system temp dir, removed by the caller if it wants.
inline std::filesystem::path temp_dir(const std::string& tag) {
  static int counter = 0;
  auto dir =
      std::filesystem::temp_directory_path() /
      ("gilsim-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// `args` is passed to the shell after the binary's path; run from the source tree.
inline CliResult run_cli(const std::string& args) {
  const auto dir = temp_dir("cli");
  const std::string cmd = std::string("cd '") + GILSIM_SOURCE_DIR + "' && '" + GILSIM_BINARY +
                          "' " + args + " >'" + (dir / "out").string() + "' 2>'" +
                          (dir / "err").string() + "'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(dir / "out");
  r.err = read_text(dir / "err");
  std::filesystem::remove_all(dir);
  return r;
}

inline std::string source_path(const std::string& relative) {
  return std::string(GILSIM_SOURCE_DIR) + "/" + relative;
}

}  // namespace gilsim::testing
