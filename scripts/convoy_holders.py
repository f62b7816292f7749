#!/usr/bin/env python3
"""Who held the GIL in a convoy, and on which CPU: a real run, or a gilsim trace of one.

The convoy's I/O thread (sleep, then a little Python, over and over) beside CPU-bound threads
waits for the GIL for a time that the validation suite measures as percentiles. This script
says where those waits come from. Run under the interpreter to study (CPython 3.7+ on Linux;
standard library only):

    python3 scripts/convoy_holders.py [--interval 5ms] [--crunchers 3] [--calls 600]
                                      [--sleep 1ms] [--hold 50us] [--window 60]
                                      [--json OUT]

Each CPU-bound thread records the spans in which it ran (a gap of more than 50 us in its loop
means it did not hold the GIL) and the CPU each began on (sched_getcpu, called without
releasing the GIL); the I/O thread records each call. The same statistics come from the
model's timeline of the same scenario (`gilsim run FILE --trace CSV`; the CPUs from its `cpu`
column, a holder's CPU being the one it took the GIL on):

    python3 scripts/convoy_holders.py --trace CSV --interval 5ms --sleep 1ms

It prints the I/O thread's waits (from the nominal end of its sleep to its GIL) in switch
intervals, and their median over every `--window` calls (real runs settle for seconds in one
regime, the model's move between them: docs/model-notes.md, 2026-12-08); after its holds, the
share that went straight back to the thread it took the GIL from (by whether that thread ran
on the I/O thread's CPU); and among the CPU-bound threads' own hand-offs, the share back to
the holder before (two threads passing the GIL between them) and the mean length of those
runs."""
from __future__ import division, print_function

import argparse
import csv
import itertools
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import common  # noqa: E402  (the harness's span recorder and CPU probe)

IO = "io"


def collapse(events):
    """(start, thread, cpu) in any order -> the holders in time order, repeats merged."""
    seq = []
    for _, who, cpu in sorted(events):
        if seq and seq[-1][0] == who:
            continue
        seq.append((who, cpu))
    return seq


def hand_off_stats(seq):
    """Straight-back shares after the I/O thread's holds and the CPU-bound threads' runs."""
    def share(xs):
        return {"holds": len(xs), "share": sum(xs) / len(xs) if xs else None}
    # After each hold of the I/O thread: (went straight back, shared the holder's CPU or None).
    holds = [(seq[i + 1][0] == seq[i - 1][0],
              None if None in (seq[i][1], seq[i - 1][1]) else seq[i][1] == seq[i - 1][1])
             for i in range(1, len(seq) - 1) if seq[i][0] == IO]
    names = [who for who, _ in seq]
    # Each hand-off among CPU-bound threads: back to the holder before? (None: the I/O's part)
    back = [None if IO in names[k - 2:k + 1] else names[k] == names[k - 2]
            for k in range(2, len(names))]
    crunch = [b for b in back if b is not None]
    runs = [len(list(g)) for key, g in itertools.groupby(back) if key is True]
    return {"straight_back_all": share([b for b, _ in holds]),
            "straight_back_same_cpu": share([b for b, same in holds if same is True]),
            "straight_back_other_cpu": share([b for b, same in holds if same is False]),
            "crunch_back_share": share(crunch)["share"],
            "crunch_back_run_mean": sum(runs) / len(runs) if runs else 0.0}


