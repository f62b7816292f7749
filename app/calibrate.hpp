// gilsim calibrate: measures this host and interpreter with the embedded harness
// (harness/calibrate.py), fits the parameters that come from several measurements (least
// squares with Eigen, app/least_squares.hpp; the hand-off order by simulation,
// app/handoff_fit.hpp), and writes a profile that scenarios can use (`profile:` key, or
// --profile; app/profile_writer.hpp): its machine and os sections become the scenario's
// defaults, its `interpreters:` entries the defaults of each version.
#pragma once

#include <iosfwd>
#include <string>

#include "app/least_squares.hpp"
#include "app/profile_writer.hpp"

namespace gilsim::app {

struct CalibrateOptions {
  std::string python;
  std::string out;  ///< default: profiles/<version>.yaml
  bool quick = false;
  bool keep_host = false;  ///< keep an existing profile's machine and os; add this interpreter
};

int cmd_calibrate(const CalibrateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace gilsim::app
