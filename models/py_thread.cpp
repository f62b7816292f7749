#include "models/py_thread.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace gilsim::models {

PyThread::PyThread(ThreadId id, ProgramCursor program, sim::Simulator& sim, OsScheduler& os,
                   GilPolicy& gil, Sinks sinks, sim::LaneId io_lane)
    : id_(id),
      program_(std::move(program)),
      sim_(sim),
      os_(os),
      gil_(gil),
      sinks_(sinks),
      io_lane_(io_lane) {}

void PyThread::start(sim::Time at) {
  sim_.at(at, [this] { os_.wake(id_); });
}

void PyThread::on_running() {
  if (gil_op_ != GilOp::None) {
    gil_.on_running(id_);
    return;
  }
  // Started, or back from a blocking call: take the GIL (bootstrap / Py_END_ALLOW_THREADS).
  take_gil(Then::Next);
}

void PyThread::on_burst_done() {
  if (gil_op_ != GilOp::None) {
    gil_.on_sys_done(id_);
    return;
  }
  in_burst_ = false;
  step_left_ -= burst_work_;
  if (step_ == StepKind::Cpu) work_pos_ += burst_work_;
  if (step_left_ <= 0) serial_done_ += double(step_nominal_);
  const bool holds_python = step_ == StepKind::Cpu || step_ == StepKind::CCall;
  if (holds_python && work_pos_ >= check_at_) {
    check_point(step_left_ > 0 ? Then::Exec : Then::Next);
    return;
  }
  if (step_left_ > 0) {
    run_step();
  } else if (step_ == StepKind::Native) {
    take_gil(Then::Next);
  } else {
    next_step();
  }
}

void PyThread::next_step() {
  if (!program_.next(step_, step_nominal_)) {
    if (has_gil_) {
      drop_gil(Then::Exit, /*final=*/true);
    } else {
      finish();
    }
    return;
  }
  step_work_ = step_nominal_;
  if (step_ == StepKind::Cpu && gil_.bytecode_factor() != 1.0) {
    step_work_ = std::int64_t(std::llround(double(step_nominal_) * gil_.bytecode_factor()));
  }
  step_left_ = step_work_;
  switch (step_) {
    case StepKind::Cpu:
    case StepKind::CCall:
      if (has_gil_) {
        run_step();
      } else {
        take_gil(Then::Exec);
      }
      return;
    case StepKind::Native:
      if (has_gil_) {
        drop_gil(Then::Exec, false);
      } else {
        run_step();
      }
      return;
    case StepKind::Io:
    case StepKind::Sleep:
      if (has_gil_) {
        drop_gil(Then::Block, false);
      } else {
        begin_block();
      }
      return;
    case StepKind::Repeat:
      break;
  }
  throw std::logic_error("bad instruction");
}

void PyThread::run_step() {
  std::int64_t work = step_left_;
  TimeCat cat = TimeCat::Native;
  if (step_ == StepKind::Cpu) {
    cat = TimeCat::Cpu;
    const std::int64_t room = check_at_ - work_pos_;
    if (room < work) work = room < 0 ? 0 : room;
  } else if (step_ == StepKind::CCall) {
    cat = TimeCat::Cpu;
  }
  in_burst_ = true;
  burst_work_ = work;
  os_.run_burst(id_, cat, work);
}

void PyThread::request_check(std::int64_t within) {
  if (in_burst_ && step_ == StepKind::CCall) {
    if (work_pos_ < check_at_) check_at_ = work_pos_;  // checked when the C call returns
    return;
  }
  const bool bytecode = in_burst_ && step_ == StepKind::Cpu;
  const std::int64_t progressed = bytecode ? burst_work_ - os_.burst_left(id_) : 0;
  const std::int64_t at = work_pos_ + progressed + within;
  if (at >= check_at_) return;
  check_at_ = at;
  if (bytecode) {
    os_.trim_burst(id_, within);
    burst_work_ = progressed + within;
  }
}

