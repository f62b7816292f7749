#include <stdexcept>

#include "models/gil/gil.hpp"

namespace gilsim::models {

WaiterSet::WaiterSet(WaiterChoice choice, int threads)
    : choice_(choice),
      pos_(std::size_t(threads), kAbsent),
      prev_(std::size_t(threads), kNoThread),
      next_(std::size_t(threads), kNoThread) {}

void WaiterSet::add(ThreadId t) {
  if (contains(t)) throw std::logic_error("thread already waiting");
  ++size_;
  if (choice_ == WaiterChoice::Random) {
    pos_[t] = std::uint32_t(items_.size());
    items_.push_back(t);
    return;
  }
  pos_[t] = 0;
  prev_[t] = tail_;
  next_[t] = kNoThread;
  if (tail_ != kNoThread) next_[tail_] = t;
  tail_ = t;
  if (head_ == kNoThread) head_ = t;
}

void WaiterSet::remove(ThreadId t) {
  if (!contains(t)) return;
  --size_;
  if (choice_ == WaiterChoice::Random) {
    const std::uint32_t i = pos_[t];
    const ThreadId last = items_.back();
    items_[i] = last;
    pos_[last] = i;
    items_.pop_back();
    pos_[t] = kAbsent;
    return;
  }
  pos_[t] = kAbsent;
  if (prev_[t] != kNoThread) next_[prev_[t]] = next_[t]; else head_ = next_[t];
  if (next_[t] != kNoThread) prev_[next_[t]] = prev_[t]; else tail_ = prev_[t];
  prev_[t] = next_[t] = kNoThread;
}

ThreadId WaiterSet::pick(sim::Rng& rng) {
  if (size_ == 0) return kNoThread;
  ThreadId t = kNoThread;
  switch (choice_) {
    case WaiterChoice::Random: t = items_[rng.below(items_.size())]; break;
    case WaiterChoice::Fifo: t = head_; break;
    case WaiterChoice::Lifo: t = tail_; break;
  }
  remove(t);
  return t;
}

}  // namespace gilsim::models
