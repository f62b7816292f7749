// The Python harness (harness/*.py), embedded in the binary at build time.
#pragma once

namespace gilsim::app {

struct HarnessFile {
  const char* name;  ///< file name, e.g. "replay.py"
  const char* text;
};

extern const HarnessFile kHarnessFiles[];
extern const int kHarnessFileCount;

}  // namespace gilsim::app
