// A GIL waiter whose timed wait has expired but that has not run since is still in the futex's
// queue (Linux unqueues a futex waiter when it runs again): a signal meanwhile is its own, and
// its wait returns woken, not timed out. Kernel traces of the 1 ms convoy show the I/O thread
// taking the GIL this way, its timer having fired on the holder's CPU.
//
// The GIL runs here on a host that the test drives: a woken thread runs 1 us later unless the
// test holds it back (as a busy CPU would), and then only when the test lets it.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "fixtures.hpp"
#include "models/gil/switch_interval_gil.hpp"

using namespace gilsim::testing;

namespace {
constexpr sim::Time I = 5 * kMillisecond;
constexpr sim::Time kRunDelay = 1 * kMicrosecond;

class DrivenHost final : public GilHost {
 public:
  explicit DrivenHost(int threads) : wakes(std::size_t(threads), 0), sim_(1) {
    for (int t = 0; t < threads; ++t) rngs_.push_back(sim_.stream("thread"));
  }
  void attach(GilPolicy& gil) { gil_ = &gil; }

  sim::Simulator& sim() override { return sim_; }
  sim::Rng& rng(ThreadId t) override { return rngs_[std::size_t(t)]; }
  void block(ThreadId /*t*/) override {}
  void wake(ThreadId t, ThreadId /*waker*/) override {
    ++wakes[std::size_t(t)];
    if (held.count(t) == 0) sim_.after(kRunDelay, [this, t] { gil_->on_running(t); });
  }
  void run_sys(ThreadId t, std::int64_t work) override {
    sim_.after(work, [this, t] { gil_->on_sys_done(t); });
  }
  void done(ThreadId /*t*/) override {}
  void request_check(ThreadId holder, std::int64_t /*within*/) override {
    sim_.after(0, [this, holder] { gil_->check_point(holder); });
  }
  void reset_check(ThreadId /*holder*/, std::int64_t /*after*/) override {}
  bool is_running(ThreadId /*t*/) const override { return true; }
  CpuId cpu_of(ThreadId t) const override { return CpuId(t % 2); }
  void gil_event(ThreadId t, GilEvent event) override {
    if (event == GilEvent::WaitTimedOut) timeouts.push_back(t);
  }

  std::set<ThreadId> held;         // woken threads that wait for the test to run them
  std::vector<int> wakes;          // wake-ups per thread
  std::vector<ThreadId> timeouts;  // threads back from a timed wait that expired

 private:
  sim::Simulator sim_;
  std::vector<sim::Rng> rngs_;
  GilPolicy* gil_ = nullptr;
};

GilSpec spec(CondvarModel condvar) {
  GilSpec s = *gil_defaults("3.11");
  s.switch_interval = I;
  s.check_gap = 0;
  s.requester_wins = 0;
  s.condvar = condvar;
  s.mutex_hold = sim::Dist::constant(2 * kMicrosecond);
  s.sleep_entry = sim::Dist::constant(2 * kMicrosecond);
  s.drop_entry = sim::Dist::constant(2 * kMicrosecond);
  s.wake_syscall = sim::Dist::constant(1 * kMicrosecond);
  return s;
}

/// Thread 0 holds the GIL; thread 1 waits, then thread 2. Thread 1's wait expires and it is
/// held back; thread 0 then drops the GIL for a blocking call (no drop request: none was
/// posted, thread 1 has not run since its timeout).
struct LateWaiter {
  explicit LateWaiter(CondvarModel condvar) : host(3), gil(spec(condvar), host, 3) {
    host.attach(gil);
    auto& sim = host.sim();
    sim.after(0, [this] { gil.take(0); });
    sim.after(1 * kMillisecond, [this] { gil.take(1); });
    sim.after(2 * kMillisecond, [this] { gil.take(2); });
    host.held.insert(1);
    sim.run_until(1 * kMillisecond + I + 100 * kMicrosecond);
  }
  DrivenHost host;
  SwitchIntervalGil gil;
};
}  // namespace

TEST_CASE("a waiter whose timed wait expired but which has not run yet takes the holder's signal",
          "[models][gil][switch][futex]") {
  for (CondvarModel condvar : {CondvarModel::Drawn, CondvarModel::Glibc}) {
    INFO((condvar == CondvarModel::Drawn ? "drawn race" : "glibc condition variable"));
    LateWaiter w(condvar);
    REQUIRE(w.host.wakes[1] == 1);  // its timer fired
    REQUIRE(w.gil.holder() == 0);
    w.host.sim().after(0, [&w] { w.gil.drop(0, false); });
    w.host.sim().run_until(w.host.sim().now() + 100 * kMicrosecond);
    // The signal went to thread 1, still queued: thread 2, queued after it, slept on.
    CHECK(w.host.wakes[2] == 0);
    CHECK(w.host.wakes[1] == 1);  // no second wake-up: it was runnable already
    CHECK_FALSE(w.gil.locked());
    // Run at last, it finds its wait ended by the signal, not by the timeout, and takes the GIL.
    w.host.held.clear();
    w.host.sim().after(0, [&w] { w.gil.on_running(1); });
    w.host.sim().run_until(w.host.sim().now() + 100 * kMicrosecond);
    CHECK(w.gil.holder() == 1);
    CHECK(w.host.timeouts.empty());
    CHECK(w.gil.stats().drop_requests == 0);
  }
}

TEST_CASE("a waiter whose timed wait expired and which ran before any signal times out",
          "[models][gil][switch][futex]") {
  // The same, but thread 1 runs before the drop: its timeout counts, it posts a drop request
  // (no switch came during its interval) and, the requester losing its race (requester_wins
  // 0), the signal goes to the longest sleeper, thread 2.
  for (CondvarModel condvar : {CondvarModel::Drawn, CondvarModel::Glibc}) {
    INFO((condvar == CondvarModel::Drawn ? "drawn race" : "glibc condition variable"));
    LateWaiter w(condvar);
    w.host.held.clear();
    w.host.sim().after(0, [&w] { w.gil.on_running(1); });
    w.host.sim().run_until(w.host.sim().now() + 100 * kMicrosecond);
    CHECK(w.host.timeouts == std::vector<ThreadId>{1});
    CHECK(w.gil.stats().drop_requests == 1);
    CHECK(w.gil.holder() == 2);  // the request was answered at once (check gap 0)
  }
}