def wait_stats(waits, interval):
    """Percentiles and a histogram (in whole switch intervals, 30 and more together)."""
    w = sorted(waits)
    if not w:
        return {"calls": 0}
    hist = {}
    for x in w:
        k = min(int(x / interval + 0.5), 30)
        hist[k] = hist.get(k, 0) + 1
    return {"calls": len(w), "p50_s": w[len(w) // 2],
            "p99_s": w[min(len(w) - 1, int(len(w) * 0.99))], "mean_s": sum(w) / len(w),
            "in_intervals": sorted(hist.items())}


def window_p50s(waits, size):
    """The median wait of each run of `size` consecutive calls (a last, shorter run counts when
    it has at least half as many): whether a run settled in one regime or moved between them."""
    out = []
    for k in range(0, len(waits), size):
        w = sorted(waits[k:k + size])
        if len(w) * 2 >= size:
            out.append(w[len(w) // 2])
    return out


def from_trace(path, sleep_s):
    """A gilsim --trace CSV: the holders, with their CPUs when the trace has them, and the I/O
    thread's waits."""
    events, waits, slept = [], [], None
    with open(path) as f:
        for row in csv.DictReader(f):
            t, name, ev = float(row["time_s"]), row["thread"], row["event"]
            who = IO if name.split("/")[0] == IO else name
            if ev == "acquired_gil":
                cpu = row.get("cpu")  # traces written before the column existed have none
                events.append((t, who, int(cpu) if cpu else None))
                if who == IO and slept is not None:
                    waits.append(t - slept - sleep_s)
                    slept = None
            elif ev == "io" and who == IO:
                slept = t
    return collapse(events), waits


def real_run(interval, crunchers, calls, sleep_s, hold_s):
    """The convoy for real: spans per CPU-bound thread, and the I/O thread's calls."""
    getcpu = common.cpu_probe() or (lambda: None)  # None: CPUs unknown
    now = common.now
    sys.setswitchinterval(interval)
    stop, go = [False], threading.Event()
    spans = [[] for _ in range(crunchers)]
    io_calls = []

    def crunch(mine):
        go.wait()
        common.record_holds(mine, stop, getcpu)

    def io():
        go.wait()
        time.sleep(0.002)
        for _ in range(calls):
            t0 = now()
            time.sleep(sleep_s)
            t1, cpu = now(), getcpu()
            c0 = time.thread_time()
            while time.thread_time() - c0 < hold_s:
                pass
            io_calls.append((t0, t1, now(), cpu))
        stop[0] = True

    threads = [threading.Thread(target=crunch, args=(s,)) for s in spans]
    threads.append(threading.Thread(target=io))
    for t in threads:
        t.daemon = True  # an interrupted run does not hang on them
        t.start()
    time.sleep(0.05)
    go.set()
    for t in threads:
        t.join()
    return spans, io_calls


def duration(text):
    for unit, scale in (("us", 1e-6), ("ms", 1e-3), ("s", 1.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    raise argparse.ArgumentTypeError("a duration such as 5ms, 50us or 1s: %r" % text)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--interval", type=duration, default=0.005)
    p.add_argument("--crunchers", type=int, default=3)
    p.add_argument("--calls", type=int, default=600)
    p.add_argument("--sleep", type=duration, default=0.001)
    p.add_argument("--hold", type=duration, default=50e-6)
    p.add_argument("--trace", help="a gilsim --trace CSV to read instead of running")
    p.add_argument("--window", type=int, default=60,
                   help="also print the median wait of every WINDOW consecutive calls (0: not)")
    p.add_argument("--json", help="also write the statistics (and a real run's spans) here")
    a = p.parse_args(argv)
    if a.crunchers < 1 or a.calls < 1 or a.window < 0:
        p.error("--crunchers and --calls must be at least 1, --window at least 0")
    raw = None
    if a.trace:
        try:
            seq, waits = from_trace(a.trace, a.sleep)
        except (IOError, OSError, KeyError, ValueError) as e:
            sys.stderr.write("convoy_holders.py: %s: not a gilsim trace (%s)\n" % (a.trace, e))
            return 2
    else:
        spans, io_calls = real_run(a.interval, a.crunchers, a.calls, a.sleep, a.hold)
        events = [(s, "crunch/%d" % i, c) for i, mine in enumerate(spans) for s, _, c in mine]
        events += [(t1, IO, c) for _, t1, _, c in io_calls]
        seq = collapse(events)
        waits = [t1 - t0 - a.sleep for t0, t1, _, _ in io_calls]
        raw = {"spans": spans, "io_calls": io_calls}
    stats = {"waits": wait_stats(waits, a.interval)}
    if a.window:
        stats["window_p50_s"] = window_p50s(waits, a.window)
    stats.update(hand_off_stats(seq))
    w = stats["waits"]
    if w["calls"]:
        print("I/O waits: %d, p50 %.3g ms, p99 %.3g ms, mean %.3g ms; in intervals: %s" % (
            w["calls"], w["p50_s"] * 1e3, w["p99_s"] * 1e3, w["mean_s"] * 1e3,
            " ".join("%d:%d" % kv for kv in w["in_intervals"])))
    if stats.get("window_p50_s"):
        print("median wait of every %d calls (ms): %s" % (
            a.window, " ".join("%.3g" % (x * 1e3) for x in stats["window_p50_s"])))
    same, other = (stats["straight_back_%s" % k]["holds"] for k in ("same_cpu", "other_cpu"))
    if same + other:
        print("the holder the I/O thread took from ran on its CPU: %.3f of %d holds" % (
            same / (same + other), same + other))
    for k in ("all", "same_cpu", "other_cpu"):
        s = stats["straight_back_" + k]
        if s["holds"]:
            print("straight back after the I/O thread's holds (%s): %.3f of %d" % (
                k.replace("_", " "), s["share"], s["holds"]))
    if stats["crunch_back_share"] is not None:
        print("CPU-bound hand-offs back to the holder before: %.3f, runs of %.1f on average" % (
            stats["crunch_back_share"], stats["crunch_back_run_mean"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"stats": stats, "raw": raw}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
