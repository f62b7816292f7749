"""Where the kernel put each wake-up of a GIL run's threads, from a kernel trace (standard
library only; scripts/gil_trace.py reports it)."""
from __future__ import print_function

import collections

from kernel_trace import PREV_STATE, SWITCH, WAKEUP

# Wake-ups by the state of the CPU the thread last ran on, and of the others.
PLACEMENT_KEYS = ("busy_cpu_another_idle", "busy_cpu_no_other_idle", "idle_cpu_another_idle",
                  "idle_cpu_no_other_idle")


def placements(events, threads):
    """Where each wake-up of the given threads landed, against where they last ran; and, for
    those that found that CPU busy and another idle, by how the thread had blocked there:
    beside a runnable thread (the CPU switched to it: EEVDF may have kept the sleeper in that
    CPU's queue, a delayed dequeue) or with its CPU falling idle (nothing to delay it behind)."""
    running = {}   # CPU -> pid on it (0: idle)
    last_cpu = {}  # thread -> CPU it last left
    beside = {}    # thread -> whether its last block handed its CPU to a runnable thread
    counts = collections.Counter()
    by_block = collections.Counter()
    for _pid, cpu, _t, event, rest in events:
        if event.endswith("sched_switch"):
            s = SWITCH.search(rest)
            if s:
                prev, nxt = int(s.group(1)), int(s.group(2))
                if prev in threads:
                    last_cpu[prev] = cpu
                    state = PREV_STATE.search(rest)
                    if state and state.group(1) in ("S", "D"):
                        beside[prev] = nxt != 0
                running[cpu] = nxt
        elif event.endswith("sched_wakeup"):
            w = WAKEUP.search(rest)
            if not w or int(w.group(1)) not in threads:
                continue
            pid, target = int(w.group(1)), int(w.group(2))
            prev = last_cpu.get(pid)
            if prev is None or len(running) < 2:
                continue
            prev_busy = running.get(prev, 0) != 0
            others_idle = any(p == 0 for c, p in running.items() if c != prev)
            if target == prev:
                where = "previous"
            else:
                where = "other_busy" if running.get(target, 0) != 0 else "other_idle"
            key = "%s_cpu_%s" % ("busy" if prev_busy else "idle",
                                 "another_idle" if others_idle else "no_other_idle")
            counts[(key, where)] += 1
            if key == "busy_cpu_another_idle" and pid in beside:
                by_block[("beside_runnable" if beside[pid] else "cpu_fell_idle", where)] += 1
    wheres = ("previous", "other_idle", "other_busy")
    placed = {k: {w: counts[(k, w)] for w in wheres} for k in PLACEMENT_KEYS}
    placed["busy_cpu_another_idle_by_block"] = {
        b: {w: by_block[(b, w)] for w in wheres} for b in ("beside_runnable", "cpu_fell_idle")}
    return placed
