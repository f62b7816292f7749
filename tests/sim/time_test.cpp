#include <catch2/catch.hpp>

#include "sim/time.hpp"

using namespace gilsim::sim;

TEST_CASE("durations parse with every unit", "[sim][time]") {
  CHECK(parse_duration("5ms").value == 5 * kMillisecond);
  CHECK(parse_duration("250us").value == 250 * kMicrosecond);
  CHECK(parse_duration("250\xC2\xB5s").value == 250 * kMicrosecond);
  CHECK(parse_duration("1.5s").value == 1500 * kMillisecond);
  CHECK(parse_duration("100ns").value == 100);
  CHECK(parse_duration(" 2 ms ").value == 2 * kMillisecond);
  CHECK(parse_duration("1e-3s").value == kMillisecond);
  CHECK(parse_duration("-3ms").value == -3 * kMillisecond);
}

TEST_CASE("a duration without a unit or number is refused with a reason", "[sim][time]") {
  for (const char* bad : {"5", "ms", "", "five ms", "5 parsecs", "nanms", "infs", "0x10ms"}) {
    const DurationParse p = parse_duration(bad);
    INFO(bad);
    CHECK_FALSE(p.ok);
    CHECK_FALSE(p.error.empty());
  }
}

TEST_CASE("formatting a duration is exact and parses back to the same value", "[sim][time]") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(5 * kMillisecond) == "5ms");
  CHECK(format_duration(1500) == "1.5us");
  CHECK(format_duration(1234567) == "1234.567us");
  CHECK(format_duration(-2 * kSecond) == "-2s");
  for (Time t : {Time(1), Time(999), Time(1001), Time(123456789), Time(kNever), Time(-77)}) {
    INFO(t);
    CHECK(parse_duration(format_duration(t)).value == t);
  }
}

TEST_CASE("a fine duration keeps picoseconds and parses back at that resolution", "[sim][time]") {
  CHECK(format_fine_duration(7.333) == "7.333ns");
  CHECK(format_fine_duration(6.6666667) == "6.667ns");
  CHECK(format_fine_duration(40) == "40ns");
  CHECK(format_fine_duration(1500) == "1.5us");
  CHECK(parse_duration("7.333ns", 1000).value == 7333);
  CHECK(parse_duration(format_fine_duration(4.6666), 1000).value == 4667);
  CHECK(parse_duration("1.5us", 1000).value == 1500000);
}
