#!/usr/bin/env python3
"""Reads a kernel trace of a real run and says how the GIL changed hands (standard library only).

What a real run measures from inside Python (who held the GIL when) cannot say why a hand-off
went where it did. The kernel can: every GIL wait, timeout, signal and forced switch of
CPython 3.2+ is a futex call on the GIL's condition variables. Record one with perf (as root):

    perf record -a -e syscalls:sys_enter_futex -e syscalls:sys_exit_futex \\
        -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_waking -o gil.data -- \\
        gilsim measure configs/validation/convoy-3cpu-20ms.yaml --python /usr/bin/python3 --repeat 1
    perf script -i gil.data > gil.txt
    python3 scripts/gil_trace.py gil.txt [--json]

Tracing is not free. Each futex call pays for the tracepoints, which lengthens the window in
which a requester can take its own signal. In the 5 ms convoy, traced runs' I/O thread
finished in 3.9 s against 2.4-3.0 s untraced. Read the rates as the mechanism's shape.

Layout assumed: x86-64 glibc 2.25 or later (a pthread_cond_t's two group words, __g_signals,
at offsets 40 and 44; the mutex, 40 bytes, right after the 48-byte condition) and CPython's
_gil_runtime_state (cond, mutex, switch_cond, switch_mutex in that order).

For each forced switch (the new holder signals switch_cond to release the dropper) it reports:
  requester   the last waiter whose timed wait expired before the dropper signalled (within
              2 ms), the one that posted the drop request;
  same/other  whether that requester timed out on the CPU the dropper signalled from;
  winner      the requester itself, the holder before the dropper ("back": the dropper of the
              previous forced switch), or another thread.
A forced switch shows only when the dropper had to wait on switch_cond. When the new holder
takes the GIL before the dropper gets there, glibc's signal finds no waiter and makes no system
call. So the report also counts each thread's releases of the GIL (its signals on the
condition, which glibc also skips when it has no waiter to wake). In the traced 3-thread
convoys, 90-91% of the CPU-bound threads' releases showed as forced switches.
For the races a requester posted from another CPU than the dropper's it also reports how they
went by whether the dropper blocked on the GIL's mutex (a futex wait on it between the
requester's timeout and the signal: the requester held it, and the dropper signalled only once
it had it) and, with the scheduler's events, by how long the requester's CPU had idled before
its timer woke it there, and how long each side's lock code took in those races (from the
requester's timeout: the signal, the dropper's arrival at the mutex, the requester's unlock and
its return to sleep): what `condvar: glibc`'s mutex_hold, sleep_entry and drop_entry stand for;
the requester's state when the dropper signalled (scripts/trace_lockcode.py); and what each
futex_wake that woke a thread cost its caller, by where the woken thread went (`wake_syscall`).
It also reports, per thread, its runs of consecutive timed-out waits: a thread that times out
n times in a row waited about n switch intervals for the GIL; and, when the trace has the
scheduler's events, where the kernel put each wake-up of a GIL thread: back on the CPU it last
ran on, or on another, and whether those CPUs were busy or idle at that moment. The wake-ups
that found their CPU busy and another idle are also split by how the thread had blocked there:
beside a runnable thread (so EEVDF's delayed dequeue may have kept it in that CPU's queue) or
with its CPU falling idle (nothing to keep it there). With sched_waking events as well it
splits the wake-ups by what woke them (the futex word the waker was waking: the GIL's
condition, its mutex or switch_cond; or none, a timer) and by whether the thread's own CPU was
idle, for the threads that drop the GIL on request and for those that drop it to block: whether
each stayed on its own CPU, went to its waker's, or elsewhere.
"""
from __future__ import print_function

import collections
import json
import sys

from kernel_trace import (ETIMEDOUT, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, IDLE_BUCKETS,
                          calls_by_pid, futex_calls, gil_words, idle_before, idle_periods, parse,
                          percentiles_us)
from trace_lockcode import report_lock_code, requester_states, wake_costs
from trace_placement import (PLACEMENT_KEYS, placements, report_wake_kinds, wake_kind_table,
                             wake_kinds)

REQUEST_WINDOW_S = 0.002


def mutex_waits(calls, words):
    """Per thread, the start times of its waits on the GIL's mutex."""
    waits = collections.defaultdict(list)
    for c in calls:
        if c.addr == words["mutex"] and c.op in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
            waits[c.pid].append(c.start)
    return waits


