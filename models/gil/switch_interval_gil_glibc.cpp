// The switch-interval GIL over glibc's condition variable and the GIL's mutex (see the notes
// in switch_interval_gil.hpp and glibc_condvar.hpp). Transcribed from take_gil/drop_gil
// (Python/ceval_gil.c):
//   take_gil: MUTEX_LOCK; while (locked) { saved = switch_number; COND_TIMED_WAIT;
//             if (timed_out && locked && switch_number == saved) SET_GIL_DROP_REQUEST; }
//             take it; MUTEX_UNLOCK
//   drop_gil: MUTEX_LOCK; locked = 0; COND_SIGNAL(cond); MUTEX_UNLOCK; then FORCE_SWITCHING.
// COND_TIMED_WAIT registers the waiter and releases the mutex; on return (signal, closed
// group or timeout) it locks the mutex again.
#include <stdexcept>

#include "models/gil/switch_interval_gil.hpp"

namespace gilsim::models {

void SwitchIntervalGil::run_lock_code(ThreadId t, Phase phase, const sim::Dist& cost) {
  waiters_[t].phase = phase;
  host_.run_sys(t, cost.sample(host_.rng(t)));
}

bool SwitchIntervalGil::lock_mutex(ThreadId t, Then then) {
  if (mutex_owner_ == kNoThread) {
    mutex_owner_ = t;
    return true;
  }
  // __lll_lock_wait: on its way to the futex it sees a release, or sleeps on it.
  waiters_[t].then = then;
  run_lock_code(t, Phase::MutexEntering, spec_.sleep_entry);
  return false;
}

void SwitchIntervalGil::mutex_sleep(ThreadId t) {
  if (mutex_owner_ == kNoThread) {  // released meanwhile: futex_wait returns at once
    mutex_owner_ = t;
    mutex_granted(t);
    return;
  }
  waiters_[t].phase = Phase::MutexWait;
  mutex_queue_.add(t);
  host_.block(t);
}

void SwitchIntervalGil::mutex_granted(ThreadId t) {
  switch (waiters_[t].then) {
    case Then::Return:
      g_returned_locked(t);
      return;
    case Then::Take:
      if (g_take_locked(t)) host_.done(t);
      return;
    case Then::Drop:
      if (g_drop_locked(t)) g_drop_completed(t);
      return;
  }
}

bool SwitchIntervalGil::unlock_mutex(ThreadId t) {
  if (mutex_owner_ != t) throw std::logic_error("GIL mutex: unlocked by a non-owner");
  mutex_owner_ = kNoThread;
  const ThreadId next = mutex_queue_.pick_first();
  if (next == kNoThread) return false;
  waiters_[next].phase = Phase::MutexWaking;
  host_.wake(next, t);
  return true;
}

bool SwitchIntervalGil::release_mutex(ThreadId t, AfterUnlock after) {
  waiters_[t].after_unlock = after;
  if (!unlock_mutex(t)) return true;
  // The unlock's futex_wake woke a waiter: a system call the thread runs before going on.
  run_lock_code(t, Phase::Unlocking, spec_.wake_syscall);
  return false;
}

void SwitchIntervalGil::after_unlock(ThreadId t) {
  Waiter& w = waiters_[t];
  switch (w.after_unlock) {
    // glibc's look at the group's signals after the unlock (none can come while the thread
    // holds the mutex: drop_gil needs it).
    case AfterUnlock::Look:
      if (glibc_cond_.look(t) == GlibcCondvar::Look::Nothing) {
        run_lock_code(t, Phase::Entering, spec_.sleep_entry);
      } else {
        g_returned(t, false);
      }
      return;
    case AfterUnlock::SwitchWait:
      if (forced_switch_wait(t, w.final)) g_drop_completed(t);
      return;
    case AfterUnlock::Run:
      w.phase = Phase::Idle;
      host_.done(t);
      return;
  }
}

bool SwitchIntervalGil::g_take(ThreadId t) {
  if (!lock_mutex(t, Then::Take)) return false;
  return g_take_locked(t);
}

bool SwitchIntervalGil::g_take_locked(ThreadId t) {
  if (!locked_) return g_acquire_locked(t);
  g_enter_wait(t);
  return false;
}

bool SwitchIntervalGil::g_acquire_locked(ThreadId t) {
  if (acquire(t)) {  // COND_SIGNAL(switch_cond) woke the dropper: a system call
    run_lock_code(t, Phase::Acquired, spec_.wake_syscall);
    return false;
  }
  if (!release_mutex(t, AfterUnlock::Run)) return false;
  waiters_[t].phase = Phase::Idle;
  return true;
}

void SwitchIntervalGil::g_enter_wait(ThreadId t) {
  Waiter& w = waiters_[t];
  w.saved_switch = switch_number_;
  w.deadline = host_.sim().now() + spec_.switch_interval;
  w.timed_out = false;
  glibc_cond_.enroll(t);
  if (release_mutex(t, AfterUnlock::Look)) after_unlock(t);
}

void SwitchIntervalGil::g_look(ThreadId t) {
  switch (glibc_cond_.look(t)) {
    case GlibcCondvar::Look::Signal:
    case GlibcCondvar::Look::Closed:
      g_returned(t, false);
      return;
    case GlibcCondvar::Look::Nothing:
      g_sleep(t);
      return;
  }
}

void SwitchIntervalGil::g_sleep(ThreadId t) {
  Waiter& w = waiters_[t];
  const sim::Time left = w.deadline - host_.sim().now();
  if (left <= 0) {  // futex_wait with a deadline passed: ETIMEDOUT at once
    if (glibc_cond_.cancel(t)) g_signal(t);
    g_returned(t, true);
    return;
  }
  glibc_cond_.sleep(t);
  w.phase = Phase::Cond;
  w.timer = host_.arm_timer(t, timeouts_, left, [this, t] { on_timeout(t); });
  host_.block(t);
}

bool SwitchIntervalGil::g_signal(ThreadId waker) {
  released_.clear();
  const ThreadId woken = glibc_cond_.signal(released_);
  if (woken != kNoThread) released_.push_back(woken);
  for (ThreadId t : released_) wake_signalled(t, waker);
  return !released_.empty();
}

void SwitchIntervalGil::g_returned(ThreadId t, bool timed_out) {
  if (timed_out) host_.gil_event(t, GilEvent::WaitTimedOut);
  glibc_cond_.leave(t);
  waiters_[t].timed_out = timed_out;
  if (!lock_mutex(t, Then::Return)) return;
  g_returned_locked(t);
}

void SwitchIntervalGil::g_returned_locked(ThreadId t) {
  if (!locked_) {
    if (g_acquire_locked(t)) host_.done(t);
    return;
  }
  // glibc's return path and CPython's up to take_gil's check, with the mutex held (the GIL
  // cannot be released meanwhile: drop_gil needs the mutex).
  const sim::Time delay = spec_.request_delay.sample(host_.rng(t));
  if (delay > 0) {
    waiters_[t].phase = Phase::Checking;
    host_.run_sys(t, delay);
    return;
  }
  g_check(t);
}

void SwitchIntervalGil::g_check(ThreadId t) {
  post_if_timed_out(t);
  // The rest of the loop and COND_TIMED_WAIT up to its registration, with the mutex held.
  run_lock_code(t, Phase::Holding, spec_.mutex_hold);
}

bool SwitchIntervalGil::g_drop(ThreadId t, bool final) {
  Waiter& w = waiters_[t];
  w.final = final;
  last_holder_ = t;
  run_lock_code(t, Phase::DropEntry, spec_.drop_entry);
  return false;
}

bool SwitchIntervalGil::g_drop_locked(ThreadId t) {
  Waiter& w = waiters_[t];
  w.phase = Phase::Idle;
  locked_ = false;
  holder_ = kNoThread;
  host_.gil_changed(t, false);
  if (g_signal(t)) {  // it woke a sleeper: a system call, with the mutex held
    run_lock_code(t, Phase::Signalling, spec_.wake_syscall);
    return false;
  }
  if (!release_mutex(t, AfterUnlock::SwitchWait)) return false;
  return forced_switch_wait(t, w.final);
}

void SwitchIntervalGil::g_drop_completed(ThreadId t) {
  Waiter& w = waiters_[t];
  if (w.retake) {  // an eval-breaker drop: take_gil again at once
    w.retake = false;
    if (!take(t)) return;
  }
  host_.done(t);
}

void SwitchIntervalGil::g_on_sys_done(ThreadId t) {
  Waiter& w = waiters_[t];
  switch (w.phase) {
    case Phase::Entering:
      g_look(t);
      return;
    case Phase::Checking:
      g_check(t);
      return;
    case Phase::Holding:
      g_enter_wait(t);
      return;
    case Phase::Acquired:
      if (release_mutex(t, AfterUnlock::Run)) after_unlock(t);
      return;
    case Phase::Signalling:
      if (release_mutex(t, AfterUnlock::SwitchWait)) after_unlock(t);
      return;
    case Phase::Unlocking:
      after_unlock(t);
      return;
    case Phase::DropEntry:
      forced_blocked_ = mutex_owner_ != kNoThread;  // read when the next holder releases it
      if (lock_mutex(t, Then::Drop) && g_drop_locked(t)) g_drop_completed(t);
      return;
    case Phase::MutexEntering:
      mutex_sleep(t);
      return;
    default:
      throw std::logic_error("GIL: unexpected lock code");
  }
}

void SwitchIntervalGil::g_on_running(ThreadId t) {
  Waiter& w = waiters_[t];
  if (w.phase == Phase::MutexWaking) {
    if (mutex_owner_ != kNoThread) {  // taken meanwhile: sleeps again
      w.phase = Phase::MutexWait;
      mutex_queue_.add(t);
      host_.block(t);
      return;
    }
    mutex_owner_ = t;
    mutex_granted(t);
    return;
  }
  if (w.phase != Phase::CondWaking) throw std::logic_error("GIL: unexpected wake-up");
  if (w.timed_out) {
    glibc_cond_.unsleep(t);                  // its futex wait returns ETIMEDOUT only now
    if (glibc_cond_.cancel(t)) g_signal(t);  // it had been signalled: a replacement
    g_returned(t, true);
    return;
  }
  g_look(t);  // futex-woken or its group closed: a signal may be there, or taken already
}

}  // namespace gilsim::models
