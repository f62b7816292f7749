// The future event set: a binary min-heap ordered by (time, seq), where seq is a counter stamped
// at insertion. That pair is the single total order of events: ties in time fire in the order
// they were scheduled, never by address or container iteration.
//
// Cancellation is lazy (as in ns-3 and OMNeT++): cancel() only marks the event's slot, and the
// entry is discarded when it reaches the top. Slots are recycled, so memory is bounded by the
// largest number of simultaneously pending events, not by how many were ever scheduled.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/callback.hpp"
#include "sim/time.hpp"

namespace gilsim::sim {

/// Names one scheduled event. A default-constructed id names nothing.
struct EventId {
  std::uint64_t seq = 0;
  std::uint32_t slot = 0;
  explicit operator bool() const { return seq != 0; }
};

class EventQueue {
 public:
  /// Schedules fn at time `at`; returns an id valid until the event fires or is cancelled.
  EventId push(Time at, Callback fn);
  /// Marks the event as cancelled; harmless for an id that already fired or was cancelled.
  void cancel(EventId id);
  /// True while the event is scheduled and not cancelled.
  bool pending(EventId id) const { return id.seq != 0 && slot_seq_[id.slot] == id.seq; }
  /// Time of the earliest live event, discarding cancelled entries on top; kNever if none.
  Time next_time();
  /// Removes the earliest live event into (at, fn); false if there is none.
  bool pop(Time& at, Callback& fn);
  /// Entries held, cancelled ones included (for memory figures).
  std::size_t size() const { return heap_.size(); }
  std::size_t slots() const { return slot_seq_.size(); }

 private:
  struct Entry {
    Time at;
    std::uint64_t seq;
    std::uint32_t slot;
    Callback fn;
  };
  static bool before(const Entry& a, const Entry& b) {
    return a.at < b.at || (a.at == b.at && a.seq < b.seq);
  }
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void pop_top();

  std::vector<Entry> heap_;
  std::vector<std::uint64_t> slot_seq_;  // seq of the live event owning the slot, 0 if none
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace gilsim::sim
