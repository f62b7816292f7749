// What a Python thread does: a program of steps, with loops. Plain data, built by the scenario
// loader and compiled to a flat instruction list that threads execute.
#pragma once

#include <cstdint>
#include <string>
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

/// Walks a compiled program step by step, drawing each duration from the thread's program
/// stream when the step begins. The simulation and the plan handed to the real-run replayer
/// walk it the same way, so both see the same durations.
class ProgramCursor {
 public:
  ProgramCursor(const std::vector<Instr>& code, sim::Rng rng) : code_(&code), rng_(rng) {}
  /// The next step; false at the end of the program.
  bool next(StepKind& kind, sim::Time& duration);
  /// The stream (the thread's start offset is drawn from it first).
  sim::Rng& rng() { return rng_; }

 private:
  const std::vector<Instr>* code_;
  sim::Rng rng_;
  std::size_t pc_ = 0;
  std::vector<std::int64_t> loops_;  // iterations left of each open loop
};

/// The name of a thread's program stream (its step durations and start offset).
std::string program_stream(const std::string& group, int index);

}  // namespace gilsim::models
