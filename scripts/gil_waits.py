#!/usr/bin/env python3
"""One thread's GIL waits, from a kernel trace of a real run (standard library only).

scripts/gil_trace.py says how the GIL changed hands; this says how one waiting thread (by
default the convoy's I/O thread) got it back each time. Record the trace as gil_trace.py says
(perf, futex and scheduler events), then:

    python3 scripts/gil_waits.py gil.txt [--thread PID] [--interval 5ms] [--gap 800us]
                                 [--json]

A wait is the thread's run of futex calls on the GIL's condition variable between two of its
blocking calls (the scheduler's events show the thread going to sleep outside a futex call:
its sleep or I/O). Without scheduler events in the trace, a gap longer than `--gap` between
two calls ends a wait instead (keep it shorter than the thread's blocking calls; a thread
left runnable behind another makes gaps too, so the split is rougher). Each call is
one letter: `T` it timed out, `S` it was woken (a signal: glibc lets a waiter whose signal was
taken by another thread sleep again until the same deadline), `E` the word had moved before it
slept. For each timeout, what take_gil did with it: `r` no forced switch (a wake of the switch
condition) fell inside the interval before it, the timed wait, so it posted a drop request;
`x` one did, so it only waited again. The waits are binned by whole switch intervals of their
length, and each bin lists its most common patterns with how many forced switches happened
during them.
The default thread is the one that waited most often and was the dropper of the fewest forced
switches (the I/O thread releases the GIL by blocking, not on request)."""
from __future__ import division, print_function

import argparse
import bisect
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gil_trace as gt  # noqa: E402
from convoy_holders import duration  # noqa: E402  (5ms, 50us, 1s)

SLEPT = re.compile(r"prev_pid=(\d+) .*prev_state=[SD]")


def blocking_calls(events, pid):
    """When thread `pid` went to sleep outside a futex call (sched_switch, state S or D)."""
    inside, times = False, []
    for p, _cpu, t, event, rest in events:
        if p == pid and event.endswith("sys_enter_futex"):
            inside = True
        elif p == pid and event.endswith("sys_exit_futex"):
            inside = False
        elif event.endswith("sched_switch") and not inside:
            m = SLEPT.search(rest)
            if m and int(m.group(1)) == pid:
                times.append(t)
    return times


def split_waits(calls, gap, blocks=None):
    """A thread's condition calls (in order) as waits: split at its blocking calls if known,
    else at gaps over `gap` seconds."""
    waits, current = [], []
    for c in calls:
        if current:
            if blocks:
                new = bisect.bisect(blocks, c.start) > bisect.bisect(blocks, current[-1].end)
            else:
                new = c.start - current[-1].end > gap
            if new:
                waits.append(current)
                current = []
        current.append(c)
    if current:
        waits.append(current)
    return waits


def letter(call):
    return "T" if call.ret == gt.ETIMEDOUT else ("S" if call.ret == 0 else "E")


def analyse(lines, thread=None, interval=0.005, gap=800e-6, top=6):
    events = gt.parse(lines)
    calls = gt.futex_calls(events)
    words = gt.gil_words(calls)
    waiting = (gt.FUTEX_WAIT, gt.FUTEX_WAIT_BITSET)
    cond_calls = collections.defaultdict(list)
    forced = []  # when switch_cond was woken: forced switches, in order
    dropped = collections.Counter()  # per thread: cond signals followed by a forced switch
    last_signal = None
    for c in calls:
        if c.op in waiting and c.addr in words["cond"]:
            cond_calls[c.pid].append(c)
        elif c.op == gt.FUTEX_WAKE and c.addr in words["cond"] and c.ret >= 0:
            last_signal = c.pid
        elif c.op == gt.FUTEX_WAKE and c.addr in words["switch_cond"]:
            forced.append(c.end)
            if last_signal is not None:
                dropped[last_signal] += 1
            last_signal = None
    if not cond_calls:
        raise ValueError("no thread waited on the GIL's condition in the trace")
    if thread is None:
        def rank(pid):
            n = len(split_waits(cond_calls[pid], gap))
            return (dropped[pid] / n, -n, pid)
        thread = min(cond_calls, key=rank)
    if thread not in cond_calls:
        raise ValueError("thread %d never waited on the GIL's condition" % thread)
    bins = collections.defaultdict(collections.Counter)
    blocks = blocking_calls(events, thread)
    waits = split_waits(cond_calls[thread], gap, blocks)
    for w in waits:
        t0, t1 = w[0].start, w[-1].end
        marks = "".join(
            "x" if bisect.bisect(forced, c.end) > bisect.bisect(forced, c.end - interval) else "r"
            for c in w if c.ret == gt.ETIMEDOUT)
        switches = bisect.bisect(forced, t1) - bisect.bisect(forced, t0)
        bins[int((t1 - t0) / interval)][("".join(letter(c) for c in w), marks, switches)] += 1
    return {
        "thread": thread,
        "split_by": "blocking calls" if blocks else "gaps",
        "waits": len(waits),
        "interval_s": interval,
        "bins": [{"intervals": b, "waits": sum(bins[b].values()),
                  "patterns": [{"calls": k[0], "timeouts": k[1], "forced_switches": k[2],
                                "waits": n} for k, n in bins[b].most_common(top)]}
                 for b in sorted(bins)],
    }


def report(result):
    ms = result["interval_s"] * 1e3
    print("thread %d: %d GIL waits (between its %s), by length in switch intervals (%g ms)"
          % (result["thread"], result["waits"], result["split_by"], ms))
    for b in result["bins"]:
        lo = b["intervals"] * ms
        print("  %g-%g ms: %d" % (lo, lo + ms, b["waits"]))
        for p in b["patterns"]:
            print("    %5d  calls %-10s timeouts %-6s forced switches during it %d"
                  % (p["waits"], p["calls"], p["timeouts"] or "-", p["forced_switches"]))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace", help="the output of perf script")
    ap.add_argument("--thread", type=int, help="the waiting thread's id (default: see above)")
    ap.add_argument("--interval", type=duration, default=0.005, help="the run's switch interval")
    ap.add_argument("--gap", type=duration, default=800e-6,
                    help="a longer gap between calls ends a wait")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args(argv[1:])
    try:
        with open(a.trace) as f:
            result = analyse(f.read().splitlines(), a.thread, a.interval, a.gap)
    except (IOError, OSError, ValueError) as e:
        print("gil_waits: %s: %s" % (a.trace, e), file=sys.stderr)
        return 2
    if a.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
