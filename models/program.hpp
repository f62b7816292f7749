// What a Python thread does: a program of steps, with loops. Plain data, built by the scenario
// loader and compiled to a flat instruction list that threads execute.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/distribution.hpp"

namespace gilsim::models {

enum class StepKind : std::uint8_t {
  Cpu,     ///< pure-Python bytecode: needs the GIL and a CPU; preemptible at check points
  CCall,   ///< C code holding the GIL (sum(range(n)), a regex): reaches no check point
  Native,  ///< C code releasing the GIL (hashlib, zlib, NumPy): needs a CPU, not the GIL
  Io,      ///< a blocking call: releases the GIL, uses no CPU
  Sleep,   ///< time.sleep: as Io
  Repeat,  ///< a loop over `body`
};

std::string_view step_name(StepKind kind);

inline constexpr std::int64_t kForever = -1;

struct Step {
  StepKind kind = StepKind::Cpu;
  sim::Dist duration;      ///< for every kind but Repeat
  std::int64_t times = 0;  ///< Repeat: iterations, or kForever
  std::vector<Step> body;  ///< Repeat: the steps repeated
};

using Program = std::vector<Step>;

/// The flat form a thread executes.
struct Instr {
  enum class Op : std::uint8_t { Work, LoopBegin, LoopEnd };
  Op op = Op::Work;
  StepKind kind = StepKind::Cpu;  ///< Work: what it is
  sim::Dist duration;             ///< Work
  std::int64_t times = 0;         ///< LoopBegin: iterations, or kForever
  std::uint32_t jump = 0;         ///< LoopBegin: index after its LoopEnd; LoopEnd: body start
};

std::vector<Instr> compile(const Program& program);

/// True if any loop in the program repeats forever.
bool runs_forever(const Program& program);

}  // namespace gilsim::models
