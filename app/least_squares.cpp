#include "app/least_squares.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace gilsim::app {
namespace {


/// Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > hi) return -normal_quantile(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

}  // namespace

LinearFit fit_linear(const std::vector<std::vector<double>>& x, const std::vector<double>& y) {
  const auto n = Eigen::Index(y.size());
  const auto k = Eigen::Index(x.empty() ? 0 : x.front().size());
  Eigen::MatrixXd design(n, k + 1);
  Eigen::VectorXd target(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    design(i, 0) = 1;
    for (Eigen::Index j = 0; j < k; ++j) design(i, j + 1) = x[std::size_t(i)][std::size_t(j)];
    target(i) = y[std::size_t(i)];
  }
  const Eigen::VectorXd b = design.colPivHouseholderQr().solve(target);
  const Eigen::VectorXd r = target - design * b;
  LinearFit fit;
  fit.coefficients.assign(b.data(), b.data() + b.size());
  fit.residuals.assign(r.data(), r.data() + r.size());
  fit.rms = n > 0 ? std::sqrt(r.squaredNorm() / double(n)) : 0;
  return fit;
}

LinearFit fit_lognormal(const std::vector<double>& probabilities,
                        const std::vector<double>& quantiles) {
  std::vector<std::vector<double>> z;
  std::vector<double> y;
  for (std::size_t i = 0; i < probabilities.size(); ++i) {
    z.push_back({normal_quantile(probabilities[i])});
    y.push_back(std::log(std::max(quantiles[i], 1e-9)));
  }
  LinearFit f = fit_linear(z, y);
  f.coefficients[0] = std::exp(f.coefficients[0]);  // median
  return f;
}

}  // namespace gilsim::app
