// A Python thread running its program. Where CPython releases the GIL: Py_BEGIN_ALLOW_THREADS
// around blocking system calls (os.read, sockets, time.sleep), hashlib updates of >= 2048 bytes,
// zlib, NumPy loops over > 500 elements.
//
// Model:
// - A new thread first takes the GIL (the thread bootstrap runs Python).
// - `cpu` needs the GIL; its work is bytecode, cut at the check points the GIL asks for
//   (a drop request, the tick counter). `c_call` needs the GIL and is never cut: a pending
//   check happens when it returns.
// - `native` and `io`/`sleep` release the GIL first (Py_BEGIN_ALLOW_THREADS, which may wait
//   under FORCE_SWITCHING), and take it back afterwards with the full take_gil
//   (Py_END_ALLOW_THREADS), whatever comes next.
// - At the end of its program the thread releases the GIL (a final release) and exits.
// Every duration is drawn from the thread's program stream when the step begins.
#pragma once

#include <cstdint>
#include <vector>

#include "models/gil/gil.hpp"
#include "models/os_scheduler.hpp"
#include "models/program.hpp"
#include "sim/histogram.hpp"

namespace gilsim::models {

class PyThread {
 public:
  /// Where the thread records what it measures (its group's figures and the run's).
  struct Sinks {
    sim::Histogram* gil_wait;
    sim::Histogram* io_resume;
  };

  /// `program` yields the thread's steps (from its own random stream). `io_lane`: the simulator
  /// lane for ends of blocking calls, shared by the run's threads.
  PyThread(ThreadId id, ProgramCursor program, sim::Simulator& sim, OsScheduler& os, GilPolicy& gil,
           Sinks sinks, sim::LaneId io_lane);

  /// Schedules the thread's start at `at`.
  void start(sim::Time at);

  // From the OS scheduler.
  void on_running();
  void on_burst_done();
  // From the GIL policy (through the host).
  void gil_done();
  void request_check(std::int64_t within);
  void reset_check(std::int64_t after);

  bool finished() const { return finished_; }
  sim::Time finish_time() const { return finish_time_; }
  /// Nominal work done so far (ns), counting the part of a step in progress.
  double serial_progress();

 private:
  enum class Then : std::uint8_t { Next, Exec, Block, Exit };
  enum class GilOp : std::uint8_t { None, Take, Drop, Check };

  void next_step();
  void run_step();
  void proceed(Then then);
  void take_gil(Then then);
  void drop_gil(Then then, bool final);
  void check_point(Then then);
  void begin_block();
  void io_done();
  void finish();

  ThreadId id_;
  ProgramCursor program_;
  sim::Simulator& sim_;
  OsScheduler& os_;
  GilPolicy& gil_;
  Sinks sinks_;
  sim::LaneId io_lane_;

  StepKind step_ = StepKind::Cpu;
  sim::Time step_nominal_ = 0;  // sampled duration of the current step
  std::int64_t step_work_ = 0;  // its work (bytecode scaled by the GIL build's factor)
  std::int64_t step_left_ = 0;
  bool in_burst_ = false;  // a step burst is running or suspended by the OS
  std::int64_t burst_work_ = 0;
  std::int64_t work_pos_ = 0;  // bytecode work done since the start (check-point clock)
  std::int64_t check_at_ = sim::kNever;
  sim::Time io_started_ = 0;
  bool in_io_ = false;

  bool has_gil_ = false;
  GilOp gil_op_ = GilOp::None;
  Then then_ = Then::Next;
  sim::Time op_started_ = 0;
  std::uint64_t switches_at_op_ = 0;
  bool resuming_io_ = false;
  sim::Time io_ended_ = 0;

  double serial_done_ = 0;
  bool finished_ = false;
  sim::Time finish_time_ = 0;
};

}  // namespace gilsim::models
