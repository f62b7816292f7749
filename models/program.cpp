#include "models/program.hpp"

namespace gilsim::models {

std::string_view step_name(StepKind kind) {
  switch (kind) {
    case StepKind::Cpu:
      return "cpu";
    case StepKind::CCall:
      return "c_call";
    case StepKind::Native:
      return "native";
    case StepKind::Io:
      return "io";
    case StepKind::Sleep:
      return "sleep";
    case StepKind::Repeat:
      return "repeat";
  }
  return "?";
}

namespace {
void emit(const Program& program, std::vector<Instr>& out) {
  for (const Step& step : program) {
    if (step.kind != StepKind::Repeat) {
      Instr in;
      in.kind = step.kind;
      in.duration = step.duration;
      out.push_back(in);
      continue;
    }
    const auto begin = std::uint32_t(out.size());
    Instr head;
    head.op = Instr::Op::LoopBegin;
    head.times = step.times;
    out.push_back(head);
    emit(step.body, out);
    Instr tail;
    tail.op = Instr::Op::LoopEnd;
    tail.jump = begin + 1;
    out.push_back(tail);
    out[begin].jump = std::uint32_t(out.size());
  }
}
}  // namespace

std::vector<Instr> compile(const Program& program) {
  std::vector<Instr> out;
  emit(program, out);
  return out;
}

bool runs_forever(const Program& program) {
  for (const Step& step : program) {
    if (step.kind == StepKind::Repeat && (step.times == kForever || runs_forever(step.body))) {
      return true;
    }
  }
  return false;
}

}  // namespace gilsim::models
