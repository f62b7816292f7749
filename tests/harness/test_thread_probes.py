"""Unit tests of the calibration probes of threads, locks and the GIL (standard library only;
run with the interpreter under test: python tests/harness/test_thread_probes.py)."""
from __future__ import division, print_function

import os
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "harness"))

import common  # noqa: E402
import thread_probes  # noqa: E402

class HandoffOrderTest(unittest.TestCase):
    def test_threads_taking_turns_never_hand_back(self):
        order = thread_probes.handoff_order([0, 1, 2, 0, 1, 2, 0])
        self.assertEqual(order["back_to_previous"], 0.0)
        self.assertIsNone(order["back_after_back"])
        self.assertEqual(order["back_after_other"], 0.0)

    def test_two_threads_passing_back_and_forth_always_hand_back(self):
        order = thread_probes.handoff_order([0, 1, 0, 1, 0, 1])
        self.assertEqual(order["back_to_previous"], 1.0)
        self.assertEqual(order["back_after_back"], 1.0)
        self.assertIsNone(order["back_after_other"])

    def test_runs_of_hand_backs_show_in_the_conditional_shares(self):
        # back flags: 0->1->0 (back), 1->0->1 (back), 0->1->2 (not), 1->2->0 (not), 2->0->2 (back)
        order = thread_probes.handoff_order([0, 1, 0, 1, 2, 0, 2])
        self.assertAlmostEqual(order["back_to_previous"], 3 / 5)
        self.assertAlmostEqual(order["back_after_back"], 1 / 2)   # back, back | back, not
        self.assertAlmostEqual(order["back_after_other"], 1 / 2)  # not, back | not, not

    def test_too_few_holders_give_nothing_to_count(self):
        order = thread_probes.handoff_order([0, 1])
        self.assertIsNone(order["back_to_previous"])


class HandoffOrderByCpuTest(unittest.TestCase):
    def test_hand_offs_are_split_by_whether_the_new_holder_shares_the_old_ones_cpu(self):
        # holders 0 1 0 2 0 2 on CPUs 0 1 0 0 1 0: the hand-offs counted (from the third) are
        # 1->0 across CPUs, back; 0->2 on one CPU, not back; 2->0 across, back; 0->2 across, back.
        order = thread_probes.handoff_order([0, 1, 0, 2, 0, 2], [0, 1, 0, 0, 1, 0])
        self.assertEqual(order["same_cpu"], 0.25)
        self.assertEqual(order["back_same_cpu"], 0.0)
        self.assertEqual(order["back_other_cpu"], 1.0)
        self.assertEqual(order["back_to_previous"], 0.75)

    def test_without_cpus_there_is_no_split(self):
        self.assertNotIn("same_cpu", thread_probes.handoff_order([0, 1, 0, 1]))

    def test_the_probe_reports_a_cpu_or_is_absent(self):
        probe = common.cpu_probe()
        if probe is not None:
            self.assertGreaterEqual(probe(), 0)


class MeanOrdersTest(unittest.TestCase):
    def test_several_runs_average_key_by_key_over_the_runs_that_measured_it(self):
        runs = [{"back_to_previous": 0.5, "back_after_back": None, "same_cpu": 0.2},
                {"back_to_previous": 0.8, "back_after_back": 0.9}]
        order = thread_probes.mean_orders(runs)
        self.assertAlmostEqual(order["back_to_previous"], 0.65)
        self.assertAlmostEqual(order["back_after_back"], 0.9)
        self.assertAlmostEqual(order["same_cpu"], 0.2)

    def test_a_key_no_run_measured_stays_unmeasured(self):
        order = thread_probes.mean_orders([{"back_after_other": None}, {"back_after_other": None}])
        self.assertIsNone(order["back_after_other"])


class WakeLatencyTest(unittest.TestCase):
    def test_every_release_is_measured_once(self):
        self.assertEqual(len(thread_probes.wake_latencies(5)), 5)


class TickContentionTest(unittest.TestCase):
    """The probe runs on 2.x; here sys.setcheckinterval is a stand-in that records its calls."""

    def setUp(self):
        self.calls = []
        self.had = hasattr(sys, "setcheckinterval")
        self.saved = getattr(sys, "setcheckinterval", None)
        sys.setcheckinterval = self.calls.append

    def tearDown(self):
        if self.had:
            sys.setcheckinterval = self.saved
        else:
            del sys.setcheckinterval

    def test_every_thread_count_and_interval_gets_a_median_of_side_by_side_ratios(self):
        r = thread_probes.tick_contention(0.002, 3, threads=(2, 3), intervals=(200, 1000))
        self.assertEqual([(p["threads"], p["check_interval"]) for p in r["points"]],
                         [(2, 200), (2, 1000), (3, 200), (3, 1000)])
        for p in r["points"]:
            self.assertEqual(len(p["values"]), 3)
            self.assertEqual(p["slowdown"], sorted(p["values"])[1])
            self.assertTrue(p["slowdown"] > 0)
        # Each threaded run is preceded by a solo run at the default interval, and the
        # default is restored at the end.
        self.assertEqual(self.calls[:4], [100, 200, 100, 1000])
        self.assertEqual(self.calls[-1], 100)


class StraightBackTest(unittest.TestCase):
    # Two spinners' holding spans (start, end) and a sleeper's holds between them.
    SPANS = [[(0.000, 0.010), (0.0102, 0.020), (0.0301, 0.040)],
             [(0.0201, 0.030)]]

    def test_a_hold_is_straight_back_when_the_spinner_it_interrupted_resumes_first(self):
        # 0.010-0.0102: spinner 0 before and after; 0.020-0.0201: 0 before, 1 after;
        # 0.030-0.0301: 1 before, 0 after.
        holds = [(0.0100, 0.0101), (0.0200, 0.02005), (0.0300, 0.03005)]
        self.assertAlmostEqual(thread_probes.straight_back(self.SPANS, holds, 0.01), 1.0 / 3)

    def test_holds_with_no_spinner_before_or_none_soon_after_are_not_counted(self):
        holds = [(-0.001, -0.0005), (0.0100, 0.0101), (0.040, 0.041)]
        self.assertEqual(thread_probes.straight_back(self.SPANS, holds, 0.01), 1.0)
        self.assertIsNone(thread_probes.straight_back(self.SPANS, [(0.045, 0.046)], 0.01))

    def test_the_probe_counts_its_holds_and_stops_its_threads(self):
        probe = thread_probes.sleeper_holds(0.2, 0.005)
        if probe is None:  # no thread CPU clock or no switch interval (2.7)
            return
        # Each hold waits for the GIL one interval or, on a host that starves the sleeper (the
        # AMD host at night), tens of them: over 0.2 s only the count's floor is certain, the
        # sleeper's one hold at the end of its loop.
        self.assertGreaterEqual(probe["holds"], 1)
        if probe["straight_back"] is not None:
            self.assertGreaterEqual(probe["straight_back"], 0)
            self.assertLessEqual(probe["straight_back"], 1)
        alive = [t for t in threading.enumerate()
                 if t is not threading.current_thread()]
        self.assertEqual(alive, [])


if __name__ == "__main__":
    unittest.main()
