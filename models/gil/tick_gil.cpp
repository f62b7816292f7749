#include "models/gil/tick_gil.hpp"

#include <cmath>
#include <stdexcept>

namespace gilsim::models {

TickGil::TickGil(const GilSpec& spec, GilHost& host, int threads)
    : spec_(spec),
      host_(host),
      rng_(host.sim().stream("gil")),
      sleepers_(spec.waiter_choice, threads),
      waiters_(std::size_t(threads)),
      contention_costs_(spec.contended_release != sim::Dist::constant(0)) {}

void TickGil::set_phase(ThreadId t, Phase phase) {
  Waiter& w = waiters_[t];
  const bool was =
      w.phase == Phase::Sleeping || w.phase == Phase::Woken || w.phase == Phase::FailCost;
  const bool is = phase == Phase::Sleeping || phase == Phase::Woken || phase == Phase::FailCost;
  registered_ += int(is) - int(was);
  if (phase == Phase::Sleeping || phase == Phase::Idle) w.charged = false;
  w.phase = phase;
}

void TickGil::acquire(ThreadId t) {
  locked_ = true;
  holder_ = t;
  set_phase(t, Phase::Idle);
  ++stats_.acquisitions;
  host_.gil_changed(t, true);
  if (last_holder_ != t) {
    last_holder_ = t;
    ++stats_.switches;
  }
  host_.reset_check(t, sim::Time(std::llround(double(spec_.check_interval) * spec_.tick_cost)));
}

bool TickGil::take(ThreadId t) {
  if (!locked_) {
    acquire(t);
    return true;
  }
  fail(t);
  return false;
}

void TickGil::fail(ThreadId t) {
  // sem_wait's slow path: the futex system call that puts the thread to sleep.
  set_phase(t, Phase::FailCost);
  host_.run_sys(t, spec_.failed_acquire.sample(host_.rng(t)));
}

void TickGil::on_running(ThreadId t) {
  if (waiters_[t].phase != Phase::Woken) throw std::logic_error("tick GIL: unexpected wake-up");
  if (!locked_) {
    acquire(t);
    host_.done(t);
    return;
  }
  ++stats_.failed_acquisitions;  // woken for nothing: the releaser got there first
  fail(t);
}

void TickGil::on_sys_done(ThreadId t) {
  Waiter& w = waiters_[t];
  if (w.phase == Phase::Contended) {
    w.phase = Phase::Idle;
    if (release_and_retake(t)) host_.done(t);
    return;
  }
  if (w.phase == Phase::FailCost) {
    if (!locked_) {  // released meanwhile: the futex wait returns at once and the retry wins
      acquire(t);
      host_.done(t);
      return;
    }
    set_phase(t, Phase::Sleeping);
    sleepers_.add(t);
    host_.block(t);
    return;
  }
  if (w.phase != Phase::ReleaseCost) throw std::logic_error("tick GIL: unexpected kernel burst");
  if (!w.retake) {
    set_phase(t, Phase::Idle);
    host_.done(t);
    return;
  }
  w.retake = false;
  if (!locked_) {
    acquire(t);
    host_.done(t);
    return;
  }
  fail(t);
}

bool TickGil::release(ThreadId t) {
  locked_ = false;
  holder_ = kNoThread;
  host_.gil_changed(t, false);
  if (registered_ == 0) return true;  // nobody waits: sem_post makes no system call
  ++stats_.wake_syscalls;
  const ThreadId sleeper = sleepers_.pick(rng_);
  // The releaser enters the kernel first, so the OS may preempt it there (lock still free).
  set_phase(t, Phase::ReleaseCost);
  if (sleeper == kNoThread) {
    host_.run_sys(t, spec_.empty_wake_syscall.sample(host_.rng(t)));
    return false;
  }
  ++stats_.waiters_woken;
  host_.run_sys(t, spec_.release_syscall.sample(host_.rng(t)));
  set_phase(sleeper, Phase::Woken);
  host_.wake(sleeper, t);
  return false;
}

bool TickGil::contended(ThreadId holder) {
  bool any = false;
  for (ThreadId o = 0; o < ThreadId(waiters_.size()); ++o) {
    if (o == holder) continue;
    Waiter& w = waiters_[o];
    if (w.charged) continue;
    if (w.phase == Phase::FailCost || (w.phase == Phase::Woken && host_.is_running(o))) {
      w.charged = true;
      any = true;
    }
  }
  return any;
}

bool TickGil::check_point(ThreadId t) {
  if (contention_costs_ && contended(t)) {
    ++stats_.contended_releases;
    waiters_[t].phase = Phase::Contended;  // the holder is not registered on the lock
    host_.run_sys(t, spec_.contended_release.sample(host_.rng(t)));
    return false;
  }
  return release_and_retake(t);
}

bool TickGil::release_and_retake(ThreadId t) {
  waiters_[t].retake = true;
  if (!release(t)) return false;
  waiters_[t].retake = false;
  acquire(t);  // nobody was sleeping: the re-acquire is immediate
  return true;
}

bool TickGil::drop(ThreadId t, bool) {
  waiters_[t].retake = false;
  return release(t);
}

}  // namespace gilsim::models
