#include "sim/event_queue.hpp"

#include <utility>

namespace gilsim::sim {

EventId EventQueue::push(Time at, Callback fn) {
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slot_seq_.size());
    slot_seq_.push_back(0);
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  const std::uint64_t seq = next_seq_++;
  slot_seq_[slot] = seq;
  heap_.push_back(Entry{at, seq, slot, fn});
  sift_up(heap_.size() - 1);
  return EventId{seq, slot};
}

void EventQueue::cancel(EventId id) {
  if (pending(id)) slot_seq_[id.slot] = 0;  // the slot is recycled when the entry is popped
}

Time EventQueue::next_time() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    if (slot_seq_[top.slot] == top.seq) return top.at;
    free_slots_.push_back(top.slot);
    pop_top();
  }
  return kNever;
}

bool EventQueue::pop(Time& at, Callback& fn) {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    const bool live = slot_seq_[top.slot] == top.seq;
    if (live) {
      slot_seq_[top.slot] = 0;
      at = top.at;
      fn = top.fn;
    }
    free_slots_.push_back(top.slot);
    pop_top();
    if (live) return true;
  }
  return false;
}

void EventQueue::pop_top() {
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
}

void EventQueue::sift_up(std::size_t i) {
  Entry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void EventQueue::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  Entry e = heap_[i];
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], e)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  heap_[i] = e;
}

}  // namespace gilsim::sim
