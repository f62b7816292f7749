// Random numbers that are the same on every platform and standard library: xoshiro256** as the
// engine, our own distributions on top (std::*_distribution differ between implementations).
//
// Streams are named: Rng(seed, "thread/io/3") mixes the run seed with a 64-bit FNV-1a hash of
// the name through splitmix64. Adding a model or a thread creates new names and leaves every
// existing stream's draws unchanged.
#pragma once

#include <cstdint>
#include <string_view>

namespace gilsim::sim {

class Rng {
 public:
  Rng() : Rng(0, "") {}
  Rng(std::uint64_t seed, std::string_view stream);

  std::uint64_t next_u64();
  /// Uniform on [0, 1), 53 random bits.
  double uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  /// Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  /// Uniform integer in [0, n), unbiased (Lemire's method); n must be > 0.
  std::uint64_t below(std::uint64_t n);
  /// Exponential with the given mean (inversion).
  double exponential(double mean);
  /// Standard normal (Marsaglia's polar method; the second value is discarded so the stream
  /// state is just the engine state).
  double standard_normal();

 private:
  std::uint64_t s_[4];
};

/// 64-bit FNV-1a, used to turn stream names into seeds.
std::uint64_t fnv1a64(std::string_view text);

}  // namespace gilsim::sim
