// Durations that may vary: a constant or one of four distributions, sampled from a named
// stream (in gilsim, the stream of the thread that draws). Parameters are in nanoseconds;
// samples are rounded to whole nanoseconds and never negative.
#pragma once

#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace gilsim::sim {

struct Dist {
  enum class Kind : unsigned char { Constant, Uniform, Exponential, Normal, Lognormal };

  Kind kind = Kind::Constant;
  double a =
      0;  ///< constant value | uniform min | exponential mean | normal mean | lognormal median
  double b = 0;  ///< uniform max | normal standard deviation | lognormal sigma (of the log)

  static Dist constant(Time v) { return {Kind::Constant, double(v), 0}; }
  static Dist uniform(Time lo, Time hi) { return {Kind::Uniform, double(lo), double(hi)}; }
  static Dist exponential(Time mean) { return {Kind::Exponential, double(mean), 0}; }
  /// Normal truncated at zero (rejection sampling, so the shape above zero is kept).
  static Dist normal(Time mean, Time stddev) {
    return {Kind::Normal, double(mean), double(stddev)};
  }
  /// Log-normal given its median and the standard deviation sigma of its logarithm.
  static Dist lognormal(Time median, double sigma) {
    return {Kind::Lognormal, double(median), sigma};
  }
  /// Log-normal with the given mean and standard deviation (converted to median and sigma).
  static Dist lognormal_mean_sd(Time mean, Time stddev);

  bool is_constant() const { return kind == Kind::Constant; }
  /// A constant consumes no random numbers, so constant durations never perturb a stream.
  Time sample(Rng& rng) const { return kind == Kind::Constant ? static_cast<Time>(a) : draw(rng); }
  /// Expected value in nanoseconds (for a truncated normal, of the truncated distribution).
  double mean() const;

  friend bool operator==(const Dist&, const Dist&) = default;

 private:
  Time draw(Rng& rng) const;
};

}  // namespace gilsim::sim
