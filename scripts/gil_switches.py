#!/usr/bin/env python
"""How often the GIL changes hands among CPU-bound threads: a real run, or a gilsim result.

Threads running pure-Python loops write their number into one shared variable at every
iteration and count the iterations at which they find another's there: only the GIL's holder
runs bytecode, so each such find is one hand-off, counted exactly, without a clock. Run under
the interpreter to study (CPython 2.7 and 3.x; standard library only):

    python scripts/gil_switches.py [--threads 2] [--seconds 3] [--check-interval 100]
                                   [--switch-interval 5ms] [--json OUT]

`--check-interval` applies to 2.x (sys.setcheckinterval), `--switch-interval` to 3.x. It prints
the hand-offs per second, the mean hold between them, and each thread's share of the loop's
iterations. The same figures for the model come from `gilsim run FILE --json OUT` (its
`gil.switches` over its makespan), and this script reads that file with `--result OUT`. Among
CPU-bound threads on 2.7, for instance, the count says whether a release's waiter mostly wins
(a hand-off at most check points) or mostly loses (docs/model-notes.md, 2026-12-08)."""
from __future__ import division, print_function

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convoy_holders import duration  # noqa: E402  (its "5ms" parser)


def real_run(threads, seconds, check_interval, switch_interval):
    """Hand-offs and iterations per thread over `seconds` of the threads running together."""
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(switch_interval)
    else:
        sys.setcheckinterval(check_interval)
    state = {"owner": -1, "stop": False}
    finds = [0] * threads
    loops = [0] * threads
    go = threading.Event()

    def work(me):
        go.wait()
        found = n = 0
        s = state
        while not s["stop"]:
            if s["owner"] != me:
                s["owner"] = me
                found += 1
            n += 1
        finds[me], loops[me] = found, n

    ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in ts:
        t.daemon = True
        t.start()
    time.sleep(0.05)
    t0 = time.time()
    go.set()
    time.sleep(seconds)  # the main thread sleeps: it holds the GIL only to wake and stop them
    state["stop"] = True
    for t in ts:
        t.join()
    elapsed = time.time() - t0
    total = sum(loops) or 1
    return {"threads": threads, "seconds": elapsed, "hand_offs": sum(finds) - 1,
            "iterations_per_s": total / elapsed,
            "shares": [n / total for n in loops]}


def from_result(path):
    with open(path) as f:
        r = json.load(f)
    return {"threads": None, "seconds": r["makespan_s"], "hand_offs": r["gil"]["switches"]}


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--check-interval", type=int, default=100)
    p.add_argument("--switch-interval", type=duration, default=0.005)
    p.add_argument("--result", help="a gilsim run --json file to read instead of running")
    p.add_argument("--json", help="also write the figures here")
    a = p.parse_args(argv)
    if a.threads < 1 or a.seconds <= 0 or a.check_interval < 1 or a.switch_interval <= 0:
        p.error("--threads and --check-interval must be at least 1, the durations positive")
    if a.result:
        try:
            out = from_result(a.result)
        except (IOError, OSError, KeyError, ValueError, TypeError) as e:
            sys.stderr.write("gil_switches.py: %s: not a gilsim result (%s)\n" % (a.result, e))
            return 2
    else:
        out = real_run(a.threads, a.seconds, a.check_interval, a.switch_interval)
    rate = out["hand_offs"] / out["seconds"]
    out["hand_offs_per_s"] = rate
    print("hand-offs: %d in %.3g s, %.4g a second, a hold of %.3g us on average" % (
        out["hand_offs"], out["seconds"], rate, 1e6 / rate if rate else float("inf")))
    if out.get("shares"):
        print("iterations: %.4g a second; each thread's share: %s" % (
            out["iterations_per_s"], " ".join("%.3f" % x for x in out["shares"])))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