def count_cross_cpu_race(cross, requester, won, signalled_at, dropper_mutex_waits, periods):
    """Counts one race posted from another CPU than the dropper's: by whether the dropper
    waited for the mutex between the requester's timeout and its signal, and by how long the
    requester's CPU had idled before its timer woke it."""
    outcome = "requester" if won else "lost"
    blocked = any(requester[0] - 1e-4 <= w <= signalled_at for w in dropper_mutex_waits)
    cross["dropper_blocked_on_mutex" if blocked else "dropper_not_blocked"][outcome] += 1
    idle = idle_before(periods, requester[2], requester[0])
    if idle is not None:
        name = next(n for limit, n in IDLE_BUCKETS if idle < limit)
        cross["by_requester_cpu_idle"][name][outcome] += 1


def race_timings(by_pid, words, races):
    """How long each side's lock code took in the races posted from another CPU (microseconds,
    from the requester's timed-out wait's return T0): what `condvar: glibc`'s mutex_hold,
    sleep_entry and drop_entry stand for. `races`: (requester pid, T0, signal start, dropper pid,
    won); `by_pid`: each thread's futex calls in order of their start (calls_by_pid)."""
    waits = (FUTEX_WAIT, FUTEX_WAIT_BITSET)
    keys = ("signal_after_timeout", "requester_asleep_after_timeout_when_lost",
            "dropper_at_mutex_after_timeout", "requester_unlock_after_timeout",
            "dropper_woken_after_unlock", "dropper_signal_after_woken",
            "requester_asleep_after_unlock_when_lost")
    t = dict((k, []) for k in keys)
    for req, t0, signalled, dropper, won in races:
        mine = [c for c in by_pid[req] if c.start > t0]
        asleep = next((c.start for c in mine if c.addr in words["cond"] and c.op in waits), None)
        blocked = next((c for c in by_pid[dropper] if t0 - 1e-4 <= c.start <= signalled
                        and c.addr == words["mutex"] and c.op in waits), None)
        if blocked is None:
            t["signal_after_timeout"].append(signalled - t0)
            if not won and asleep is not None:
                t["requester_asleep_after_timeout_when_lost"].append(asleep - t0)
            continue
        t["dropper_at_mutex_after_timeout"].append(blocked.start - t0)
        t["dropper_signal_after_woken"].append(signalled - blocked.end)
        unlock = next((c.start for c in mine if c.addr == words["mutex"] and c.op == FUTEX_WAKE
                       and (asleep is None or c.start <= asleep)), None)
        if unlock is None:
            continue
        t["requester_unlock_after_timeout"].append(unlock - t0)
        t["dropper_woken_after_unlock"].append(blocked.end - unlock)
        if not won and asleep is not None:
            t["requester_asleep_after_unlock_when_lost"].append(asleep - unlock)
    return dict((k, percentiles_us(v)) for k, v in t.items())


def new_cross_cpu_races():
    return {"dropper_blocked_on_mutex": {"requester": 0, "lost": 0},
            "dropper_not_blocked": {"requester": 0, "lost": 0},
            "by_requester_cpu_idle": dict((name, {"requester": 0, "lost": 0})
                                          for _, name in IDLE_BUCKETS)}


