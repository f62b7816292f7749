"""gilsim's host calibration: measures what gilsim's models need from this machine and this
interpreter, and prints the measurements as JSON (gilsim calibrate fits and writes the profile).

    python calibrate.py [--quick]

Measured: the work kernels' rates (a steady loop, and a short burst right after a blocking call);
GIL hand-offs between CPU-bound threads (the gap, and how long each holder runs) for 2, 4 and 8
threads, and with 3 or more the order of hand-offs (split by whether the new holder runs on the
old holder's CPU); thread wake-up latency through a lock, and what a release costs when it wakes a
sleeper or nobody; sleep overshoot for several durations, and the tail of 1 ms sleeps on an idle
CPU beside busy ones (late timer interrupts); thread
start cost; on the tick GIL (2.x), the slowdown of 2, 4 and 8 threads at check intervals 200,
500 and 1000; and the effective parallelism of the logical CPUs (N busy processes against one).
Standard library only; CPython 2.7 and 3.6+."""
from __future__ import division, print_function

import json
import sys

import common
from host_probes import (SLEEPER_POINTS, context_switch_cost, empty_wake_cost,
                         idle_wake_latencies, late_timers, parallelism, probe_cpus,
                         sleep_overshoots, sleeper_beside_busy, smt_siblings)
from thread_probes import (handoffs, mean_orders, release_costs, sleeper_holds,
                           thread_start_costs, tick_contention, wake_latencies)


def quantiles(xs, qs=(0.1, 0.5, 0.9, 0.99)):
    xs = sorted(xs)
    n = len(xs)
    return dict(("p%d" % int(q * 100), xs[min(n - 1, int(q * n))]) for q in qs)


def main(argv):
    quick = "--quick" in argv
    from replay import set_parent_death_signal
    set_parent_death_signal()
    native = common.Native()
    result = {"python": common.interpreter(), "logical_cpus": common.cpu_count(),
              "smt_siblings": smt_siblings()}
    result["kernels"] = common.calibrate_kernels(native)
    samples = 100 if quick else 400
    lat = wake_latencies(samples)
    result["wake_latency_s"] = {"samples": len(lat), "quantiles": quantiles(lat),
                                "values": sorted(lat)}
    result["idle_wake_s"] = dict(
        ("%g" % idle, quantiles(idle_wake_latencies(idle, 50 if quick else 200)))
        for idle in (10e-6, 30e-6, 100e-6, 300e-6, 1e-3, 3e-3))
    result["idle_wake_pinned"] = probe_cpus() is not None
    result["context_switch_s"] = context_switch_cost(5000 if quick else 20000)
    result["release_s"] = release_costs(50 if quick else 200)
    result["release_s"]["empty_wake_cost"] = empty_wake_cost(reps=7 if quick else 21)
    durations = [50e-6, 100e-6, 200e-6, 500e-6, 1e-3, 2e-3, 5e-3]
    result["sleep_overshoot_s"] = sleep_overshoots(durations, 10 if quick else 40)
    starts = thread_start_costs(50 if quick else 200)
    result["thread_start_s"] = quantiles(starts)
    seconds = 0.6 if quick else 2.0
    result["handoffs"] = {}
    for n in (2, 4, 8):
        runs, gaps, _ = handoffs(n, seconds, 0.005)
        result["handoffs"][str(n)] = {
            "interval_s": 0.005,
            "runs": len(runs),
            "run_s": quantiles(runs) if runs else None,
            "gap_s": quantiles(gaps) if gaps else None,
            "gap_values": sorted(gaps)[: 2000],
        }
    # Which thread gets the GIL next, with 3 or more: the fraction of hand-offs back to the
    # holder before the current one, and whether they come in runs (noisy: a few hundred to a
    # few thousand hand-offs per interval, and the order can depend on where a run's threads
    # were placed: the mean of several runs).
    result["handoff_order"] = []
    if hasattr(sys, "setswitchinterval"):
        runs = 1 if quick else 3
        for interval, secs in ((0.001, 1.0), (0.005, 1.0 if quick else 1.5),
                               (0.02, 2.0 if quick else 3.0)):
            for n in (3, 4, 8):
                order = mean_orders([handoffs(n, secs, interval)[2]
                                                   for _ in range(runs)])
                entry = {"threads": n, "interval_s": interval, "seconds": secs, "runs": runs}
                entry.update(order)
                result["handoff_order"].append(entry)
    result["sleeper_holds"] = sleeper_holds(1.0 if quick else 4.0, 0.005)
    if hasattr(sys, "setcheckinterval") and not hasattr(sys, "setswitchinterval"):
        result["tick_contention"] = tick_contention(0.1 if quick else 0.2, 3 if quick else 7)
    result["parallelism"] = parallelism(result["logical_cpus"] + 1, 0.3 if quick else 0.5,
                                        1 if quick else 3)
    result["late_timers"] = late_timers(1000 if quick else 5000,
                                        max(0, result["logical_cpus"] - 1))
    result["sleeper_beside_busy"] = sleeper_beside_busy(result["logical_cpus"], SLEEPER_POINTS,
                                                        0.6 if quick else 2.0)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
