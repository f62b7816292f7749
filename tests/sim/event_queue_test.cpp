#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/simulator.hpp"

using namespace gilsim::sim;

TEST_CASE("events at the same instant fire in the order they were scheduled", "[sim][order]") {
  Simulator sim{1};
  std::string order;
  for (char c : {'a', 'b', 'c', 'd'}) sim.at(kMillisecond, [&order, c] { order += c; });
  sim.at(0, [&order] { order += '0'; });
  sim.run_until(2 * kMillisecond);
  CHECK(order == "0abcd");
}

TEST_CASE("events fire in time order whatever order they were scheduled in", "[sim][order]") {
  Simulator sim{1};
  std::vector<Time> seen;
  for (Time t : {Time(50), Time(10), Time(40), Time(20), Time(30), Time(10)}) {
    sim.at(t, [&seen, &sim] { seen.push_back(sim.now()); });
  }
  sim.run_until(kNever);
  CHECK(seen == std::vector<Time>{10, 10, 20, 30, 40, 50});
}

TEST_CASE("an event scheduled from an event at the same instant fires after the others",
          "[sim][order]") {
  Simulator sim{1};
  std::string order;
  sim.at(5, [&] {
    order += 'a';
    sim.at(5, [&order] { order += 'c'; });
  });
  sim.at(5, [&order] { order += 'b'; });
  sim.run_until(kNever);
  CHECK(order == "abc");
}

TEST_CASE("a cancelled event never fires and its slot is reused", "[sim][cancel]") {
  Simulator sim{1};
  int fired = 0;
  EventId a = sim.at(10, [&fired] { fired += 1; });
  EventId b = sim.at(20, [&fired] { fired += 10; });
  CHECK(sim.pending(a));
  sim.cancel(a);
  CHECK_FALSE(a);
  sim.cancel(a);  // cancelling twice is harmless
  sim.run_until(kNever);
  CHECK(fired == 10);
  CHECK_FALSE(sim.pending(b));
  CHECK(sim.events_fired() == 1);
  // Many short-lived events: slots are recycled, so the queue never grows.
  for (int round = 0; round < 1000; ++round) {
    EventId x = sim.after(5, [] {});
    sim.cancel(x);
    sim.after(1, [] {});
    sim.run_until(kNever);
  }
  CHECK(sim.queue_slots() <= 3);
}

TEST_CASE("cancelling an event that already fired does not cancel a later one", "[sim][cancel]") {
  Simulator sim{1};
  int fired = 0;
  EventId first = sim.at(1, [&fired] { ++fired; });
  sim.run_until(kNever);
  EventId second = sim.at(2, [&fired] { fired += 10; });
  CHECK(first.slot == second.slot);  // the slot was recycled ...
  sim.cancel(first);                 // ... but the stale id names nothing now
  sim.run_until(kNever);
  CHECK(fired == 11);
}

TEST_CASE("time never goes backwards: scheduling in the past throws", "[sim][time]") {
  Simulator sim{1};
  struct Watch {
    Simulator* sim;
    Time last = -1;
    bool monotone = true;
  } watch{&sim};
  for (int i = 0; i < 200; ++i) {
    sim.at((i * 7919) % 1000, [w = &watch] {
      w->monotone = w->monotone && w->sim->now() >= w->last;
      w->last = w->sim->now();
    });
  }
  sim.run_until(kNever);
  CHECK(watch.monotone);
  CHECK(sim.now() == watch.last);
  CHECK_THROWS_AS(sim.at(sim.now() - 1, [] {}), std::logic_error);
}

TEST_CASE("run_until stops at the horizon and leaves later events pending", "[sim]") {
  Simulator sim{1};
  int fired = 0;
  sim.at(10, [&fired] { ++fired; });
  sim.at(30, [&fired] { ++fired; });
  CHECK(sim.run_until(20));
  CHECK(sim.now() == 20);
  CHECK(fired == 1);
  CHECK_FALSE(sim.run_until(kNever));
  CHECK(fired == 2);
  CHECK(sim.now() == 30);
}

TEST_CASE("two simulators in one process do not share state", "[sim]") {
  Simulator a{1}, b{1};
  int fa = 0, fb = 0;
  a.at(5, [&fa] { ++fa; });
  b.at(7, [&fb] { ++fb; });
  a.run_until(kNever);
  CHECK(fa == 1);
  CHECK(fb == 0);
  CHECK(b.now() == 0);
}

TEST_CASE("a halt ends the run at the event that called it, later events left pending", "[sim]") {
  Simulator sim{1};
  int fired = 0;
  sim.at(10, [&fired] { ++fired; });
  sim.at(20, [&sim, &fired] {
    ++fired;
    sim.halt();
  });
  sim.at(20, [&fired] { ++fired; });  // same time, later: not fired either
  sim.at(30, [&fired] { ++fired; });
  CHECK_FALSE(sim.run_until(kNever));
  CHECK(fired == 2);
  CHECK(sim.now() == 20);
  CHECK(sim.halted());
}
