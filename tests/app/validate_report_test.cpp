// gilsim validate's outputs from compared rows: the table, the CSV that --against reads back,
// the Markdown report and the summary per interpreter.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "app/stored_measurements.hpp"
#include "app/validate_report.hpp"

using namespace gilsim::app;

namespace {

ValidationRow row(const std::string& version, double simulated, double median, double lo, double hi,
                  double tolerance) {
  ValidationRow r;
  r.scenario = "convoy";
  r.version = version;
  r.metric = "groups.io.finish_s";
  r.work = "abc";
  r.simulated = r.sim_lo = r.sim_hi = simulated;
  r.median = median;
  r.lo = lo;
  r.hi = hi;
  r.tolerance = tolerance;
  r.error = (simulated - median) / median;
  r.ok = r.error <= tolerance && r.error >= -tolerance;
  return r;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the report counts each interpreter's metrics outside their tolerance",
          "[app][validate]") {
  const ValidateOptions options;
  ValidationContext context;
  context.options = &options;
  context.pythons = {PythonInfo{"/usr/bin/python3", "3.11", "3.11.2"},
                     PythonInfo{"/opt/python3.13", "3.13", "3.13.0"}};
  const std::vector<ValidationRow> rows = {row("3.11", 10, 18, 17.9, 18.3, 0.15),
                                           row("3.11", 18, 18, 17.9, 18.3, 0.15),
                                           row("3.13", 12, 12.5, 12, 13, 0.15)};
  const ValidationOutputs out = render_validation(rows, context);

  CHECK(out.outside == 1);
  CHECK(has(out.table, "OUTSIDE"));
  CHECK(has(out.table,
            "- Python 3.11.2 (`/usr/bin/python3`): 2 relative metrics, median "
            "absolute error 44.44%, largest 44.44%; 1 outside their tolerance."));
  CHECK(has(out.table,
            "- Python 3.13.0 (`/opt/python3.13`): 1 relative metrics, median "
            "absolute error 4%, largest 4%; 0 outside their tolerance."));
  CHECK(has(out.markdown,
            "| convoy | 3.11 | `groups.io.finish_s` | 10 [10-10] | "
            "18 [17.9-18.3] | -44.4% | 15% | **outside** |"));
  CHECK(has(out.markdown, "- Interpreter: `/opt/python3.13`, Python 3.13.0\n"));
}

TEST_CASE("the report names each interpreter's build where the probe found it", "[app][validate]") {
  const ValidateOptions options;
  ValidationContext context;
  context.options = &options;
  PythonInfo debian{"/usr/bin/python3", "3.11", "3.11.2"};
  debian.build = "GCC 12.2.0, -O2, libpython linked in";
  context.pythons = {debian};
  const ValidationOutputs out = render_validation({row("3.11", 18, 18, 17.9, 18.3, 0.15)}, context);
  CHECK(has(out.markdown,
            "- Interpreter: `/usr/bin/python3`, Python 3.11.2 (GCC 12.2.0, -O2, libpython "
            "linked in)\n"));
}

TEST_CASE("the CSV has the stored-runs header and one line per row, read back by --against",
          "[app][validate]") {
  const ValidateOptions options;
  ValidationContext context;
  context.options = &options;
  const ValidationOutputs out = render_validation({row("3.11", 18, 18, 17.9, 18.3, 0.15)}, context);
  CHECK(out.csv == std::string(kStoredHeader) +
                       "\nconvoy,3.11,groups.io.finish_s,18,18,18,18,17.9,18.3,0,0.15,true,"
                       "true,abc\n");
  CHECK(out.outside == 0);
}

TEST_CASE("metrics whose real runs alone spread wider than the tolerance are listed",
          "[app][validate]") {
  const ValidateOptions options;
  ValidationContext context;
  context.options = &options;
  context.pythons = {PythonInfo{"/usr/bin/python3", "3.11", "3.11.2"}};
  // Real runs from 10 to 20 around a median of 16: a spread of 62.5%, over a 25% tolerance.
  const ValidationOutputs out = render_validation({row("3.11", 16, 16, 10, 20, 0.25)}, context);
  CHECK(out.outside == 0);
  CHECK(has(out.table,
            "reality does not repeat to it there: convoy `groups.io.finish_s` "
            "(62.5%)."));
}

TEST_CASE("stored runs are summarised by version, and what was skipped is said",
          "[app][validate]") {
  ValidateOptions options;
  options.against = "old.csv";
  ValidationContext context;
  context.options = &options;
  context.stale = {"convoy (3.13)"};
  context.unchecked = true;
  const ValidationOutputs out = render_validation({row("3.11", 18, 18, 17.9, 18.3, 0.15)}, context);
  CHECK(has(out.table, "- Python 3.11 (stored runs): 1 relative metrics"));
  CHECK(has(out.table, "other work than the scenario now: convoy (3.13)."));
  CHECK(has(out.table, "carry no record of their work"));
  CHECK(has(out.markdown, "- Measured: the real runs stored in `old.csv`"));
}
