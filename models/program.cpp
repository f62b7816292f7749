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

bool ProgramCursor::next(StepKind& kind, sim::Time& duration) {
  const std::vector<Instr>& code = *code_;
  for (;;) {
    if (pc_ == code.size()) return false;
    const Instr& in = code[pc_];
    if (in.op == Instr::Op::LoopBegin) {
      if (in.times == 0) {
        pc_ = in.jump;
      } else {
        loops_.push_back(in.times);
        ++pc_;
      }
      continue;
    }
    if (in.op == Instr::Op::LoopEnd) {
      std::int64_t& left = loops_.back();
      if (left != kForever && --left == 0) {
        loops_.pop_back();
        ++pc_;
      } else {
        pc_ = in.jump;
      }
      continue;
    }
    ++pc_;
    kind = in.kind;
    duration = in.duration.sample(rng_);
    return true;
  }
}

std::string program_stream(const std::string& group, int index) {
  return "thread/" + group + "/" + std::to_string(index) + "/program";
}

}  // namespace gilsim::models
