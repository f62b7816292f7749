"""Unit tests of scripts/gil_waits.py on hand-written kernel traces (run: python3 THIS_FILE)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "gil_waits.py")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(SCRIPT))

import gil_waits  # noqa: E402
from test_gil_trace import COND, Trace  # noqa: E402

IO, X, Y = 30, 10, 11  # the waiting thread, the holder, another CPU-bound thread


def sleep(tr, pid, cpu, seconds):
    """The thread blocks outside a futex call (its sleep) for `seconds`."""
    tr.switch(cpu, pid, 0)
    tr.t += seconds


def wait(tr, pid, cpu, ret, seconds, group=0):
    """One futex wait on the GIL's condition that returns `ret` after `seconds`."""
    tr.enter(pid, cpu, 9, COND + 4 * group, 0.00001)
    tr.exit(pid, cpu, ret, seconds)


def convoy_trace():
    """Three waits of the I/O thread, each after a 1 ms sleep:
    1. it times out with no forced switch before (posts a request), is woken and takes the GIL;
    2. a forced switch from X to Y happens 2 ms into its wait: its timeout at 5 ms sees it and
       does not post, and it is woken at 7 ms;
    3. it is woken at once (no timeout)."""
    tr = Trace()
    tr.timeout(X, 0)  # a CPU-bound timeout, so that the GIL's words are found
    sleep(tr, IO, 1, 0.001)
    wait(tr, IO, 1, -110, 0.005)
    tr.signal(X, 0)
    wait(tr, IO, 1, 0, 0.0001)
    sleep(tr, IO, 1, 0.001)
    tr.enter(IO, 1, 9, COND, 0.00001)
    tr.t += 0.002
    tr.signal(X, 0)
    tr.take_over(Y, 0)
    tr.exit(IO, 1, -110, 0.003)
    tr.enter(IO, 1, 9, COND, 0.00001)
    tr.t += 0.002
    tr.signal(Y, 0)
    tr.exit(IO, 1, 0, 0.00001)
    sleep(tr, IO, 1, 0.001)
    wait(tr, IO, 1, 0, 0.0005)
    sleep(tr, IO, 1, 0.001)
    return tr


class GilWaitsTest(unittest.TestCase):
    def test_waits_are_split_at_the_thread_s_blocking_calls_and_binned_by_interval(self):
        r = gil_waits.analyse(convoy_trace().lines, thread=IO)
        self.assertEqual(r["split_by"], "blocking calls")
        self.assertEqual(r["waits"], 3)
        self.assertEqual([(b["intervals"], b["waits"]) for b in r["bins"]], [(0, 1), (1, 2)])

    def test_a_timeout_posts_a_request_only_without_a_forced_switch_in_its_interval(self):
        r = gil_waits.analyse(convoy_trace().lines, thread=IO)
        patterns = {(p["calls"], p["timeouts"], p["forced_switches"])
                    for b in r["bins"] for p in b["patterns"]}
        self.assertEqual(patterns, {("TS", "r", 0), ("TS", "x", 1), ("S", "", 0)})

    def test_the_default_thread_is_the_one_that_drops_least_on_request(self):
        # X signals before each forced switch and waits often too; IO never drops on request.
        tr = convoy_trace()
        for _ in range(4):
            wait(tr, X, 0, -110, 0.0001)
            tr.t += 0.002
        self.assertEqual(gil_waits.analyse(tr.lines)["thread"], IO)

    def test_without_scheduler_events_waits_are_split_at_gaps(self):
        lines = [l for l in convoy_trace().lines if "sched_switch" not in l]
        r = gil_waits.analyse(lines, thread=IO, gap=0.0008)
        self.assertEqual(r["split_by"], "gaps")
        self.assertEqual(r["waits"], 3)

    def test_a_missing_trace_is_refused_with_exit_code_2(self):
        p = subprocess.run([sys.executable, SCRIPT, "/nonexistent/gil.txt"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("gil_waits: /nonexistent/gil.txt:", p.stderr)

    def test_the_report_names_the_thread_and_its_patterns(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(convoy_trace().lines) + "\n")
        try:
            p = subprocess.run([sys.executable, SCRIPT, f.name, "--thread", str(IO)],
                               stdout=subprocess.PIPE, universal_newlines=True)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0)
        self.assertIn("thread %d: 3 GIL waits (between its blocking calls)" % IO, p.stdout)
        self.assertIn("calls TS         timeouts x", p.stdout)


if __name__ == "__main__":
    unittest.main()
