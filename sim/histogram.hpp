// A log-linear histogram of non-negative integer samples (nanoseconds): exact below 256, then
// 128 buckets per power of two, so a percentile is within 0.4% of the true sample value.
// Memory depends on the largest sample only, never on how many were recorded, so a run's
// memory stays flat however long it simulates.
#pragma once

#include <cstdint>
#include <vector>

namespace gilsim::sim {

class Histogram {
 public:
  void record(std::int64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }
  /// Nearest-rank percentile, q in [0, 1]: the smallest recorded value (to bucket resolution)
  /// with at least ceil(q * count) samples at or below it. 0 when empty.
  std::int64_t quantile(double q) const;

 private:
  static std::size_t index_of(std::uint64_t v);
  static void bounds_of(std::size_t index, std::uint64_t& lo, std::uint64_t& hi);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace gilsim::sim
