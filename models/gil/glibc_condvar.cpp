#include "models/gil/glibc_condvar.hpp"

#include <stdexcept>

namespace gilsim::models {

GlibcCondvar::GlibcCondvar(int threads)
    : seq_(std::size_t(threads), kNone), slot_(std::size_t(threads), 0) {
  sleepers_.emplace_back(WaiterChoice::Fifo, threads);
  sleepers_.emplace_back(WaiterChoice::Fifo, threads);
}

void GlibcCondvar::enroll(ThreadId t) {
  if (seq_[t] != kNone) throw std::logic_error("condvar: waiter enrolled twice");
  seq_[t] = wseq_++;
  slot_[t] = g1_slot_ ^ 1;
  ++waiters_;
}

bool GlibcCondvar::in_g1(ThreadId t) const {
  const std::uint64_t s = seq_[t];
  return s != kNone && s >= g1_start_ && s < g1_start_ + g1_orig_size_;
}

GlibcCondvar::Look GlibcCondvar::look(ThreadId t) {
  if (seq_[t] < g1_start_) return Look::Closed;
  std::uint64_t& signals = signals_[slot_[t]];
  if (signals == 0) return Look::Nothing;
  --signals;
  return Look::Signal;
}

void GlibcCondvar::sleep(ThreadId t) {
  sleepers_[slot_[t]].add(t);
}

void GlibcCondvar::leave(ThreadId t) {
  if (seq_[t] == kNone) return;
  sleepers_[slot_[t]].remove(t);
  seq_[t] = kNone;
  --waiters_;
}

bool GlibcCondvar::cancel(ThreadId t) {
  const std::uint64_t s = seq_[t];
  if (s < g1_start_) return true;  // closed: someone provided a signal for it
  if (s >= g1_start_ + g1_orig_size_) {
    ++g2_cancelled_;
    return false;
  }
  if (g1_size_ == 0) return true;  // fully signalled: a signal only it could consume
  --g1_size_;
  return false;
}

bool GlibcCondvar::switch_groups(std::vector<ThreadId>& released) {
  const std::uint64_t g2_start = g1_start_ + g1_orig_size_;
  const std::uint64_t g2_size = (wseq_ - g2_start) - g2_cancelled_;
  if (g2_size == 0) return false;
  // Close G1: its remaining futex waiters are woken and leave.
  WaiterSet& old = sleepers_[g1_slot_];
  for (ThreadId t = old.pick_first(); t != kNoThread; t = old.pick_first()) released.push_back(t);
  signals_[g1_slot_] = 0;
  g1_slot_ ^= 1;
  g1_start_ = g2_start;
  g1_orig_size_ = wseq_ - g2_start;
  g1_size_ = g2_size;
  g2_cancelled_ = 0;
  return true;
}

ThreadId GlibcCondvar::signal(std::vector<ThreadId>& released) {
  if (waiters_ == 0) return kNoThread;
  if (g1_size_ == 0 && !switch_groups(released)) return kNoThread;
  ++signals_[g1_slot_];
  --g1_size_;
  return sleepers_[g1_slot_].pick_first();
}

}  // namespace gilsim::models
