"""Unit tests of scripts/gil_switches.py (run: python3 THIS_FILE)."""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import gil_switches as gs  # noqa: E402


class RealRuns(unittest.TestCase):
    def test_one_thread_never_hands_the_gil_off(self):
        r = gs.real_run(1, 0.05, 100, 0.005)
        self.assertEqual(r["hand_offs"], 0)
        self.assertEqual(r["shares"], [1.0])

    def test_two_threads_hand_it_off_about_once_per_switch_interval(self):
        # 0.3 s at 1 ms: about 300 hand-offs on an idle machine; a loaded one makes fewer, and
        # no interpreter makes one every few microseconds
        r = gs.real_run(2, 0.3, 100, 0.001)
        self.assertGreater(r["hand_offs"], 20)
        self.assertLess(r["hand_offs"], 3000)
        self.assertAlmostEqual(sum(r["shares"]), 1.0)
        self.assertGreater(min(r["shares"]), 0.1)


class Results(unittest.TestCase):
    def test_a_gilsim_result_gives_its_switches_over_its_makespan(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"makespan_s": 2.0, "gil": {"switches": 500}}, f)
        out = tempfile.mktemp(suffix=".json")
        try:
            self.assertEqual(gs.main(["--result", f.name, "--json", out]), 0)
            with open(out) as g:
                self.assertAlmostEqual(json.load(g)["hand_offs_per_s"], 250.0)
        finally:
            os.unlink(f.name)
            if os.path.exists(out):
                os.unlink(out)

    def test_a_file_that_is_not_a_result_is_refused_with_exit_code_2(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write("{}")
        try:
            self.assertEqual(gs.main(["--result", f.name]), 2)
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
