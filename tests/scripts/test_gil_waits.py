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


def starved_trace(offset=0.001, gain=0.0001, period=0.0052, timeouts=4, escape=False):
    """One long wait of the I/O thread: X and Y pass the GIL by forced switches every `period`;
    its timeouts come `offset` after a switch at first and `gain` earlier against the switches
    each time (so every one of them saw a switch), then it is woken; or, with `escape`, it times
    out once more, a whole interval after the last switch, and so posts its own request."""
    tr = Trace()

    def time_out(at):  # its timed wait expires at `at`, and it waits again
        tr.t = at
        tr.exit(IO, 1, -110, 0.0)
        tr.enter(IO, 1, 9, COND, 0.00001)

    tr.timeout(X, 0)
    sleep(tr, IO, 1, 0.001)
    start = tr.t
    tr.enter(IO, 1, 9, COND, 0.00001)
    for k in range(timeouts):
        switch_at = start + 0.004 + k * period
        tr.t = switch_at - 0.0001 - 0.000002  # take_over's call ends at switch_at
        tr.take_over(Y if k % 2 == 0 else X, 0)
        time_out(switch_at + offset - k * gain)
    if escape:
        time_out(tr.t + 0.0051)
    tr.t += 0.002
    tr.signal(X, 0)
    tr.exit(IO, 1, 0, 0.00001)
    sleep(tr, IO, 1, 0.001)
    return tr


def run_script(lines, *args):
    """Runs gil_waits.py on a trace made of `lines` (written to a temporary file)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        return subprocess.run([sys.executable, SCRIPT, f.name] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
    finally:
        os.unlink(f.name)


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

    def test_a_long_wait_s_phase_is_its_first_timeout_s_offset_and_its_gain_per_timeout(self):
        ph = gil_waits.analyse(starved_trace().lines, thread=IO)["phase"]
        self.assertEqual(ph["long_waits"], 1)
        self.assertAlmostEqual(ph["first_offset_s"][1], 0.001, places=5)
        self.assertAlmostEqual(ph["drift_s"][1], 0.0001, places=5)
        self.assertAlmostEqual(ph["timeout_period_s"][1], 0.0051, places=5)
        self.assertAlmostEqual(ph["switch_period_s"][1], 0.0052, places=5)

    def test_a_long_wait_whose_last_timeout_posted_ended_by_the_thread_s_own_request(self):
        self.assertEqual(gil_waits.analyse(starved_trace().lines, thread=IO)["phase"]
                         ["ended_by_own_request"], 0)
        ph = gil_waits.analyse(starved_trace(escape=True).lines, thread=IO)["phase"]
        self.assertEqual((ph["long_waits"], ph["ended_by_own_request"]), (1, 1))

    def test_waits_with_fewer_than_two_spoiled_timeouts_have_no_phase(self):
        ph = gil_waits.analyse(convoy_trace().lines, thread=IO)["phase"]
        self.assertEqual(ph["long_waits"], 0)
        self.assertIsNone(ph["first_offset_s"])

    def test_a_gilsim_timeline_gives_the_same_phase_for_the_thread_that_blocks_most(self):
        r = gil_waits.analyse_gilsim(gilsim_trace())
        self.assertEqual((r["thread"], r["waits"]), ("io/0", 2))
        ph = r["phase"]
        self.assertEqual(ph["long_waits"], 1)
        self.assertAlmostEqual(ph["first_offset_s"][1], 0.001, places=6)
        self.assertAlmostEqual(ph["drift_s"][1], 0.0001, places=6)
        self.assertAlmostEqual(ph["timeout_period_s"][1], 0.0051, places=6)

    def test_a_gilsim_timeline_of_a_real_run_is_read_end_to_end(self):
        gilsim = os.environ.get("GILSIM", os.path.join(HERE, "..", "..", "build", "release",
                                                         "gilsim"))
        if "GILSIM" not in os.environ and not os.path.exists(gilsim):
            self.skipTest("gilsim is not built (ctest passes GILSIM)")
        scenario = os.path.join(HERE, "..", "..", "configs", "validation", "convoy-3cpu-5ms.yaml")
        with tempfile.TemporaryDirectory() as d:
            trace = os.path.join(d, "t.csv")
            subprocess.run([gilsim, "run", scenario, "--set", "threads.io.program.0.repeat=60",
                            "--set", "threads.crunch.program.0.cpu=400ms", "--trace", trace,
                            "--quiet"], check=True)
            p = subprocess.run([sys.executable, SCRIPT, trace, "--json"],
                               stdout=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 0)
        import json
        r = json.loads(p.stdout)
        self.assertEqual((r["thread"], r["waits"]), ("io/0", 60))

    def test_a_thread_name_is_refused_for_a_kernel_trace(self):
        p = run_script(convoy_trace().lines, "--thread", "io/0")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--thread must be a thread id", p.stderr)

    def test_a_missing_trace_is_refused_with_exit_code_2(self):
        p = subprocess.run([sys.executable, SCRIPT, "/nonexistent/gil.txt"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("gil_waits: /nonexistent/gil.txt:", p.stderr)

    def test_the_report_names_the_thread_and_its_patterns(self):
        p = run_script(convoy_trace().lines, "--thread", str(IO))
        self.assertEqual(p.returncode, 0)
        self.assertIn("thread %d: 3 GIL waits (between its blocking calls)" % IO, p.stdout)
        self.assertIn("calls TS         timeouts x", p.stdout)

    def test_the_report_gives_the_phase_of_the_long_waits(self):
        p = run_script(starved_trace().lines, "--thread", str(IO))
        self.assertEqual(p.returncode, 0)
        self.assertIn("phase of the 1 waits with two or more timeouts", p.stdout)
        self.assertIn("first timeout after the last forced switch: 1 ms", p.stdout)
        self.assertIn("gain on the forced switches per timeout: 0.1 ms", p.stdout)


def gilsim_trace(offset=0.001, gain=0.0001, period=0.0052, timeouts=4):
    """The same starved wait as starved_trace, as a gilsim timeline (`gilsim run --trace`)."""
    rows = [(0.0, "io/0", "io"), (0.001, "io/0", "gil_wait")]
    for k in range(timeouts):
        switch_at = 0.005 + k * period
        rows.append((switch_at, "crunch/%d" % (k % 2), "forced_switch"))
        rows.append((switch_at + offset - k * gain, "io/0", "gil_timeout"))
    end = rows[-1][0] + 0.002
    rows += [(end, "io/0", "acquired_gil"), (end + 0.00005, "io/0", "io"),
             (end + 0.001, "io/0", "gil_wait"), (end + 0.0011, "io/0", "acquired_gil")]
    rows.sort()
    return ["time_s,thread,event"] + ["%.9f,%s,%s" % r for r in rows]


if __name__ == "__main__":
    unittest.main()
