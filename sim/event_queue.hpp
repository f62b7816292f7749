// The future event set, ordered by (time, seq), where seq is a counter stamped at insertion.
// That pair is the single total order of events: ties in time fire in the order they were
// scheduled, never by address or container iteration.
//
// Structure: a 4-ary min-heap, plus lanes. A lane is a FIFO for a source whose events come in
// time order (every GIL waiter's timeout is one switch interval after it starts waiting, say):
// appending is O(1), and the next event is the earliest of the heap's top and the lanes'
// heads, so the heap stays small. An event pushed to a lane out of time order simply goes to
// the heap. The hot operations are inline: they run once or twice per simulated event.
//
// Cancellation is lazy (as in ns-3 and OMNeT++): cancel() only marks the event's slot, and the
// entry is discarded when it reaches the front. A cancelled heap entry far in the future (a
// burst that was due in a second, cut short) would linger, so when cancelled entries outnumber
// live ones the heap is compacted in one linear pass; a lane drops its cancelled entries as it
// advances. Slots are recycled: memory is bounded by the largest number of simultaneously
// pending events, not by how many were ever scheduled.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/callback.hpp"
#include "sim/flat_vec.hpp"
#include "sim/time.hpp"

namespace gilsim::sim {

/// Names one scheduled event. A default-constructed id names nothing.
struct EventId {
  std::uint64_t seq = 0;
  std::uint32_t slot = 0;
  explicit operator bool() const { return seq != 0; }
};

/// Names a lane of one EventQueue.
struct LaneId {
  std::uint32_t index = 0;
};

class EventQueue {
 public:
  /// Schedules fn at time `at`; returns an id valid until the event fires or is cancelled.
  EventId push(Time at, Callback fn) {
    const std::uint64_t seq = next_seq_++;
    const std::uint32_t slot = take_slot(seq, fn, kInHeap);
    heap_.push_back(Entry{at, seq, slot});
    sift_up(heap_.size() - 1);
    return EventId{seq, slot};
  }
  /// A new lane, for a source that schedules its events in non-decreasing time order.
  LaneId add_lane();
  /// As push, through a lane (the heap if `at` is before the lane's last event).
  EventId push(LaneId id, Time at, Callback fn) {
    Lane& lane = lanes_[id.index];
    if (at < lane.last) return push(at, fn);
    const std::uint64_t seq = next_seq_++;
    const std::uint32_t slot = take_slot(seq, fn, kInLane);
    lane.last = at;
    if (lane.head == lane.items.size()) {
      lane.items.clear();
      lane.head = 0;
    } else if (lane.head >= 1024 && 2 * lane.head >= lane.items.size()) {
      compact_lane(lane);
    }
    lane.items.push_back(Entry{at, seq, slot});
    return EventId{seq, slot};
  }
  /// Marks the event as cancelled; harmless for an id that already fired or was cancelled.
  void cancel(EventId id) {
    if (!pending(id)) return;
    slot_seq_[id.slot] = 0;  // the slot is recycled when the entry leaves the queue
    if (slot_where_[id.slot] == kInLane) return;
    ++cancelled_;
    if (cancelled_ > 16 && 2 * cancelled_ > heap_.size()) compact();
  }
  /// True while the event is scheduled and not cancelled.
  bool pending(EventId id) const { return id.seq != 0 && slot_seq_[id.slot] == id.seq; }
  /// Time of the earliest live event; kNever if none.
  Time next_time() {
    const Entry* e = front();
    return e == nullptr ? kNever : e->at;
  }
  /// Removes the earliest live event into (at, fn); false if there is none.
  bool pop(Time& at, Callback& fn) { return pop_until(kNever, at, fn); }
  /// As pop, but only an event due at or before `horizon`.
  bool pop_until(Time horizon, Time& at, Callback& fn) {
    const Entry* e = front();
    if (e == nullptr || e->at > horizon) return false;
    at = e->at;
    const std::uint32_t slot = e->slot;
    fn = slot_fn_[slot];
    slot_seq_[slot] = 0;
    free_slots_.push_back(slot);
    if (front_lane_ == kHeap) {
      pop_top();
    } else {
      ++lanes_[front_lane_].head;
    }
    return true;
  }
  /// Entries held, cancelled ones included (for memory figures).
  std::size_t size() const;
  std::size_t slots() const { return slot_seq_.size(); }

 private:
  struct Entry {
    Time at;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  struct Lane {
    FlatVec<Entry> items;
    std::size_t head = 0;
    Time last = 0;
  };
  static constexpr std::size_t kArity = 4;
  static constexpr std::uint32_t kHeap = 0xFFFFFFFF;
  static constexpr std::uint8_t kInHeap = 0, kInLane = 1;

  static bool before(const Entry& a, const Entry& b) {
    return a.at < b.at || (a.at == b.at && a.seq < b.seq);
  }
  bool live(const Entry& e) const { return slot_seq_[e.slot] == e.seq; }
  std::uint32_t take_slot(std::uint64_t seq, Callback fn, std::uint8_t where) {
    std::uint32_t slot;
    if (free_slots_.empty()) {
      slot = grow_slots();
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
    }
    slot_seq_[slot] = seq;
    slot_fn_[slot] = fn;
    slot_where_[slot] = where;
    return slot;
  }
  std::uint32_t grow_slots();
  /// The earliest live entry, from the heap (front_lane_ == kHeap) or a lane's head; drops
  /// cancelled entries it meets on the way.
  const Entry* front() {
    for (;;) {
      // The earliest candidate, live or not; only the winner's liveness is checked. Locals
      // keep the loop free of reloads through `this`.
      const Entry* best = heap_.empty() ? nullptr : heap_.data();
      std::uint32_t where = kHeap;
      const Lane* lanes = lanes_.data();
      const auto count = std::uint32_t(lanes_.size());
      for (std::uint32_t i = 0; i < count; ++i) {
        const Lane& lane = lanes[i];
        if (lane.head == lane.items.size()) continue;
        const Entry* h = lane.items.data() + lane.head;
        if (best == nullptr || before(*h, *best)) {
          best = h;
          where = i;
        }
      }
      front_lane_ = where;
      if (best == nullptr || live(*best)) return best;
      free_slots_.push_back(best->slot);
      if (where == kHeap) {
        --cancelled_;
        pop_top();
      } else {
        ++lanes_[where].head;
      }
    }
  }
  static void compact_lane(Lane& lane);
  void sift_up(std::size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(std::size_t i);
  void pop_top();
  void compact();

  FlatVec<Entry> heap_;
  std::vector<Lane> lanes_;
  std::uint32_t front_lane_ = kHeap;  // where front() found the earliest entry
  // Per slot: the seq of the live event owning it (0 if none), its callback, where it is.
  std::vector<std::uint64_t> slot_seq_;
  std::vector<Callback> slot_fn_;
  std::vector<std::uint8_t> slot_where_;  // kInHeap or kInLane
  FlatVec<std::uint32_t> free_slots_;
  std::uint64_t next_seq_ = 1;
  std::size_t cancelled_ = 0;  // cancelled entries still in the heap
};

}  // namespace gilsim::sim
