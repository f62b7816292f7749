#include <catch2/catch.hpp>
#include <cstdint>

#include "sim/histogram.hpp"

using gilsim::sim::Histogram;

TEST_CASE("small samples are exact and percentiles use the nearest rank", "[sim][histogram]") {
  Histogram h;
  for (int v = 1; v <= 100; ++v) h.record(v);
  CHECK(h.count() == 100);
  CHECK(h.quantile(0.50) == 50);
  CHECK(h.quantile(0.90) == 90);
  CHECK(h.quantile(0.99) == 99);
  CHECK(h.quantile(1.0) == 100);
  CHECK(h.quantile(0.0) == 1);
  CHECK(h.min() == 1);
  CHECK(h.max() == 100);
  CHECK(h.mean() == Approx(50.5));
}

TEST_CASE("large samples are within 0.4 percent", "[sim][histogram]") {
  Histogram h;
  for (std::int64_t v : {5'000'000LL, 5'020'000LL, 123'456'789LL, 7'777LL}) {
    Histogram one;
    one.record(v);
    CHECK(std::abs(double(one.quantile(0.5) - v)) <= 0.004 * double(v));
    h.record(v);
  }
  CHECK(h.max() == 123'456'789);
  CHECK(h.quantile(0.25) == 7'777);  // clamped to the exact minimum
}

TEST_CASE("memory does not grow with the number of samples", "[sim][histogram]") {
  Histogram a, b;
  for (int i = 0; i < 1000; ++i) a.record(i * 1000);
  for (int i = 0; i < 100000; ++i) b.record((i % 1000) * 1000);
  CHECK(a.quantile(0.5) == b.quantile(0.5));
}

TEST_CASE("an empty histogram reports zeros and merging adds counts", "[sim][histogram]") {
  Histogram a, b;
  CHECK(a.quantile(0.5) == 0);
  CHECK(a.max() == 0);
  b.record(10);
  b.record(30);
  a.record(20);
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.quantile(0.5) == 20);
  CHECK(a.min() == 10);
  CHECK(a.max() == 30);
}
