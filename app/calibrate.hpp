// gilsim calibrate: measures this host and interpreter with the embedded harness
// (harness/calibrate.py), fits the parameters that come from several measurements by least
// squares (Eigen), and writes a profile that scenarios can use (`profile:` key, or --profile):
// its machine and os sections become the scenario's defaults.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace gilsim::app {

/// A linear least-squares fit y = X b, with what is left over.
struct LinearFit {
  std::vector<double> coefficients;
  std::vector<double> residuals;
  double rms = 0;  ///< root mean square of the residuals
};

/// Fits y = c0 + c1 x0 + c2 x1 + ... for rows of predictors `x` (an intercept is added).
LinearFit fit_linear(const std::vector<std::vector<double>>& x, const std::vector<double>& y);

/// A log-normal through quantiles: ln q_p = mu + sigma * z_p, fitted by least squares.
/// Returns (median = e^mu, sigma) in the units of the quantiles.
LinearFit fit_lognormal(const std::vector<double>& probabilities,
                        const std::vector<double>& quantiles);

/// Builds the profile (YAML text) from the harness's measurements, keeping the `interpreters`
/// entries of other versions from an existing profile (null if none).
std::string profile_yaml(const YAML::Node& measured, const std::string& python_path,
                         const YAML::Node& existing);

/// The profile text with the `interpreters` entry for `version` set to `entry` (added, or
/// replacing the old one); every other line unchanged.
std::string with_interpreter_entry(const std::string& profile, const std::string& version,
                                   const std::string& entry);

struct CalibrateOptions {
  std::string python;
  std::string out;  ///< default: profiles/<host>-<version>.yaml
  bool quick = false;
};

int cmd_calibrate(const CalibrateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace gilsim::app
