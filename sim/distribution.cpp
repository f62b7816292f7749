#include "sim/distribution.hpp"

#include <cmath>

namespace gilsim::sim {

Dist Dist::lognormal_mean_sd(Time mean, Time stddev) {
  const double m = double(mean);
  const double s = double(stddev);
  const double ratio = 1.0 + (s * s) / (m * m);
  return {Kind::Lognormal, m / std::sqrt(ratio), std::sqrt(std::log(ratio))};
}

Time Dist::draw(Rng& rng) const {
  double v = 0;
  switch (kind) {
    case Kind::Constant:
      return static_cast<Time>(a);
    case Kind::Uniform:
      v = rng.uniform(a, b);
      break;
    case Kind::Exponential:
      v = rng.exponential(a);
      break;
    case Kind::Normal:
      do v = a + b * rng.standard_normal();
      while (v < 0);
      break;
    case Kind::Lognormal:
      v = a * std::exp(b * rng.standard_normal());
      break;
  }
  if (!(v > 0)) return 0;
  if (v > 9.2e18) return kNever;
  return static_cast<Time>(std::llround(v));
}

double Dist::mean() const {
  switch (kind) {
    case Kind::Constant:
      return a;
    case Kind::Uniform:
      return (a + b) / 2;
    case Kind::Exponential:
      return a;
    case Kind::Normal: {
      if (b == 0) return a;
      // Mean of a normal truncated to [0, inf): mu + sigma * phi(alpha) / (1 - Phi(alpha)).
      const double alpha = -a / b;
      const double phi = std::exp(-alpha * alpha / 2) / std::sqrt(2 * M_PI);
      const double tail = 0.5 * std::erfc(alpha / std::sqrt(2.0));
      return a + b * phi / tail;
    }
    case Kind::Lognormal:
      return a * std::exp(b * b / 2);
  }
  return a;
}

}  // namespace gilsim::sim
