#include "models/gil/versions.hpp"

#include "models/gil/switch_interval_gil.hpp"
#include "models/gil/tick_gil.hpp"

namespace gilsim::models {
namespace {

using sim::kMicrosecond;
using sim::kMillisecond;

struct Row {
  const char* version;
  GilKind kind;
  sim::Time tick_cost;       // tick GIL: work per tick (about one heavy bytecode)
  sim::Time check_gap;       // switch-interval GIL: work between eval-breaker check points
  double bytecode_overhead;  // free-threaded builds
};

// Check points: <= 3.9 check at almost every dispatched opcode (every few bytecodes, ~0.1 us);
// 3.10+ only on backward jumps, calls and function entry (~0.5 us in typical loops).
// Free-threaded overhead: PEP 703 measured 6% (3.13t default); the 3.14 free-threading HOWTO
// gives up to 8% on x86-64 Linux.
constexpr Row kRows[] = {
    {"2.5", GilKind::Tick, 45, 0, 0},
    {"2.6", GilKind::Tick, 45, 0, 0},
    {"2.7", GilKind::Tick, 40, 0, 0},
    {"3.0", GilKind::Tick, 55, 0, 0},
    {"3.1", GilKind::Tick, 50, 0, 0},
    {"3.2", GilKind::SwitchInterval, 0, 100, 0},
    {"3.3", GilKind::SwitchInterval, 0, 100, 0},
    {"3.4", GilKind::SwitchInterval, 0, 100, 0},
    {"3.5", GilKind::SwitchInterval, 0, 100, 0},
    {"3.6", GilKind::SwitchInterval, 0, 100, 0},
    {"3.7", GilKind::SwitchInterval, 0, 100, 0},
    {"3.8", GilKind::SwitchInterval, 0, 100, 0},
    {"3.9", GilKind::SwitchInterval, 0, 100, 0},
    {"3.10", GilKind::SwitchInterval, 0, 500, 0},
    {"3.11", GilKind::SwitchInterval, 0, 500, 0},
    {"3.12", GilKind::SwitchInterval, 0, 500, 0},
    {"3.13", GilKind::SwitchInterval, 0, 500, 0},
    {"3.14", GilKind::SwitchInterval, 0, 500, 0},
    {"3.13t", GilKind::None, 0, 0, 0.06},
    {"3.14t", GilKind::None, 0, 0, 0.08},
};

}  // namespace

std::optional<GilSpec> gil_defaults(std::string_view version) {
  for (const Row& row : kRows) {
    if (version != row.version) continue;
    GilSpec spec;
    spec.version = row.version;
    spec.kind = row.kind;
    if (row.tick_cost) spec.tick_cost = double(row.tick_cost);
    if (row.check_gap) spec.check_gap = row.check_gap;
    if (row.bytecode_overhead) spec.bytecode_overhead = row.bytecode_overhead;
    return spec;
  }
  return std::nullopt;
}

std::vector<std::string> known_versions() {
  std::vector<std::string> out;
  for (const Row& row : kRows) out.emplace_back(row.version);
  return out;
}

std::string_view gil_kind_name(GilKind kind) {
  switch (kind) {
    case GilKind::Tick:
      return "tick GIL (check interval, CPython <= 3.1)";
    case GilKind::SwitchInterval:
      return "switch-interval GIL (CPython 3.2+)";
    case GilKind::None:
      return "no GIL (free-threaded build)";
  }
  return "?";
}

std::unique_ptr<GilPolicy> make_gil(const GilSpec& spec, GilHost& host, int threads) {
  switch (spec.kind) {
    case GilKind::Tick:
      return std::make_unique<TickGil>(spec, host, threads);
    case GilKind::SwitchInterval:
      return std::make_unique<SwitchIntervalGil>(spec, host, threads);
    case GilKind::None:
      return std::make_unique<NoGil>(spec);
  }
  return nullptr;
}

}  // namespace gilsim::models
