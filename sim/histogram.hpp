// A log-linear histogram of non-negative integer samples (nanoseconds): exact below 256, then
// 128 buckets per power of two, so a percentile is within 0.4% of the true sample value.
// Memory depends on the largest sample only, never on how many were recorded, so a run's
// memory stays flat however long it simulates.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace gilsim::sim {

class Histogram {
 public:
  void record(std::int64_t value) {
    if (value < 0) value = 0;
    const std::size_t i = index_of(std::uint64_t(value));
    if (i >= buckets_.size()) grow(i);
    ++buckets_[i];
    if (count_ == 0 || value < min_) min_ = value;
    if (count_ == 0 || value > max_) max_ = value;
    ++count_;
    sum_ += double(value);
  }
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }
  /// Nearest-rank percentile, q in [0, 1]: the smallest recorded value (to bucket resolution)
  /// with at least ceil(q * count) samples at or below it. 0 when empty.
  std::int64_t quantile(double q) const;

 private:
  static constexpr unsigned kExactBits = 8;  // values below 256 have their own bucket
  static constexpr unsigned kSubBits = 7;    // 128 buckets per power of two above that
  static constexpr std::uint64_t kExact = std::uint64_t(1) << kExactBits;
  static constexpr std::uint64_t kSub = std::uint64_t(1) << kSubBits;
  static std::size_t index_of(std::uint64_t v) {
    if (v < kExact) return std::size_t(v);
    const unsigned msb = 63u - unsigned(std::countl_zero(v));  // >= kExactBits
    const unsigned shift = msb - kSubBits;                     // >= 1
    return kExact + (shift - 1) * kSub + std::size_t((v >> shift) - kSub);
  }
  void grow(std::size_t index);
  static void bounds_of(std::size_t index, std::uint64_t& lo, std::uint64_t& hi);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace gilsim::sim
