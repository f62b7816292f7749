// The condition variable of glibc 2.25 and later (nptl/pthread_cond_wait.c,
// pthread_cond_signal.c, pthread_cond_common.c), as the GIL's `cond` uses it: which waiter a
// signal can go to, decided by the order in which the waiters registered, not drawn.
//
// Notes about the model, transcribed from glibc:
// - A waiter takes a position in the waiter sequence while it still holds the mutex
//   (`__wseq`), and always joins group G2. A signal goes to group G1, the older waiters: while
//   G1 has waiters not yet signalled it adds a signal there and futex-wakes one sleeper of G1;
//   when it has none, the signal first closes G1 and turns G2 into G1
//   (`__condvar_quiesce_and_switch_g1`), or is lost if G2 is empty.
// - Any waiter of G1 that looks at the group's signals takes one: a waiter still on its way to
//   its futex (awake) takes it ahead of the sleeper the signal woke, which finds none and sleeps
//   again, at the end of the futex queue (FIFO for threads of one priority).
// - A waiter whose group was closed returns at once (a spurious wake-up for it).
// - A waiter whose timed wait expires cancels its registration: in G2 it leaves it, in G1 it
//   makes the group smaller, unless the group was fully signalled or closed: it then counts
//   as having consumed a signal and sends a replacement (`__condvar_cancel_waiting`).
// Pure bookkeeping: the GIL policy decides when each of these happens.
#pragma once

#include <cstdint>
#include <vector>

#include "models/gil/waiter_set.hpp"
#include "models/ids.hpp"

namespace gilsim::models {

class GlibcCondvar {
 public:
  explicit GlibcCondvar(int threads);

  /// pthread_cond_(timed)wait's registration: a position in the waiter sequence, in G2.
  void enroll(ThreadId t);
  /// What a waiter finds when it looks at its group's signals.
  enum class Look : std::uint8_t { Signal, Closed, Nothing };
  /// Looks, and takes a signal if there is one.
  Look look(ThreadId t);
  /// Blocks on its group's futex (after a look found Nothing).
  void sleep(ThreadId t);
  /// Leaves the futex queue (its timed wait expired).
  void unsleep(ThreadId t) { sleepers_[slot_[t]].remove(t); }
  /// The waiter returns from its wait (after a signal, a closed group or a timeout).
  void leave(ThreadId t);
  /// A timed-out waiter cancels its registration: true if it must send a replacement signal.
  bool cancel(ThreadId t);
  /// pthread_cond_signal: returns the sleeper its futex_wake woke (kNoThread if none) and
  /// appends to `released` the sleepers of a group it closed (they return spuriously).
  ThreadId signal(std::vector<ThreadId>& released);

  /// Whether `t` is in G1 (eligible for the next signal without a group switch).
  bool in_g1(ThreadId t) const;

 private:
  static constexpr std::uint64_t kNone = ~std::uint64_t(0);
  bool switch_groups(std::vector<ThreadId>& released);

  std::uint64_t wseq_ = 0;      // the next position
  std::uint64_t g1_start_ = 0;  // G1 is [g1_start_, g1_start_ + g1_orig_size_)
  std::uint64_t g1_orig_size_ = 0;
  std::uint64_t g1_size_ = 0;  // G1 waiters not yet signalled nor cancelled
  std::uint64_t g2_cancelled_ = 0;
  int g1_slot_ = 1;  // G2 starts in slot 0, as in PTHREAD_COND_INITIALIZER
  std::uint64_t signals_[2] = {0, 0};
  std::vector<WaiterSet> sleepers_;  // per slot, FIFO
  std::vector<std::uint64_t> seq_;
  std::vector<int> slot_;
  std::size_t waiters_ = 0;  // enrolled, not yet left (glibc's __wrefs)
};

}  // namespace gilsim::models