def analyse(lines):
    events = parse(lines)
    all_calls = futex_calls(events)
    words = gil_words(all_calls)
    calls = [c for c in all_calls if c.addr in words["cond"] or c.addr in words["switch_cond"]]
    blocked_at = mutex_waits(all_calls, words)
    periods = idle_periods(events)
    cross = new_cross_cpu_races()
    pids = sorted({c.pid for c in calls})
    label = {pid: "T%d" % i for i, pid in enumerate(pids)}
    races = collections.Counter()
    runs = collections.defaultdict(list)
    current_run = collections.Counter()
    last_timeout = None   # (time, pid, cpu) of the latest timed-out GIL wait
    signal = None         # (time, pid, cpu, requester) of the latest signal on the GIL's cond
    previous_dropper = None  # the holder before the current one, after a forced switch
    timed = []  # races posted from another CPU, for race_timings
    releases = collections.Counter()  # per thread: releases of the GIL (its signal on cond)
    forced_drops = collections.Counter()  # ... of which forced switches it waited through
    for c in calls:
        waiting = c.op in (FUTEX_WAIT, FUTEX_WAIT_BITSET)
        if waiting and c.addr in words["cond"]:
            if c.ret == ETIMEDOUT:
                last_timeout = (c.end, c.pid, c.cpu)
                current_run[c.pid] += 1
            elif c.ret == 0:
                runs[c.pid].append(current_run.pop(c.pid, 0))
        elif c.op == FUTEX_WAKE and c.addr in words["cond"] and c.ret >= 0:
            fresh = last_timeout is not None and c.end - last_timeout[0] <= REQUEST_WINDOW_S
            signal = (c.end, c.pid, c.cpu, last_timeout if fresh else None)
            signal_start = c.start
            releases[c.pid] += 1
        elif c.op == FUTEX_WAKE and c.addr in words["switch_cond"] and signal is not None:
            signalled_at, dropper, dropper_cpu, requester = signal
            signal = None
            winner = c.pid
            if requester is None:
                where = "no_request"
            else:
                where = "same_cpu" if requester[2] == dropper_cpu else "other_cpu"
            if requester is not None and winner == requester[1]:
                outcome = "requester"
            elif winner == previous_dropper:
                outcome = "back"
            else:
                outcome = "other"
            races[(where, outcome)] += 1
            if where == "other_cpu":
                count_cross_cpu_race(cross, requester, outcome == "requester", signalled_at,
                                     blocked_at[dropper], periods)
                timed.append((requester[1], requester[0], signal_start, dropper,
                              outcome == "requester"))
            forced_drops[dropper] += 1
            previous_dropper = dropper
    for pid, n in current_run.items():
        runs[pid].append(n)
    # The threads that drop the GIL on request (CPU-bound) and those that drop it to block (an
    # I/O thread): their wake-ups are told apart.
    # (A thread with a handful of releases, such as the main thread, is in neither.)
    busy = [p for p in pids if releases[p] >= 10]
    groups = (("by_request", [p for p in busy if 2 * forced_drops[p] >= releases[p]]),
              ("by_blocking", [p for p in busy if 2 * forced_drops[p] < releases[p]]))
    by_pid = calls_by_pid(all_calls)
    return {
        "threads": {label[p]: p for p in pids},
        "forced_switches": sum(races.values()),
        "races": {where: {o: races[(where, o)] for o in ("requester", "back", "other")}
                  for where in ("other_cpu", "same_cpu", "no_request")},
        "releases": {label[p]: {"all": releases[p], "forced_seen": forced_drops[p]}
                     for p in pids},
        "longest_timeout_runs": {label[p]: sorted(r, reverse=True)[:5] for p, r in sorted(runs.items())},
        "cross_cpu_races": cross,
        "race_timings_us": race_timings(by_pid, words, timed),
        "requester_states": requester_states(by_pid, words, timed),
        "wake_costs_us": wake_costs(events, all_calls, words),
        "wake_placement": placements(events, set(pids)),
        "wake_kinds": wake_kind_table(wake_kinds(events, words, set(pids)), groups),
        "wake_kind_groups": dict((g, [label[p] for p in members]) for g, members in groups),
    }


