// Observation kept out of model logic: models report what happens, observers (a trace writer,
// a test's timeline) subscribe. With no observer attached, reporting costs one branch.
#pragma once

#include "models/ids.hpp"
#include "sim/time.hpp"

namespace gilsim::models {

class Observer {
 public:
  virtual ~Observer() = default;
  /// A thread's time starts counting as `cat` (running Python, blocked in I/O, ...), on logical
  /// CPU `cpu` for the categories spent on one (Cpu, Native, Sys), else kNoCpu.
  virtual void on_thread_state(sim::Time /*at*/, ThreadId /*thread*/, TimeCat /*cat*/,
                               CpuId /*cpu*/) {}
  /// A thread took (acquired = true) or released the GIL.
  virtual void on_gil(sim::Time /*at*/, ThreadId /*thread*/, bool /*acquired*/) {}
  /// A step of the GIL's protocol (switch-interval GIL): `thread` is back from a timed wait
  /// that expired, or, as the new holder, releases the thread it forced to drop.
  virtual void on_gil_event(sim::Time /*at*/, ThreadId /*thread*/, GilEvent /*event*/) {}
  /// A blocked (or not yet started) thread becomes runnable: a timer, an I/O completion, a
  /// signal or a lock release woke it. It runs once a CPU takes it (on_thread_state with a CPU).
  virtual void on_woken(sim::Time /*at*/, ThreadId /*thread*/) {}
  /// A thread finished its program.
  virtual void on_exit(sim::Time /*at*/, ThreadId /*thread*/) {}
};

}  // namespace gilsim::models
