#include "sim/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gilsim::sim {
void Histogram::grow(std::size_t index) {
  buckets_.resize(index + 1, 0);
}

void Histogram::bounds_of(std::size_t index, std::uint64_t& lo, std::uint64_t& hi) {
  if (index < kExact) {
    lo = hi = index;
    return;
  }
  const std::size_t rel = index - kExact;
  const unsigned shift = unsigned(rel / kSub) + 1;
  const std::uint64_t sub = rel % kSub + kSub;
  lo = sub << shift;
  hi = lo + (std::uint64_t(1) << shift) - 1;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (std::size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = count_ ? std::max(max_, other.max_) : other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
}

std::int64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(q * double(count_))));
  if (rank == 1) return min_;  // the extremes are known exactly
  if (rank >= count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      std::uint64_t lo = 0, hi = 0;
      bounds_of(i, lo, hi);
      const auto mid = std::int64_t(lo + (hi - lo) / 2);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace gilsim::sim
