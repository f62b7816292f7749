#include "models/gil/switch_interval_gil.hpp"

#include <stdexcept>

namespace gilsim::models {

SwitchIntervalGil::SwitchIntervalGil(const GilSpec& spec, GilHost& host, int threads)
    : spec_(spec),
      host_(host),
      rng_(host.sim().stream("gil")),
      timeouts_(host.sim().add_lane()),
      cond_(spec.waiter_choice, threads),
      switch_cond_(WaiterChoice::Fifo, threads),
      glibc_cond_(threads),
      mutex_queue_(WaiterChoice::Fifo, threads),
      waiters_(std::size_t(threads)) {
  if (spec_.switch_interval < 1) spec_.switch_interval = 1;  // interval = max(interval, 1)
}

bool SwitchIntervalGil::acquire(ThreadId t) {
  locked_ = true;
  holder_ = t;
  ++stats_.acquisitions;
  host_.gil_changed(t, true);
  if (last_holder_ != t) {
    last_holder_ = t;
    ++switch_number_;
    ++stats_.switches;
  }
  // COND_SIGNAL(switch_cond): releases a thread waiting in FORCE_SWITCHING.
  const ThreadId dropper = switch_cond_.pick(rng_);
  if (dropper != kNoThread) {
    host_.gil_event(t, GilEvent::ForcedSwitch);
    count_forced_switch(t, dropper);
    waiters_[dropper].phase = Phase::SwitchWaking;
    host_.wake(dropper, t);
  }
  requester_ = kNoThread;
  drop_request_ = false;  // take_gil resets the request it may have been answering
  host_.reset_check(t, sim::kNever);
  return dropper != kNoThread;
}

bool SwitchIntervalGil::take(ThreadId t) {
  if (glibc()) return g_take(t);
  if (!locked_) {
    acquire(t);
    return true;
  }
  wait(t);
  return false;
}

void SwitchIntervalGil::wait(ThreadId t) {
  Waiter& w = waiters_[t];
  w.phase = Phase::Cond;
  w.timed_out = false;
  w.saved_switch = switch_number_;
  w.timer = host_.arm_timer(t, timeouts_, spec_.switch_interval, [this, t] { on_timeout(t); });
  cond_.add(t);
  host_.block(t);
}

void SwitchIntervalGil::on_timeout(ThreadId t) {
  Waiter& w = waiters_[t];
  w.timer = {};
  // A futex waiter whose timer fired stays in the futex's queue until it runs again: a
  // signal meanwhile is its own (it returns woken, not timed out).
  w.phase = Phase::CondWaking;
  w.timed_out = true;
  host_.wake(t, kNoThread);
}

void SwitchIntervalGil::signal_cond(ThreadId waker) {
  ThreadId t = kNoThread;
  bool to_requester = false;
  // The requester can race only if it posted from another CPU than the dropper's: on the same
  // CPU the holder ran again only once the requester had gone back to sleep.
  const bool shared_cpu = requester_cpu_ != kNoCpu && requester_cpu_ == host_.cpu_of(waker);
  if (drop_request_ && requester_ != kNoThread && cond_.contains(requester_) && !shared_cpu) {
    // A race between the requester, not yet asleep, and the futex queue's choice.
    const double p = spec_.requester_wins;
    const double rho = spec_.requester_persistence;
    const double chance = requester_won_ ? p + rho * (1 - p) : p * (1 - rho);
    to_requester = chance > 0 && rng_.uniform01() < chance;
    requester_won_ = to_requester;
  }
  if (to_requester) {
    t = requester_;
    cond_.remove(t);
  } else {
    t = cond_.pick(rng_);
  }
  if (t == kNoThread) return;  // a signal with no waiter is lost
  wake_signalled(t, waker);
}

void SwitchIntervalGil::wake_signalled(ThreadId t, ThreadId waker) {
  Waiter& w = waiters_[t];
  if (w.phase == Phase::CondWaking) {  // its timer woke it; it has not run since
    w.timed_out = false;
    return;
  }
  host_.cancel_timer(w.timer);
  w.phase = Phase::CondWaking;
  w.timed_out = false;
  host_.wake(t, waker);
}

void SwitchIntervalGil::count_forced_switch(ThreadId winner, ThreadId dropper) {
  ForcedSwitchWinners& by = forced_requester_ == kNoThread ? stats_.no_request
                            : forced_from_holder_cpu_      ? stats_.from_holder_cpu
                                                           : stats_.from_other_cpu;
  std::uint64_t ForcedSwitchWinners::*who =
      winner == forced_requester_   ? &ForcedSwitchWinners::requester
      : winner == previous_dropper_ ? &ForcedSwitchWinners::back
                                    : &ForcedSwitchWinners::other;
  ++(by.*who);
  if (forced_blocked_ && &by == &stats_.from_other_cpu) ++(stats_.mutex_blocked.*who);
  previous_dropper_ = dropper;
}

void SwitchIntervalGil::post_if_timed_out(ThreadId t) {
  // take_gil: "If we timed out and no switch occurred in the meantime, it is time to ask the
  // GIL-holding thread to drop it."
  const Waiter& w = waiters_[t];
  if (!w.timed_out || switch_number_ != w.saved_switch) return;
  if (!drop_request_) {
    requester_ = t;
    requester_cpu_ = host_.cpu_of(t);
  }
  post_drop_request();
}

void SwitchIntervalGil::post_drop_request() {
  if (drop_request_) return;
  drop_request_ = true;
  ++stats_.drop_requests;
  const Waiter& h = waiters_[holder_];
  const bool dropping =
      h.phase == Phase::DropEntry ||
      ((h.phase == Phase::MutexWait || h.phase == Phase::MutexWaking) && h.then == Then::Drop);
  if (dropping) return;  // already on its way out of the GIL
  // The request lands at a uniformly random point between two check points of the holder.
  const auto gap = std::int64_t(host_.rng(holder_).uniform01() * double(spec_.check_gap));
  host_.request_check(holder_, gap);
}

void SwitchIntervalGil::on_running(ThreadId t) {
  Waiter& w = waiters_[t];
  if (glibc() && w.phase != Phase::SwitchWaking) {
    g_on_running(t);
    return;
  }
  if (w.phase == Phase::SwitchWaking) {
    w.phase = Phase::Idle;
    if (w.retake) {
      w.retake = false;
      if (!take(t)) return;
    }
    host_.done(t);
    return;
  }
  if (w.phase != Phase::CondWaking) throw std::logic_error("GIL: unexpected wake-up");
  cond_.remove(t);
  if (w.timed_out) host_.gil_event(t, GilEvent::WaitTimedOut);
  if (!locked_) {
    w.phase = Phase::Idle;
    acquire(t);
    host_.done(t);
    return;
  }
  post_if_timed_out(t);
  wait(t);
}

void SwitchIntervalGil::on_sys_done(ThreadId t) {
  if (!glibc()) throw std::logic_error("switch-interval GIL runs no kernel bursts");
  g_on_sys_done(t);
}

bool SwitchIntervalGil::drop(ThreadId t, bool final) {
  if (glibc()) return g_drop(t, final);
  last_holder_ = t;
  locked_ = false;
  holder_ = kNoThread;
  host_.gil_changed(t, false);
  signal_cond(t);
  return forced_switch_wait(t, final);
}

bool SwitchIntervalGil::forced_switch_wait(ThreadId t, bool final) {
  if (spec_.force_switching && drop_request_ && !final && last_holder_ == t) {
    // Remembered for count_forced_switch, when the next holder releases this thread.
    forced_requester_ = requester_;
    forced_from_holder_cpu_ = requester_ != kNoThread && requester_cpu_ == host_.cpu_of(t);
    drop_request_ = false;
    waiters_[t].phase = Phase::Switch;
    ++stats_.forced_switches;
    switch_cond_.add(t);
    host_.block(t);
    return false;
  }
  return true;
}

bool SwitchIntervalGil::check_point(ThreadId t) {
  if (!drop_request_ || holder_ != t) return true;
  // _Py_HandlePending: drop the GIL, then take it again ("other threads may run now").
  waiters_[t].retake = true;
  if (!drop(t, false)) return false;
  waiters_[t].retake = false;
  return take(t);
}

}  // namespace gilsim::models
