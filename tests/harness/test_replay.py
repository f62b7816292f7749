"""Unit tests of the replayer's metric derivation and plan execution (standard library only;
run with the interpreter under test: python tests/harness/test_replay.py)."""
from __future__ import division, print_function

import json
import os
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "harness"))

import common  # noqa: E402
import replay  # noqa: E402


class Rec(object):
    def __init__(self, steps, finished=True):
        self.steps = steps
        self.finished = finished


def plan_of(groups, stop=None):
    return {"scenario": "t", "seed": 1, "gil_model": "switch_interval", "stop_s": stop,
            "groups": [{"name": n, "threads": [{} for _ in recs]} for n, recs in groups]}


CAL = {"spin_per_s": 1e7}


class Metrics(unittest.TestCase):
    def test_percentiles_use_the_nearest_rank(self):
        p = replay.percentiles([float(x) for x in range(1, 101)])
        self.assertEqual((p["p50"], p["p90"], p["p99"], p["max"], p["count"]), (50, 90, 99, 100, 100))
        self.assertEqual(replay.percentiles([])["count"], 0)

    def test_resume_latency_counts_from_the_nominal_end_of_a_sleep(self):
        # A 1 ms sleep that returned after 1.3 ms: resumed 0.3 ms late.
        rec = Rec([("s", 10.0, 10.0013, 0.0, 0.0, 1000000), ("c", 10.0013, 10.0014, 0.0, 1e-4, 100000)])
        r = replay.metrics(plan_of([("io", [rec])]), [[rec]], 10.0, 10.0014, 1e-4, CAL)
        g = r["groups"]["io"]
        self.assertAlmostEqual(g["io_resume_latency_s"]["p50"], 0.0003, places=9)
        self.assertAlmostEqual(g["serial_s"], 0.0011, places=9)
        self.assertAlmostEqual(r["makespan_s"], 0.0014, places=9)
        self.assertAlmostEqual(r["speedup"], 0.0011 / 0.0014, places=6)
        self.assertEqual(g["finished"], 1)

    def test_time_a_cpu_step_was_not_computing_is_counted_as_waiting(self):
        # 2 ms of bytecode that took 5 ms of wall time and 2 ms of CPU: 3 ms of waiting.
        rec = Rec([("c", 0.0, 0.005, 0.0, 0.002, 2000000)])
        r = replay.metrics(plan_of([("w", [rec])]), [[rec]], 0.0, 0.005, 0.002, CAL)
        g = r["groups"]["w"]
        self.assertAlmostEqual(g["gil_wait_s"], 0.003, places=9)
        self.assertAlmostEqual(g["cpu_s"], 0.002, places=9)

    def test_a_stopped_run_counts_work_up_to_the_stop(self):
        # A 100 ms step from 0.95 s to 1.05 s with the stop at 1 s: half of it counts.
        rec = Rec([("c", 0.95, 1.05, 0.0, 0.1, 100000000)], finished=False)
        r = replay.metrics(plan_of([("w", [rec])], stop=1.0), [[rec]], 0.0, 1.05, 0.1, CAL)
        self.assertTrue(r["stopped"])
        self.assertEqual(r["makespan_s"], 1.0)
        self.assertAlmostEqual(r["groups"]["w"]["serial_s"], 0.05, places=9)
        self.assertEqual(r["groups"]["w"]["finish_s"], 1.0)

    def test_without_a_thread_cpu_clock_cpu_times_are_unknown(self):
        rec = Rec([("c", 0.0, 0.002, None, None, 2000000)])
        r = replay.metrics(plan_of([("w", [rec])]), [[rec]], 0.0, 0.002, 0.002, CAL)
        self.assertIsNone(r["groups"]["w"]["cpu_s"])


    def test_a_run_its_stop_after_group_ended_stops_there(self):
        # The sleeper ended at 0.5 s; the CPU-bound thread, cut there, had computed 0.4 s.
        io = Rec([("s", 0.0, 0.5, 0.0, 0.0, 500000000)])
        cpu = Rec([("c", 0.0, 0.5002, 0.0, 0.4, 400000000)], finished=False)
        r = replay.metrics(plan_of([("io", [io]), ("w", [cpu])]), [[io], [cpu]], 0.0, 0.5002,
                           0.4, CAL, halted_at=0.5)
        self.assertTrue(r["stopped"])
        self.assertEqual(r["makespan_s"], 0.5)
        self.assertEqual(r["groups"]["w"]["finish_s"], 0.5)
        self.assertEqual(r["groups"]["io"]["finish_s"], 0.5)
        self.assertEqual(r["groups"]["io"]["finished"], 1)


def run_plan(plan):
    path = os.path.join(HERE, "plan-under-test.json")
    with open(path, "w") as f:
        json.dump(plan, f)
    try:
        import io
        out = io.StringIO() if not common.PY2 else __import__("StringIO").StringIO()
        old = sys.stdout
        sys.stdout = out
        try:
            replay.main(["replay.py", path])
        finally:
            sys.stdout = old
        return json.loads(out.getvalue())
    finally:
        os.remove(path)


