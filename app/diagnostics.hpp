// Errors in user input, each located: file, line, column (1-based) and the key path.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace gilsim::app {

struct Diagnostic {
  std::string file;
  int line = 0;  ///< 1-based; 0 when the input has no position (a command-line option)
  int column = 0;
  std::string path;  ///< the key path, e.g. threads[0].program[1].io
  std::string message;

  /// "file:line:col: path: message" on one line.
  std::string format() const;
};

/// Thrown when input is bad; carries every problem found, not just the first.
class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  explicit InputError(Diagnostic diagnostic) : InputError(std::vector<Diagnostic>{diagnostic}) {}
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

/// The closest candidate to `word` by edit distance, or "" if none is close enough.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace gilsim::app
