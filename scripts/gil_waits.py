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
switches (the I/O thread releases the GIL by blocking, not on request).

It also reports the phase of the long waits, those with two or more timeouts that saw a forced
switch: how long after the last forced switch the first timeout fell, how far each further
timeout moved against the forced switches (the thread's timeouts come a little more often than
the CPU-bound threads' switches, so it gains on them each interval), both periods, and how many
of those waits ended after a timeout of its own that posted a request. A thread
that gains G per interval from an offset O posts its own request about O / G intervals later.
The phase alone also comes from a simulation's timeline, to compare the model with a trace:

    gilsim run FILE --trace sim.csv && python3 scripts/gil_waits.py sim.csv [--thread io/0]"""
from __future__ import division, print_function

import argparse
import bisect
import collections
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_trace as kt  # noqa: E402
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


def quartiles(xs):
    """p25, p50, p75 of a non-empty list (nearest rank)."""
    xs = sorted(xs)
    return [xs[int(q * (len(xs) - 1) + 0.5)] for q in (0.25, 0.5, 0.75)]


def phase(waits, forced, interval):
    """The timeouts (times, per wait) of the waits with two or more spoiled timeouts, against
    the forced switches (times): the first one's offset after the last switch, the drift of the
    offset from one timeout to the next (positive: the timeouts move earlier), the thread's
    timeout period and the switches' (gaps under 1.5 intervals)."""
    first, drift, own = [], [], []
    long_waits = own_request = 0
    for ends in waits:
        spoiled = [t for t in ends
                   if bisect.bisect(forced, t) > bisect.bisect(forced, t - interval)]
        if len(spoiled) < 2:
            continue
        long_waits += 1
        own_request += spoiled[-1] != ends[-1]  # its last timeout posted a request
        offsets = []
        for t in ends:
            i = bisect.bisect(forced, t) - 1
            offsets.append(t - forced[i] if i >= 0 else None)
        if offsets[0] is not None:
            first.append(offsets[0])
        for a, b in zip(offsets, offsets[1:]):
            if a is not None and b is not None and abs(a - b) < interval / 4:
                drift.append(a - b)
        own += [b - a for a, b in zip(ends, ends[1:]) if b - a < 1.5 * interval]
    switches = [b - a for a, b in zip(forced, forced[1:]) if b - a < 1.5 * interval]
    summary = lambda xs: quartiles(xs) if xs else None
    return {"long_waits": long_waits, "ended_by_own_request": own_request,
            "first_offset_s": summary(first),
            "drift_s": summary(drift), "timeout_period_s": summary(own),
            "switch_period_s": summary(switches)}


def analyse_gilsim(lines, thread=None, interval=0.005):
    """The same phase from a gilsim timeline (`gilsim run --trace`): the thread's waits run from
    the end of one of its blocking calls to its next acquisition of the GIL."""
    rows = list(csv.DictReader(lines))
    if not rows or not {"time_s", "thread", "event"} <= set(rows[0]):
        raise ValueError("not a gilsim trace (time_s,thread,event[,cpu])")
    if thread is None:
        blocking = collections.Counter(r["thread"] for r in rows if r["event"] == "io")
        if not blocking:
            raise ValueError("no thread made a blocking call")
        thread = max(sorted(blocking), key=lambda name: blocking[name])
    forced = [float(r["time_s"]) for r in rows if r["event"] == "forced_switch"]
    waits, current, blocked, waiting = [], [], False, False
    for r in rows:
        if r["thread"] != thread:
            continue
        event = r["event"]
        if event == "io":
            blocked = True
        elif blocked:
            blocked, waiting, current = False, True, []
        if waiting and event == "gil_timeout":
            current.append(float(r["time_s"]))
        elif waiting and event == "acquired_gil":
            waits.append(current)
            waiting = False
    if not waits:
        raise ValueError("thread %s never waited for the GIL after a blocking call" % thread)
    return {"thread": thread, "split_by": "blocking calls", "waits": len(waits),
            "interval_s": interval, "bins": [], "phase": phase(waits, forced, interval)}


def letter(call):
    return "T" if call.ret == kt.ETIMEDOUT else ("S" if call.ret == 0 else "E")


def analyse(lines, thread=None, interval=0.005, gap=800e-6, top=6):
    events = kt.parse(lines)
    calls = kt.futex_calls(events)
    words = kt.gil_words(calls)
    waiting = (kt.FUTEX_WAIT, kt.FUTEX_WAIT_BITSET)
    cond_calls = collections.defaultdict(list)
    forced = []  # when switch_cond was woken: forced switches, in order
    dropped = collections.Counter()  # per thread: cond signals followed by a forced switch
    last_signal = None
    for c in calls:
        if c.op in waiting and c.addr in words["cond"]:
            cond_calls[c.pid].append(c)
        elif c.op == kt.FUTEX_WAKE and c.addr in words["cond"] and c.ret >= 0:
            last_signal = c.pid
        elif c.op == kt.FUTEX_WAKE and c.addr in words["switch_cond"]:
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
            for c in w if c.ret == kt.ETIMEDOUT)
        switches = bisect.bisect(forced, t1) - bisect.bisect(forced, t0)
        bins[int((t1 - t0) / interval)][("".join(letter(c) for c in w), marks, switches)] += 1
    return {
        "thread": thread,
        "split_by": "blocking calls" if blocks else "gaps",
        "phase": phase([[c.end for c in w if c.ret == kt.ETIMEDOUT] for w in waits], forced,
                       interval),
        "waits": len(waits),
        "interval_s": interval,
        "bins": [{"intervals": b, "waits": sum(bins[b].values()),
                  "patterns": [{"calls": k[0], "timeouts": k[1], "forced_switches": k[2],
                                "waits": n} for k, n in bins[b].most_common(top)]}
                 for b in sorted(bins)],
    }


