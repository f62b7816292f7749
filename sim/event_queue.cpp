#include "sim/event_queue.hpp"

namespace gilsim::sim {

LaneId EventQueue::add_lane() {
  lanes_.emplace_back();
  return LaneId{std::uint32_t(lanes_.size() - 1)};
}

std::uint32_t EventQueue::grow_slots() {
  slot_seq_.push_back(0);
  slot_fn_.emplace_back();
  slot_where_.push_back(kInHeap);
  return static_cast<std::uint32_t>(slot_seq_.size() - 1);
}

void EventQueue::compact_lane(Lane& lane) {
  lane.items.erase_front(lane.head);
  lane.head = 0;
}

std::size_t EventQueue::size() const {
  std::size_t n = heap_.size();
  for (const Lane& lane : lanes_) n += lane.items.size() - lane.head;
  return n;
}

void EventQueue::compact() {
  std::size_t kept = 0;
  for (const Entry& e : heap_) {
    if (live(e)) {
      heap_[kept++] = e;
    } else {
      free_slots_.push_back(e.slot);
    }
  }
  heap_.resize(kept);
  cancelled_ = 0;
  for (std::size_t i = kept / kArity + 1; i-- > 0;) {
    if (i < kept) sift_down(i);
  }
}

void EventQueue::pop_top() {
  // Floyd's bottom-up deletion: walk the hole at the root down along the smallest children
  // to a leaf (no comparison against the moved entry), then put the last entry in the hole
  // and sift it up, which rarely goes far.
  const std::size_t n = heap_.size() - 1;  // size after removal
  std::size_t hole = 0;
  for (;;) {
    const std::size_t first = kArity * hole + 1;
    if (first >= n) break;
    const std::size_t last = first + kArity < n ? first + kArity : n;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    heap_[hole] = heap_[best];
    hole = best;
  }
  heap_[hole] = heap_[n];
  heap_.pop_back();
  if (hole < n) sift_up(hole);
}

void EventQueue::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  const Entry e = heap_[i];
  for (;;) {
    const std::size_t first = kArity * i + 1;
    if (first >= n) break;
    const std::size_t last = first + kArity < n ? first + kArity : n;
    std::size_t best = first;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (before(heap_[c], heap_[best])) best = c;
    }
    if (!before(heap_[best], e)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

}  // namespace gilsim::sim