void PyThread::reset_check(std::int64_t after) {
  check_at_ = after == sim::kNever ? sim::kNever : work_pos_ + after;
}

void PyThread::proceed(Then then) {
  switch (then) {
    case Then::Next:
      next_step();
      return;
    case Then::Exec:
      run_step();
      return;
    case Then::Block:
      begin_block();
      return;
    case Then::Exit:
      finish();
      return;
  }
}

void PyThread::take_gil(Then then) {
  gil_op_ = GilOp::Take;
  then_ = then;
  op_started_ = sim_.now();
  os_.set_wait_cat(id_, TimeCat::GilWait);
  if (gil_.take(id_)) gil_done();
}

void PyThread::drop_gil(Then then, bool final) {
  gil_op_ = GilOp::Drop;
  then_ = then;
  op_started_ = sim_.now();
  os_.set_wait_cat(id_, TimeCat::GilWait);
  if (gil_.drop(id_, final)) gil_done();
}

void PyThread::check_point(Then then) {
  check_at_ = sim::kNever;  // consumed; the GIL sets the next one
  gil_op_ = GilOp::Check;
  then_ = then;
  op_started_ = sim_.now();
  switches_at_op_ = gil_.stats().switches;
  os_.set_wait_cat(id_, TimeCat::GilWait);
  if (gil_.check_point(id_)) {
    gil_op_ = GilOp::None;  // kept the GIL without waiting: not an acquisition to report
    os_.set_wait_cat(id_, TimeCat::CpuWait);
    proceed(then);
  }
}

void PyThread::gil_done() {
  const GilOp op = gil_op_;
  gil_op_ = GilOp::None;
  os_.set_wait_cat(id_, TimeCat::CpuWait);
  if (op == GilOp::Drop) {
    has_gil_ = false;
  } else {
    has_gil_ = true;
    // A check point that kept the GIL (nobody else took it meanwhile: the tick GIL's release
    // and immediate re-take) is not an acquisition anyone waited for.
    const bool lost_it = op == GilOp::Take || gil_.stats().switches != switches_at_op_;
    const sim::Time waited = sim_.now() - op_started_;
    if (lost_it) sinks_.gil_wait->record(waited);
    if (resuming_io_) {
      resuming_io_ = false;
      sinks_.io_resume->record(sim_.now() - io_ended_);
    }
  }
  proceed(then_);
}

void PyThread::begin_block() {
  in_io_ = true;
  io_started_ = sim_.now();
  // A sleep's timer fires late by the OS's timer slack; a blocking call ends when it ends.
  const bool sleep = step_ == StepKind::Sleep;
  const sim::Time late = sleep ? os_.timer_slack(id_) : 0;
  os_.block(id_, TimeCat::Io);
  if (sleep) {
    os_.arm_timer(id_, io_lane_, step_nominal_, late, [this] { io_done(); });
  } else {
    sim_.after(io_lane_, step_nominal_, [this] { io_done(); });
  }
}

void PyThread::io_done() {
  in_io_ = false;
  serial_done_ += double(step_nominal_);
  resuming_io_ = true;
  io_ended_ = io_started_ + step_nominal_;  // latency counts from the call's nominal end
  os_.wake(id_);
}

void PyThread::finish() {
  finished_ = true;
  finish_time_ = sim_.now();
  os_.exit(id_);
}

double PyThread::serial_progress() {
  double partial = 0;
  if (in_io_) {
    partial = double(std::min(sim_.now() - io_started_, step_nominal_));
  } else if (!finished_ && step_left_ > 0 && step_work_ > 0) {
    std::int64_t left = step_left_;
    if (in_burst_) left -= burst_work_ - os_.burst_left(id_);
    partial = double(step_nominal_) * double(step_work_ - left) / double(step_work_);
  }
  return serial_done_ + partial;
}

}  // namespace gilsim::models