def report(result):
    ms = result["interval_s"] * 1e3
    print("thread %s: %d GIL waits (between its %s)%s"
          % (result["thread"], result["waits"], result["split_by"],
             ", by length in switch intervals (%g ms)" % ms if result["bins"] else ""))
    for b in result["bins"]:
        lo = b["intervals"] * ms
        print("  %g-%g ms: %d" % (lo, lo + ms, b["waits"]))
        for p in b["patterns"]:
            print("    %5d  calls %-10s timeouts %-6s forced switches during it %d"
                  % (p["waits"], p["calls"], p["timeouts"] or "-", p["forced_switches"]))
    ph = result["phase"]
    if ph["long_waits"] == 0:
        return
    q = lambda v: "-" if v is None else "%.3g ms (p25 %.3g, p75 %.3g)" % (
        v[1] * 1e3, v[0] * 1e3, v[2] * 1e3)
    print("phase of the %d waits with two or more timeouts that saw a forced switch:"
          % ph["long_waits"])
    print("  first timeout after the last forced switch: %s" % q(ph["first_offset_s"]))
    print("  gain on the forced switches per timeout: %s" % q(ph["drift_s"]))
    print("  its timeouts every %s; forced switches every %s"
          % (q(ph["timeout_period_s"]), q(ph["switch_period_s"])))
    print("  %d of them ended after a timeout that posted its own request, the others after a "
          "timeout that saw a forced switch" % ph["ended_by_own_request"])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace", help="the output of perf script, or a gilsim --trace CSV")
    ap.add_argument("--thread", help="the waiting thread's id, or name in a gilsim trace "
                    "(default: see above; in a gilsim trace the one with most blocking calls)")
    ap.add_argument("--interval", type=duration, default=0.005, help="the run's switch interval")
    ap.add_argument("--gap", type=duration, default=800e-6,
                    help="a longer gap between calls ends a wait")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args(argv[1:])
    try:
        with open(a.trace) as f:
            lines = f.read().splitlines()
        if lines and lines[0].startswith("time_s,"):
            result = analyse_gilsim(lines, a.thread, a.interval)
        else:
            if a.thread is not None and not a.thread.isdigit():
                raise ValueError("--thread must be a thread id in a kernel trace")
            result = analyse(lines, None if a.thread is None else int(a.thread), a.interval,
                             a.gap)
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
