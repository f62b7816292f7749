// Entities are referred to by dense indices, never by pointer, so that no decision can depend
// on memory layout.
#pragma once

#include <cstdint>
#include <limits>

namespace gilsim::models {

using ThreadId = std::uint32_t;
using CpuId = std::uint32_t;
inline constexpr ThreadId kNoThread = std::numeric_limits<ThreadId>::max();
inline constexpr CpuId kNoCpu = std::numeric_limits<CpuId>::max();

/// Where a thread's time goes. Every nanosecond of a thread's life is in exactly one of these.
enum class TimeCat : std::uint8_t {
  Cpu,      ///< running Python bytecode or a GIL-holding C call on a CPU
  Native,   ///< running GIL-releasing C code on a CPU
  Sys,      ///< on a CPU in the kernel or in lock code: context switches, GIL system calls
  Io,       ///< blocked in I/O or sleep
  GilWait,  ///< acquiring the GIL (blocked, or runnable waiting for a CPU to re-check)
  CpuWait,  ///< runnable with work to do, waiting for a CPU
  Count
};
inline constexpr int kTimeCats = static_cast<int>(TimeCat::Count);

/// Steps of the GIL's protocol that observers may follow (see Observer::on_gil_event).
enum class GilEvent : std::uint8_t {
  WaitTimedOut,  ///< a waiter is back on a CPU from a timed wait that expired
  ForcedSwitch,  ///< the new holder releases the thread it forced to drop (switch_cond)
};

}  // namespace gilsim::models
