"""Unit tests of scripts/convoy_holders.py (run: python3 THIS_FILE)."""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import convoy_holders as ch  # noqa: E402


class HandOffs(unittest.TestCase):
    def test_a_hold_followed_by_the_thread_it_took_from_counts_as_straight_back(self):
        seq = ch.collapse([(0, "a", 1), (1, "io", 1), (2, "a", 1), (3, "b", 0), (4, "io", 1),
                           (5, "a", 1)])
        s = ch.hand_off_stats(seq)
        self.assertEqual(s["straight_back_all"], {"holds": 2, "share": 0.5})
        self.assertEqual(s["straight_back_same_cpu"], {"holds": 1, "share": 1.0})
        self.assertEqual(s["straight_back_other_cpu"], {"holds": 1, "share": 0.0})

    def test_repeated_spans_of_one_holder_merge_and_order_is_by_time(self):
        seq = ch.collapse([(2, "b", 0), (0, "a", 0), (1, "a", 0)])
        self.assertEqual(seq, [("a", 0), ("b", 0)])

    def test_two_threads_passing_the_gil_make_a_run_of_hand_offs_back(self):
        names = ["a", "b", "a", "b", "a", "c", "a", "io", "a"]
        s = ch.hand_off_stats([(n, None) for n in names])
        # a b a, b a b, a b a, b a c, a c a: 4 of 5 back; runs of 3 and 1
        self.assertAlmostEqual(s["crunch_back_share"], 0.8)
        self.assertAlmostEqual(s["crunch_back_run_mean"], 2.0)
        self.assertEqual(s["straight_back_same_cpu"]["holds"], 0)  # no CPUs known

    def test_waits_are_counted_in_whole_switch_intervals(self):
        w = ch.wait_stats([0.0049, 0.0051, 0.0102, 0.2], 0.005)
        self.assertEqual(w["in_intervals"], [(1, 2), (2, 1), (30, 1)])
        self.assertEqual(w["calls"], 4)
        self.assertAlmostEqual(w["p50_s"], 0.0102)

    def test_the_median_of_every_window_shows_a_run_that_changed_regime(self):
        waits = [0.0256] * 6 + [0.0043] * 6 + [0.1]
        self.assertEqual(ch.window_p50s(waits, 3), [0.0256, 0.0256, 0.0043, 0.0043])
        self.assertEqual(ch.window_p50s(waits + [0.1], 3)[-1], 0.1)  # 2 of 3: counted
        self.assertEqual(ch.window_p50s([], 3), [])


def read_trace(rows):
    """from_trace on a trace file made of these lines (a 1 ms sleep)."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("\n".join(rows) + "\n")
    try:
        return ch.from_trace(f.name, 0.001)
    finally:
        os.unlink(f.name)


class Inputs(unittest.TestCase):
    def test_a_gilsim_trace_gives_the_io_threads_waits_from_the_end_of_its_sleep(self):
        rows = ["time_s,thread,event", "0.0,crunch/0,acquired_gil", "0.001,io/0,io",
                "0.0025,crunch/1,acquired_gil", "0.007,io/0,acquired_gil",
                "0.00705,crunch/1,acquired_gil"]
        seq, waits = read_trace(rows)
        self.assertEqual([w for w, _ in seq], ["crunch/0", "crunch/1", "io", "crunch/1"])
        self.assertEqual(len(waits), 1)
        self.assertAlmostEqual(waits[0], 0.005)

    def test_a_gilsim_trace_with_cpus_gives_each_holder_the_cpu_it_took_the_gil_on(self):
        rows = ["time_s,thread,event,cpu", "0.0,crunch/0,acquired_gil,1", "0.001,io/0,io,",
                "0.007,io/0,acquired_gil,1", "0.00705,io/0,released_gil,1",
                "0.0071,crunch/0,acquired_gil,0"]
        seq, _ = read_trace(rows)
        self.assertEqual(seq, [("crunch/0", 1), ("io", 1), ("crunch/0", 0)])
        s = ch.hand_off_stats(seq)
        self.assertEqual(s["straight_back_same_cpu"], {"holds": 1, "share": 1.0})

    def test_a_file_that_is_not_a_trace_is_refused_with_exit_code_2(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("a,b\n1,2\n")
        try:
            self.assertEqual(ch.main(["--trace", f.name]), 2)
        finally:
            os.unlink(f.name)

    def test_a_short_real_convoy_records_every_call_and_the_cpus(self):
        out = tempfile.mktemp(suffix=".json")
        try:
            self.assertEqual(ch.main(["--interval", "1ms", "--crunchers", "2", "--calls", "20",
                                      "--json", out]), 0)
            with open(out) as f:
                d = json.load(f)
        finally:
            if os.path.exists(out):
                os.unlink(out)
        self.assertEqual(d["stats"]["waits"]["calls"], 20)
        self.assertEqual(len(d["raw"]["io_calls"]), 20)
        self.assertTrue(all(c >= 0 for _, _, _, c in d["raw"]["io_calls"]))
        self.assertEqual(len(d["raw"]["spans"]), 2)


if __name__ == "__main__":
    unittest.main()
