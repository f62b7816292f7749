"""Unit tests of scripts/gil_trace.py on hand-written kernel traces (run: python3 THIS_FILE)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "gil_trace.py")
sys.path.insert(0, os.path.dirname(SCRIPT))

import gil_trace  # noqa: E402

COND = 0x55D0  # the GIL condition's __g_signals[0]; [1] is 4 bytes on, switch_cond 88 bytes on
SWITCH = COND + 88


class Trace(object):
    """Writes `perf script` lines for futex calls, one call at a time."""

    def __init__(self):
        self.lines = []
        self.t = 100.0

    def call(self, pid, cpu, op, addr, ret, dt=0.0001):
        self.enter(pid, cpu, op, addr, dt)
        self.exit(pid, cpu, ret, 0.000002)

    def enter(self, pid, cpu, op, addr, dt):
        self.t += dt
        self.lines.append(
            "python3 %d [%03d] %.6f: syscalls:sys_enter_futex: uaddr: 0x%x, op: 0x%08x, val: "
            "0x00000000, utime: 0x00000000, uaddr2: 0x00000000, val3: 0xffffffff"
            % (pid, cpu, self.t, addr, op | 0x80))

    def exit(self, pid, cpu, ret, dt):
        self.t += dt
        self.lines.append("python3 %d [%03d] %.6f:  syscalls:sys_exit_futex: 0x%x"
                          % (pid, cpu, self.t, ret & 0xFFFFFFFFFFFFFFFF))

    def switch(self, cpu, prev, nxt):
        self.t += 0.00001
        self.lines.append(
            "python3 %d [%03d] %.6f: sched:sched_switch: prev_comm=x prev_pid=%d prev_prio=120 "
            "prev_state=S ==> next_comm=y next_pid=%d next_prio=120" % (prev, cpu, self.t, prev, nxt))

    def wakeup(self, pid, target):
        self.t += 0.00001
        self.lines.append("swapper 0 [000] %.6f: sched:sched_wakeup: comm=python3 pid=%d prio=120 "
                          "target_cpu=%03d" % (self.t, pid, target))

    def waking(self, waker, cpu, pid):
        """sched_waking of `pid`, in the context of `waker` running on `cpu`."""
        self.t += 0.000001
        self.lines.append("python3 %d [%03d] %.6f: sched:sched_waking: comm=python3 pid=%d "
                          "prio=120 target_cpu=%03d" % (waker, cpu, self.t, pid, cpu))

    def timeout(self, pid, cpu, group=0, dt=0.0001):
        self.call(pid, cpu, 9, COND + 4 * group, -110, dt)

    def woken(self, pid, cpu, group=0):
        self.call(pid, cpu, 9, COND + 4 * group, 0)

    def signal(self, pid, cpu, group=0):
        self.call(pid, cpu, 1, COND + 4 * group, 1)

    def take_over(self, pid, cpu):
        """The new holder releases the dropper waiting on switch_cond."""
        self.call(pid, cpu, 1, SWITCH, 1)

    def forced_switch(self, requester, requester_cpu, dropper, dropper_cpu, winner, winner_cpu):
        self.timeout(requester, requester_cpu, dt=0.02)
        self.signal(dropper, dropper_cpu)
        self.take_over(winner, winner_cpu)


class GilTraceTest(unittest.TestCase):
    def test_a_requester_on_another_cpu_that_takes_the_gil_counts_as_a_requester_win(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        races = gil_trace.analyse(tr.lines)["races"]
        self.assertEqual(races["other_cpu"], {"requester": 1, "back": 0, "other": 0})
        self.assertEqual(sum(races["same_cpu"].values()), 0)

    def test_a_hand_off_back_to_the_previous_dropper_counts_as_back(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        # Thread 3 times out on the holder's CPU; the GIL goes back to thread 1.
        tr.forced_switch(requester=3, requester_cpu=1, dropper=2, dropper_cpu=1, winner=1, winner_cpu=0)
        races = gil_trace.analyse(tr.lines)["races"]
        self.assertEqual(races["same_cpu"], {"requester": 0, "back": 1, "other": 0})

    def test_a_third_thread_winning_counts_as_other(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=3, winner_cpu=1)
        races = gil_trace.analyse(tr.lines)["races"]
        self.assertEqual(races["other_cpu"], {"requester": 0, "back": 0, "other": 1})

    def test_a_signal_long_after_the_last_timeout_has_no_requester(self):
        tr = Trace()
        tr.timeout(2, 1)
        tr.t += 0.5
        tr.signal(1, 0)
        tr.take_over(2, 1)
        result = gil_trace.analyse(tr.lines)
        self.assertEqual(result["races"]["no_request"], {"requester": 0, "back": 0, "other": 1})

    def test_consecutive_timeouts_until_a_wake_up_form_one_run(self):
        tr = Trace()
        for _ in range(3):
            tr.timeout(3, 0, group=1)
        tr.woken(3, 0, group=1)
        tr.timeout(3, 0)
        tr.woken(3, 0)
        runs = gil_trace.analyse(tr.lines)["longest_timeout_runs"]
        self.assertEqual(runs["T0"], [3, 1])

    def test_calls_on_other_futex_words_are_ignored(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.call(7, 0, 1, 0x9000, 1)       # someone else's lock
        tr.call(2, 1, 1, COND + 8, 0)     # the GIL's mutex
        result = gil_trace.analyse(tr.lines)
        self.assertEqual(sorted(result["threads"].values()), [1, 2])
        self.assertEqual(result["forced_switches"], 1)

    def test_a_trace_without_gil_timeouts_is_refused_with_exit_code_2(self):
        tr = Trace()
        tr.signal(1, 0)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(tr.lines) + "\n")
        try:
            p = subprocess.run([sys.executable, SCRIPT, f.name], capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 2)
        self.assertIn("no timed-out condition wait", p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1)

    def test_wake_ups_are_classified_by_where_the_thread_last_ran(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.switch(0, 0, 1)   # thread 1 runs on CPU 0
        tr.switch(1, 2, 0)   # thread 2 leaves CPU 1, which goes idle
        tr.wakeup(2, 1)      # back onto its idle CPU while CPU 0 is busy
        tr.switch(1, 0, 9)   # another process takes CPU 1
        tr.switch(0, 1, 0)   # CPU 0 goes idle
        tr.wakeup(2, 1)      # its CPU busy, CPU 0 idle: stays with CPU 1
        tr.wakeup(2, 0)      # ... or moves to the idle one
        tr.wakeup(5, 0)      # not a GIL thread: ignored
        placed = gil_trace.analyse(tr.lines)["wake_placement"]
        self.assertEqual(placed["idle_cpu_no_other_idle"], {"previous": 1, "other_idle": 0, "other_busy": 0})
        self.assertEqual(placed["busy_cpu_another_idle"], {"previous": 1, "other_idle": 1, "other_busy": 0})
        self.assertEqual(sum(placed["idle_cpu_another_idle"].values()), 0)
        by_block = placed["busy_cpu_another_idle_by_block"]
        self.assertEqual(by_block["cpu_fell_idle"], {"previous": 1, "other_idle": 1, "other_busy": 0})
        self.assertEqual(sum(by_block["beside_runnable"].values()), 0)

    def test_wake_ups_onto_a_busy_cpu_are_told_apart_by_how_the_thread_blocked_there(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.switch(0, 1, 0)   # CPU 0 goes idle
        tr.switch(1, 2, 9)   # thread 2 blocks on CPU 1, handing it to a runnable thread
        tr.wakeup(2, 1)      # its CPU busy, CPU 0 idle: it stays
        by_block = gil_trace.analyse(tr.lines)["wake_placement"]["busy_cpu_another_idle_by_block"]
        self.assertEqual(by_block["beside_runnable"], {"previous": 1, "other_idle": 0, "other_busy": 0})
        self.assertEqual(sum(by_block["cpu_fell_idle"].values()), 0)
        self.assertIn("having blocked beside a runnable one", gil_trace.report(gil_trace.analyse(tr.lines)))

    def test_wake_ups_are_classified_by_what_woke_them_and_where_they_landed(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.switch(1, 2, 0)                          # thread 2 sleeps on CPU 1, which idles
        tr.switch(0, 0, 1)                          # thread 1 runs on CPU 0
        tr.enter(1, 0, 1, COND, 0.0001)             # its signal on the GIL's condition
        tr.waking(1, 0, 2)
        tr.wakeup(2, 0)                             # thread 2 joins it on its busy CPU
        tr.exit(1, 0, 1, 0.000002)
        tr.switch(0, 1, 2)                          # thread 1 sleeps, 2 runs on CPU 0
        tr.switch(0, 2, 0)                          # and sleeps there; CPU 0 idles
        tr.waking(9, 0, 2)                          # a timer, taken in another process's context
        tr.wakeup(2, 0)                             # stays on its idle CPU
        tr.enter(1, 1, 1, COND + 8, 0.0001)         # the GIL's mutex, from CPU 1
        tr.waking(1, 1, 2)
        tr.wakeup(2, 1)                             # to its waker's CPU
        tr.enter(1, 1, 1, 0x9000, 0.0001)           # someone else's lock: not counted
        tr.waking(1, 1, 2)
        tr.wakeup(2, 1)
        tr.exit(1, 1, 1, 0.000002)
        tr.switch(0, 0, 1)                          # thread 1 now runs where thread 2 last ran
        tr.enter(1, 0, 1, COND, 0.0001)
        tr.waking(1, 0, 2)
        tr.wakeup(2, 0)                             # queued behind its waker
        tr.exit(1, 0, 1, 0.000002)
        import kernel_trace
        import trace_placement
        events = kernel_trace.parse(tr.lines)
        words = kernel_trace.gil_words(kernel_trace.futex_calls(events))
        counts = trace_placement.wake_kinds(events, words, {1, 2})[2]
        self.assertEqual(dict(counts[("cond", "idle")]), {"to_waker": 1})
        self.assertEqual(dict(counts[("timer", "idle")]), {"stayed": 1})
        self.assertEqual(dict(counts[("mutex", "idle")]), {"to_waker": 1})
        self.assertEqual(dict(counts[("cond", "waker")]), {"stayed": 1})
        self.assertEqual(sum(sum(c.values()) for c in counts.values()), 4)

    def test_the_wake_up_table_groups_threads_by_how_they_drop_the_gil(self):
        tr = Trace()
        for _ in range(10):   # thread 1 drops on request; thread 3 releases to block
            tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2,
                             winner_cpu=1)
            tr.signal(3, 1)
        tr.switch(1, 3, 0)
        tr.switch(0, 0, 1)
        tr.enter(1, 0, 1, COND, 0.0001)
        tr.waking(1, 0, 3)
        tr.wakeup(3, 0)
        result = gil_trace.analyse(tr.lines)
        self.assertEqual(result["wake_kind_groups"], {"by_request": ["T0"], "by_blocking": ["T2"]})
        self.assertEqual(result["wake_kinds"]["by_blocking"],
                         {"cond/idle": {"stayed": 0, "to_waker": 1, "elsewhere": 0}})
        text = gil_trace.report(result)
        self.assertIn("threads that drop it to block (T2):", text)
        self.assertIn("the condition's signal, its CPU idle", text)

    def test_a_trace_without_waking_events_says_to_record_them(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.switch(0, 0, 1)
        tr.switch(1, 2, 0)
        tr.wakeup(2, 1)
        self.assertIn("record them too", gil_trace.report(gil_trace.analyse(tr.lines)))

    def test_a_trace_without_scheduler_events_says_what_to_record(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        self.assertIn("record sched:sched_switch", gil_trace.report(gil_trace.analyse(tr.lines)))

    def test_each_thread_s_releases_are_counted_with_the_forced_ones_among_them(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.signal(2, 1)  # thread 2 releases the GIL without anyone waiting for it to leave
        tr.timeout(1, 0)
        releases = gil_trace.analyse(tr.lines)["releases"]
        self.assertEqual(releases["T0"], {"all": 1, "forced_seen": 1})
        self.assertEqual(releases["T1"], {"all": 1, "forced_seen": 0})

    def test_a_dropper_that_blocked_on_the_gil_mutex_is_told_apart_in_cross_cpu_races(self):
        tr = Trace()
        tr.timeout(2, 1, dt=0.02)
        tr.call(1, 0, 0, COND + 8, 0)  # the dropper waits for the mutex the requester holds
        tr.signal(1, 0)
        tr.take_over(3, 1)             # the requester is asleep again: thread 3 takes it
        tr.forced_switch(requester=1, requester_cpu=0, dropper=3, dropper_cpu=1, winner=1,
                         winner_cpu=0)
        races = gil_trace.analyse(tr.lines)["cross_cpu_races"]
        self.assertEqual(races["dropper_blocked_on_mutex"], {"requester": 0, "lost": 1})
        self.assertEqual(races["dropper_not_blocked"], {"requester": 1, "lost": 0})

    def test_cross_cpu_races_are_counted_by_how_long_the_requester_s_cpu_had_idled(self):
        tr = Trace()
        tr.switch(1, 2, 0)   # thread 2 leaves CPU 1 idle
        tr.t += 0.001
        tr.switch(1, 0, 2)   # 1 ms later its timer puts it back there
        tr.timeout(2, 1, dt=0.000001)
        tr.signal(1, 0)
        tr.take_over(2, 1)
        tr.forced_switch(requester=3, requester_cpu=1, dropper=2, dropper_cpu=0, winner=1,
                         winner_cpu=0)  # no idle period just before: not classified
        by_idle = gil_trace.analyse(tr.lines)["cross_cpu_races"]["by_requester_cpu_idle"]
        self.assertEqual(by_idle["300us_2ms"], {"requester": 1, "lost": 0})
        self.assertEqual(sum(sum(v.values()) for v in by_idle.values()), 1)

    def test_the_lock_code_of_a_race_is_timed_from_the_requester_s_timeout(self):
        us = 0.000001
        tr = Trace()
        tr.timeout(2, 1, dt=0.02)            # T0: the requester's timed-out wait returns
        tr.enter(1, 0, 0, COND + 8, 8 * us)  # T0+8: the dropper waits for the mutex
        tr.call(2, 1, 1, COND + 8, 1, 2 * us)  # T0+10 to 12: the requester's unlock wakes it
        tr.exit(1, 0, 0, 3 * us)             # T0+15: the dropper has the mutex
        tr.enter(2, 1, 9, COND, 4 * us)      # T0+19: the requester is asleep again
        tr.signal(1, 0)                      # the dropper signals after it
        tr.take_over(3, 1)                   # and thread 3 takes the GIL
        tr.exit(2, 1, 0, 0.001)              # the requester's wait returns later
        tm = gil_trace.analyse(tr.lines)["race_timings_us"]
        self.assertEqual(tm["dropper_at_mutex_after_timeout"]["p50"], 8)
        self.assertEqual(tm["requester_unlock_after_timeout"]["p50"], 10)
        self.assertEqual(tm["dropper_woken_after_unlock"]["p50"], 5)
        self.assertEqual(tm["requester_asleep_after_unlock_when_lost"]["p50"], 9)
        self.assertEqual(tm["signal_after_timeout"], {"n": 0})

    def test_json_output_reads_back(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(tr.lines) + "\n")
        try:
            p = subprocess.run([sys.executable, SCRIPT, f.name, "--json"], capture_output=True, text=True)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0)
        self.assertEqual(json.loads(p.stdout)["races"]["other_cpu"]["requester"], 1)


    def test_the_requesters_state_at_the_signal_is_read_from_its_next_wait(self):
        tr = Trace()
        # Thread 2 times out on CPU 1 and starts its next wait; thread 1 signals before the
        # kernel's check, which sees it: the wait returns EAGAIN and thread 2 takes the GIL.
        tr.timeout(2, 1, dt=0.02)
        tr.enter(2, 1, 9, COND, 0.000003)
        tr.call(1, 0, 1, COND, 1, dt=0.000001)
        tr.exit(2, 1, -11, 0.000001)
        tr.take_over(2, 1)
        # Thread 3 times out and sleeps; thread 2's signal wakes thread 1, which wins; thread 3's
        # wait times out later.
        tr.timeout(3, 1, dt=0.02)
        tr.enter(3, 1, 9, COND, 0.000003)
        tr.call(2, 0, 1, COND, 1, dt=0.00001)
        tr.take_over(1, 1)
        tr.exit(3, 1, -110, 0.005)
        states = gil_trace.analyse(tr.lines)["requester_states"]["not_blocked"]
        self.assertEqual(states["returned_at_once"], {"won": 1, "lost": 0})
        self.assertEqual(states["asleep_slept_on"], {"won": 0, "lost": 1})
        self.assertEqual(states["awake"], {"won": 0, "lost": 0})

    def test_a_futex_wake_that_woke_a_thread_is_timed_by_where_the_thread_went(self):
        tr = Trace()
        tr.forced_switch(requester=2, requester_cpu=1, dropper=1, dropper_cpu=0, winner=2, winner_cpu=1)
        tr.enter(1, 0, 1, COND, 0.0001)             # thread 1 wakes thread 2 onto its own CPU
        tr.t += 0.000001
        tr.lines.append("python3 1 [000] %.6f: sched:sched_wakeup: comm=python3 pid=2 prio=120 "
                        "target_cpu=000" % tr.t)
        tr.exit(1, 0, 1, 0.000008)
        costs = gil_trace.analyse(tr.lines)["wake_costs_us"]
        self.assertEqual(costs["cond"]["callers_cpu"], {"n": 1, "p10": 9.0, "p50": 9.0, "p90": 9.0})
        # The forced switch's signal and take-over woke threads with no wake-up in their
        # callers' context: queued to another CPU.
        self.assertEqual(costs["cond"]["queued_to_another_cpu"]["n"], 1)
        self.assertEqual(costs["switch_cond"]["queued_to_another_cpu"]["n"], 1)
        self.assertEqual(costs["mutex"]["another_cpu"], {"n": 0})
        self.assertIn("queued to another CPU (an interrupt)", gil_trace.report(gil_trace.analyse(tr.lines)))

if __name__ == "__main__":
    unittest.main()