def report(result):
    out = ["%d forced switches among threads %s" % (
        result["forced_switches"],
        ", ".join("%s (pid %d)" % kv for kv in sorted(result["threads"].items())))]
    out.append("%-34s %9s %6s %6s" % ("requester timed out", "requester", "back", "other"))
    names = {"other_cpu": "on another CPU than the dropper", "same_cpu": "on the dropper's CPU",
             "no_request": "(no timeout within 2 ms)"}
    for where in ("other_cpu", "same_cpu", "no_request"):
        r = result["races"][where]
        total = sum(r.values())
        share = " (requester %.0f%%)" % (100.0 * r["requester"] / total) if total else ""
        out.append("%-34s %9d %6d %6d%s" % (names[where], r["requester"], r["back"], r["other"], share))
    out.append("releases of the GIL per thread (all, and forced switches seen in the trace):")
    out.append("  " + "  ".join("%s %d/%d" % (name, r["all"], r["forced_seen"])
                                for name, r in sorted(result["releases"].items())))
    x = result["cross_cpu_races"]

    def won(r):
        total = r["requester"] + r["lost"]
        return "%d of %d (%.0f%%)" % (r["requester"], total, 100.0 * r["requester"] / total) \
            if total else "none"
    out.append("races posted from another CPU, requester won: dropper blocked on the GIL's "
               "mutex %s; not blocked %s" % (won(x["dropper_blocked_on_mutex"]),
                                             won(x["dropper_not_blocked"])))
    if any(sum(v.values()) for v in x["by_requester_cpu_idle"].values()):
        out.append("  by how long the requester's CPU had idled: " + "; ".join(
            "%s %s" % (name.replace("_", " "), won(x["by_requester_cpu_idle"][name]))
            for _, name in IDLE_BUCKETS))
    tm = result["race_timings_us"]

    def pct(name):
        r = tm[name]
        return "p10 %g p50 %g p90 %g (%d)" % (r["p10"], r["p50"], r["p90"], r["n"]) \
            if r["n"] else "none"
    if tm["signal_after_timeout"]["n"] or tm["dropper_at_mutex_after_timeout"]["n"]:
        out.append("their timings, in microseconds from the requester's timeout (condvar: glibc's "
                   "lock code):")
        out.append("  dropper not blocked: signal %s; a requester that lost was asleep %s"
                   % (pct("signal_after_timeout"),
                      pct("requester_asleep_after_timeout_when_lost")))
        out.append("  dropper blocked: at the mutex %s; requester's unlock %s" % (
            pct("dropper_at_mutex_after_timeout"), pct("requester_unlock_after_timeout")))
        out.append("    then the dropper woke %s after the unlock and signalled %s later; a "
                   "requester that lost was asleep %s after its unlock" % (
                       pct("dropper_woken_after_unlock"), pct("dropper_signal_after_woken"),
                       pct("requester_asleep_after_unlock_when_lost")))
    out += report_lock_code(result["requester_states"], result["wake_costs_us"])
    out.append("longest runs of consecutive timed-out waits:")
    for name, r in sorted(result["longest_timeout_runs"].items()):
        out.append("  %s: %s" % (name, " ".join(str(n) for n in r)))
    placed = result["wake_placement"]
    if any(sum(placed[k].values()) for k in PLACEMENT_KEYS):
        out.append("wake-ups of these threads, by the state of the CPU each last ran on:")
        out.append("  %-44s %8s %10s %10s" % ("", "there", "idle CPU", "busy CPU"))
        names = {"busy_cpu_another_idle": "its CPU busy, another idle",
                 "busy_cpu_no_other_idle": "its CPU busy, no other idle",
                 "idle_cpu_another_idle": "its CPU idle, another idle too",
                 "idle_cpu_no_other_idle": "its CPU idle, the others busy"}
        for key in PLACEMENT_KEYS:
            v = placed[key]
            out.append("  %-44s %8d %10d %10d" % (names[key], v["previous"], v["other_idle"],
                                                   v["other_busy"]))
            if key == "busy_cpu_another_idle":
                for block, name in (("beside_runnable", "having blocked beside a runnable one"),
                                    ("cpu_fell_idle", "having blocked as its CPU fell idle")):
                    b = placed["busy_cpu_another_idle_by_block"][block]
                    out.append("    %-42s %8d %10d %10d" % (name, b["previous"], b["other_idle"],
                                                           b["other_busy"]))
    else:
        out.append("(no scheduler events in the trace: record sched:sched_switch and "
                   "sched:sched_wakeup too for wake-up placement)")
    kinds = result["wake_kinds"]
    if any(kinds.values()):
        groups = result["wake_kind_groups"]
        out += report_wake_kinds(kinds, {
            "by_request": "threads that drop the GIL on request (%s)" % " ".join(groups["by_request"]),
            "by_blocking": "threads that drop it to block (%s)" % " ".join(groups["by_blocking"])})
    elif any(sum(placed[k].values()) for k in PLACEMENT_KEYS):
        out.append("(no sched:sched_waking events in the trace: record them too for what woke "
                   "each thread)")
    return "\n".join(out)


def main(argv):
    args = [a for a in argv[1:] if a != "--json"]
    if len(args) != 1:
        print("usage: gil_trace.py PERF_SCRIPT_TEXT [--json]", file=sys.stderr)
        return 2
    try:
        with open(args[0]) as f:
            result = analyse(f)
    except (IOError, OSError) as e:
        print("gil_trace.py: %s: %s" % (args[0], e.strerror), file=sys.stderr)
        return 2
    except ValueError as e:
        print("gil_trace.py: %s: %s" % (args[0], e), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1, sort_keys=True) if "--json" in argv else report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
