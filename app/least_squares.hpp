// Least-squares fits for calibration (Eigen): a linear model with an intercept, and a
// log-normal through measured quantiles.
#pragma once

#include <vector>

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

}  // namespace gilsim::app
