// The threads waiting on one condition variable, and the rule for which one a signal wakes.
// Hot (every GIL wait adds and removes a thread), so it is all inline.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "models/gil/gil.hpp"

namespace gilsim::models {

class WaiterSet {
 public:
  WaiterSet(WaiterChoice choice, int threads)
      : choice_(choice),
        pos_(std::size_t(threads), kAbsent),
        prev_(std::size_t(threads), kNoThread),
        next_(std::size_t(threads), kNoThread) {}

  void add(ThreadId t) {
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

  void remove(ThreadId t) {
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
    if (prev_[t] != kNoThread) {
      next_[prev_[t]] = next_[t];
    } else {
      head_ = next_[t];
    }
    if (next_[t] != kNoThread) {
      prev_[next_[t]] = prev_[t];
    } else {
      tail_ = prev_[t];
    }
    prev_[t] = next_[t] = kNoThread;
  }

  bool contains(ThreadId t) const { return pos_[t] != kAbsent; }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  /// Removes and returns the oldest waiter (Fifo and Lifo sets); kNoThread if none.
  ThreadId pick_first() {
    const ThreadId t = head_;
    if (t != kNoThread) remove(t);
    return t;
  }

  /// Removes and returns the waiter one signal wakes; kNoThread if none.
  ThreadId pick(sim::Rng& rng) {
    if (size_ == 0) return kNoThread;
    ThreadId t = kNoThread;
    switch (choice_) {
      case WaiterChoice::Random:
        t = items_[rng.below(items_.size())];
        break;
      case WaiterChoice::Fifo:
        t = head_;
        break;
      case WaiterChoice::Lifo:
        t = tail_;
        break;
    }
    remove(t);
    return t;
  }

 private:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFF;
  WaiterChoice choice_;
  std::size_t size_ = 0;
  // Random: `items_` unordered (swap-remove), pos_ = index. Fifo/Lifo: a doubly linked list in
  // arrival order through prev_/next_, pos_ = 0 when present.
  std::vector<ThreadId> items_;
  std::vector<std::uint32_t> pos_;
  std::vector<ThreadId> prev_, next_;
  ThreadId head_ = kNoThread, tail_ = kNoThread;
};

}  // namespace gilsim::models
