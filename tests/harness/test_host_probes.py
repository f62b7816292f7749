"""Unit tests of the calibration probes of the machine and the OS (standard library only; run
with the interpreter under test: python tests/harness/test_host_probes.py)."""
from __future__ import division, print_function

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "harness"))

import host_probes  # noqa: E402

class SleeperBesideBusyTest(unittest.TestCase):
    def test_the_stretch_is_the_median_cycle_less_the_sleep_over_the_compute_time(self):
        self.assertAlmostEqual(host_probes.sleeper_stretch([0.030, 0.016, 0.015], 0.010, 0.005),
                               1.1)

    def test_no_cycles_give_no_stretch(self):
        self.assertIsNone(host_probes.sleeper_stretch([], 0.010, 0.005))

    def test_the_probe_measures_every_point_and_leaves_no_process_behind(self):
        probe = host_probes.sleeper_beside_busy(1, ((0.002, 0.001), (0.001, 0.002)), 0.1)
        if probe is None:  # no thread CPU clock (2.7)
            return
        self.assertEqual(probe["busy"], 1)
        self.assertEqual([(p["compute_s"], p["sleep_s"]) for p in probe["points"]],
                         [(0.002, 0.001), (0.001, 0.002)])
        for p in probe["points"]:
            self.assertGreater(p["cycles"], 10)
            self.assertGreater(p["stretch"], 0.9)
        with self.assertRaises(OSError):  # ECHILD: the spinners were all reaped
            os.waitpid(-1, os.WNOHANG)


if __name__ == "__main__":
    unittest.main()