class Execution(unittest.TestCase):
    def test_the_end_of_the_stop_after_group_cuts_the_others_work_short(self):
        # Two threads with 30 s of Python each beside one that sleeps 20 ms twice: the run ends
        # with the sleeper, about 40 ms in, not after a minute.
        plan = {"format": 1, "scenario": "t", "seed": 1, "gil_model": "switch_interval",
                "switch_interval_s": 0.005, "check_interval": 100, "stop_s": None,
                "stop_after": 1, "calibration": {},
                "groups": [{"name": "crunch", "threads": [
                               {"start_s": 0.0, "kinds": "c", "durations_ns": [30000000000]},
                               {"start_s": 0.0, "kinds": "c", "durations_ns": [30000000000]}]},
                           {"name": "io", "threads": [
                               {"start_s": 0.0, "kinds": "ss", "durations_ns": [20000000, 20000000]}]}]}
        t0 = time.time()
        r = run_plan(plan)
        self.assertLess(time.time() - t0, 10.0)
        self.assertTrue(r["stopped"])
        self.assertEqual(r["groups"]["io"]["finished"], 1)
        self.assertEqual(r["groups"]["crunch"]["finished"], 0)
        self.assertEqual(r["groups"]["crunch"]["finish_s"], r["makespan_s"])
        self.assertEqual(r["groups"]["io"]["finish_s"], r["makespan_s"])
        self.assertGreater(r["makespan_s"], 0.039)
        self.assertLess(r["makespan_s"], 2.0)
        # The cut steps count as the work they did: no more than the run's span each.
        self.assertLess(r["groups"]["crunch"]["serial_s"], 2 * r["makespan_s"] + 0.01)
        if common.thread_cpu() is not None:
            self.assertLess(abs(r["measured"]["work_accuracy"]["cpu"] - 1.0), 0.05)

    def test_a_plan_runs_with_its_durations_and_reports_in_gilsims_shape(self):
        plan = {"format": 1, "scenario": "t", "seed": 1, "gil_model": "switch_interval",
                "switch_interval_s": 0.005, "check_interval": 100, "stop_s": None,
                "calibration": {},
                "groups": [{"name": "a", "threads": [
                    {"start_s": 0.01, "kinds": "csci", "durations_ns": [20000000, 5000000, 1000000, 3000000]}]}]}
        r = run_plan(plan)
        g = r["groups"]["a"]
        self.assertEqual(g["finished"], 1)
        self.assertAlmostEqual(g["serial_s"], 0.029, places=9)
        # Alone, the thread takes its durations plus small latencies, after its 10 ms start
        # (without a thread CPU clock, counted iterations run faster on a faster machine).
        self.assertGreater(r["makespan_s"], 0.039 if common.thread_cpu() is not None else 0.025)
        self.assertLess(r["makespan_s"], 0.100)  # generous: this is about what runs, not speed
        self.assertEqual(g["io_resume_latency_s"]["count"], 2)
        for key in ("makespan_s", "serial_s", "speedup", "cpu_utilization", "groups", "gil"):
            self.assertIn(key, r)
        if common.thread_cpu() is not None:
            # The bytecode steps used their CPU time (not less).
            self.assertGreater(g["cpu_s"], 0.020)
            self.assertLess(g["cpu_s"], 0.030)



class CCallKernel(unittest.TestCase):
    def test_a_c_call_holds_the_gil_for_its_length_of_the_threads_cpu_time(self):
        if common.thread_cpu() is None:
            self.assertFalse(common.timed_c_call(0.01))  # 2.7: the counted call instead
            return
        count, stop = [0], [False]

        def spinner():
            while not stop[0]:
                count[0] += 1
        old = sys.getswitchinterval()
        sys.setswitchinterval(0.001)  # a waiting thread asks for the GIL every millisecond
        t = threading.Thread(target=spinner)
        t.start()
        try:
            time.sleep(0.01)
            c0, k0 = common.thread_cpu(), count[0]
            self.assertTrue(common.timed_c_call(0.05))
            k1, c1 = count[0], common.thread_cpu()
            time.sleep(0.05)  # the spinner alone, for as long
            k2 = count[0]
        finally:
            stop[0] = True
            t.join()
            sys.setswitchinterval(old)
        self.assertGreaterEqual(c1 - c0, 0.05)
        self.assertLess(c1 - c0, 0.055)
        # The spinner ran at most around the call's edges, not during its 50 ms.
        self.assertLess(k1 - k0, 0.2 * (k2 - k1))


class NativeKernel(unittest.TestCase):
    def test_a_native_step_is_one_call_whatever_its_length(self):
        native = common.Native("sha256")
        calls = []
        real_sha256 = common.hashlib.sha256

        class Counting(object):
            def __init__(self):
                self.h = real_sha256()

            def update(self, data):
                calls.append(len(data))
                self.h.update(data)

        common.hashlib.sha256 = Counting
        try:
            size = 3 * native.CHUNK + 12345
            native.run(size)
            self.assertGreater(len(calls), 1)  # the default buffer is shorter
            del calls[:]
            native.reserve(size)
            native.run(size)
            self.assertEqual(calls, [size])
            native.MAX_CALL = 4 * native.CHUNK  # (the real cap is larger)
            native.reserve(native.MAX_CALL * 4)  # capped: longer steps are split
            self.assertEqual(len(native.block), native.MAX_CALL)
        finally:
            common.hashlib.sha256 = real_sha256

if __name__ == "__main__":
    unittest.main()
