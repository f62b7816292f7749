// glibc's condition variable, step by step: which waiter each signal can go to.
#include <catch2/catch.hpp>

#include "models/gil/glibc_condvar.hpp"

using gilsim::models::GlibcCondvar;
using gilsim::models::kNoThread;
using gilsim::models::ThreadId;
using Look = GlibcCondvar::Look;

namespace {
constexpr ThreadId A = 0, B = 1, C = 2;

// Registers and sleeps, as a waiter that found nothing on its way to its futex.
void wait_asleep(GlibcCondvar& cv, ThreadId t) {
  cv.enroll(t);
  REQUIRE(cv.look(t) == Look::Nothing);
  cv.sleep(t);
}
}  // namespace

TEST_CASE("a signal with no waiter is lost", "[models][gil][glibc]") {
  GlibcCondvar cv(3);
  std::vector<ThreadId> released;
  CHECK(cv.signal(released) == kNoThread);
  wait_asleep(cv, A);  // the lost signal is not kept for a later waiter
  CHECK(cv.look(A) == Look::Nothing);
}

TEST_CASE("signals go to the waiters in the order they registered, group by group",
          "[models][gil][glibc]") {
  GlibcCondvar cv(3);
  std::vector<ThreadId> released;
  wait_asleep(cv, A);
  wait_asleep(cv, B);
  // The first signal turns G2 {A, B} into G1 and wakes its longest sleeper.
  CHECK(cv.signal(released) == A);
  CHECK(cv.in_g1(A));
  CHECK(cv.in_g1(B));
  CHECK(cv.look(A) == Look::Signal);
  cv.leave(A);
  // C registers in the new G2: the next signal is still G1's, for B.
  wait_asleep(cv, C);
  CHECK_FALSE(cv.in_g1(C));
  CHECK(cv.signal(released) == B);
  CHECK(cv.look(B) == Look::Signal);
  cv.leave(B);
  // G1 is used up: the third signal switches groups and goes to C.
  CHECK(cv.signal(released) == C);
  CHECK(cv.look(C) == Look::Signal);
  CHECK(released.empty());
}

TEST_CASE("a waiter on its way to its futex takes a signal ahead of the sleeper it woke",
          "[models][gil][glibc]") {
  GlibcCondvar cv(3);
  std::vector<ThreadId> released;
  wait_asleep(cv, A);
  cv.enroll(B);  // registered, mutex released, not asleep yet
  CHECK(cv.signal(released) == A);
  CHECK(cv.look(B) == Look::Signal);  // B looks first
  cv.leave(B);
  CHECK(cv.look(A) == Look::Nothing);  // A finds none and sleeps again
  cv.sleep(A);
  CHECK(cv.signal(released) == A);
  CHECK(cv.look(A) == Look::Signal);
}

TEST_CASE("a waiter registered after its group became G1 cannot take G1's signals",
          "[models][gil][glibc]") {
  GlibcCondvar cv(3);
  std::vector<ThreadId> released;
  wait_asleep(cv, A);
  wait_asleep(cv, B);
  CHECK(cv.signal(released) == A);
  cv.enroll(C);                        // awake, in G2
  CHECK(cv.look(C) == Look::Nothing);  // A's signal is not C's
  CHECK(cv.look(A) == Look::Signal);
}

TEST_CASE("a waiter whose group was closed returns at once", "[models][gil][glibc]") {
  GlibcCondvar cv(3);
  std::vector<ThreadId> released;
  wait_asleep(cv, A);
  CHECK(cv.signal(released) == A);  // G1 = {A}, its one signal sent
  wait_asleep(cv, B);
  CHECK(cv.signal(released) == B);  // G1 used up: it closes and {B} becomes G1
  CHECK(cv.look(A) == Look::Closed);
  CHECK(cv.look(B) == Look::Signal);
}

TEST_CASE("a timed-out waiter cancels, or sends a replacement if a signal was meant for it",
          "[models][gil][glibc]") {
  std::vector<ThreadId> released;
  SECTION("in G2 it simply leaves") {
    GlibcCondvar cv(3);
    wait_asleep(cv, A);
    cv.unsleep(A);
    CHECK_FALSE(cv.cancel(A));
    cv.leave(A);
    CHECK(cv.signal(released) == kNoThread);  // nobody left to signal
  }
  SECTION("in G1 with waiters not yet signalled it makes the group smaller") {
    GlibcCondvar cv(3);
    wait_asleep(cv, A);
    wait_asleep(cv, B);
    CHECK(cv.signal(released) == A);
    cv.unsleep(B);
    CHECK_FALSE(cv.cancel(B));
    cv.leave(B);
    wait_asleep(cv, C);
    CHECK(cv.signal(released) == C);  // G1 had nobody left: the signal went to the next group
  }
  SECTION("in a fully signalled G1 it counts as having consumed a signal") {
    GlibcCondvar cv(3);
    wait_asleep(cv, A);
    wait_asleep(cv, B);
    CHECK(cv.signal(released) == A);
    CHECK(cv.signal(released) == B);
    cv.unsleep(A);  // A's timer fired before it ran
    CHECK(cv.cancel(A));
  }
}
