// The arithmetic behind `gilsim measure` and `gilsim validate` reports (no interpreter needed).
#include "app/measure.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "app/python_runner.hpp"

using gilsim::app::relative_spread;
using gilsim::app::Spread;
using gilsim::app::spread_of;

TEST_CASE("the spread of results is the median, minimum and maximum of every number", "[app]") {
  const Spread s = spread_of({YAML::Load("{a: 3, g: {b: 10}, name: x}"),
                              YAML::Load("{a: 1, g: {b: 30}, name: y}"),
                              YAML::Load("{a: 2, g: {b: 20}, name: z}")});
  CHECK(s.median["a"].as<double>() == 2);
  CHECK(s.min["a"].as<double>() == 1);
  CHECK(s.max["g"]["b"].as<double>() == 30);
  CHECK(s.median["g"]["b"].as<double>() == 20);
  CHECK(s.median["name"].as<std::string>() == "x");
}

TEST_CASE("a metric's relative spread is its range over its median", "[app]") {
  // Real p50s of a bimodal convoy: 19.5 ms and 39.4 ms around a 39.4 ms median.
  CHECK(relative_spread(0.0394, 0.0195, 0.0394) == Approx(0.505).epsilon(0.01));
  CHECK(relative_spread(1.0, 0.99, 1.01) == Approx(0.02));
  CHECK(relative_spread(-2.0, -3.0, -1.0) == Approx(1.0));
  CHECK(relative_spread(0.0, -1.0, 1.0) == 0);
}

TEST_CASE("the host's CPU is named with its family, model and stepping", "[app][measure]") {
  // A virtual machine's bare model name hides which generation of CPU is under it.
  std::istringstream vm(
      "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nmodel\t\t: 2\n"
      "model name\t: AMD EPYC\nstepping\t: 1\n\nprocessor\t: 1\ncpu family\t: 25\n");
  CHECK(gilsim::app::cpu_description(vm) == "AMD EPYC (family 26, model 2, stepping 1)");
  std::istringstream arm("processor\t: 0\nBogoMIPS\t: 50.00\n");
  CHECK(gilsim::app::cpu_description(arm) == "unknown CPU");
}
