"""Where the kernel put each wake-up of a GIL run's threads, from a kernel trace (standard
library only; scripts/gil_trace.py reports it)."""
from __future__ import print_function

import collections

from kernel_trace import ARG, FUTEX_WAKE, PREV_STATE, SWITCH, WAKEUP


class Cpus(object):
    """From sched_switch events: which thread each CPU runs (0: idle) and on which CPU each of
    the given threads last ran."""

    def __init__(self, threads):
        self.threads = threads
        self.running = {}   # CPU -> pid on it
        self.last_cpu = {}  # thread -> CPU it last left

    def switch(self, cpu, rest):
        """Records one switch; returns (prev, next) pids, or None if the line does not say."""
        s = SWITCH.search(rest)
        if not s:
            return None
        prev, nxt = int(s.group(1)), int(s.group(2))
        if prev in self.threads:
            self.last_cpu[prev] = cpu
        self.running[cpu] = nxt
        return prev, nxt

    def idle(self, cpu):
        return self.running.get(cpu, 0) == 0


# Wake-ups by the state of the CPU the thread last ran on, and of the others.
PLACEMENT_KEYS = ("busy_cpu_another_idle", "busy_cpu_no_other_idle", "idle_cpu_another_idle",
                  "idle_cpu_no_other_idle")


def placements(events, threads):
    """Where each wake-up of the given threads landed, against where they last ran; and, for
    those that found that CPU busy and another idle, by how the thread had blocked there:
    beside a runnable thread (the CPU switched to it: EEVDF may have kept the sleeper in that
    CPU's queue, a delayed dequeue) or with its CPU falling idle (nothing to delay it behind)."""
    cpus = Cpus(threads)
    beside = {}    # thread -> whether its last block handed its CPU to a runnable thread
    counts = collections.Counter()
    by_block = collections.Counter()
    for _pid, cpu, _t, event, rest in events:
        if event.endswith("sched_switch"):
            switched = cpus.switch(cpu, rest)
            if switched and switched[0] in threads:
                state = PREV_STATE.search(rest)
                if state and state.group(1) in ("S", "D"):
                    beside[switched[0]] = switched[1] != 0
        elif event.endswith("sched_wakeup"):
            w = WAKEUP.search(rest)
            if not w or int(w.group(1)) not in threads:
                continue
            pid, target = int(w.group(1)), int(w.group(2))
            prev = cpus.last_cpu.get(pid)
            if prev is None or len(cpus.running) < 2:
                continue
            prev_busy = not cpus.idle(prev)
            others_idle = any(cpus.idle(c) for c in cpus.running if c != prev)
            if target == prev:
                where = "previous"
            else:
                where = "other_idle" if cpus.idle(target) else "other_busy"
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


WAKER_KINDS = ("cond", "mutex", "switch_cond", "timer")
CPU_STATES = ("idle", "busy", "waker")
WAKE_WHERE = ("stayed", "to_waker", "elsewhere")


def wake_kinds(events, words, threads):
    """Each wake-up of the given threads by what woke it and where it landed, from the
    scheduler's sched_waking events (emitted in the waker's context; sched_wakeup may come
    from the target CPU's): the futex word its waker was waking at that moment (the GIL's
    condition, its mutex, switch_cond), or none (a timer or an interrupt); the state of the CPU
    the thread last ran on ("idle", "busy" with another thread, or running the "waker"); and
    where it landed: that CPU ("stayed"), the waker's CPU ("to_waker"), or another. A timer that
    fires while the CPU's thread is inside a futex wake is counted as that wake's. Returns
    {thread: {(kind, state): {where: n}}}."""
    word_kind = {words["mutex"]: "mutex"}
    for addr in words["cond"]:
        word_kind[addr] = "cond"
    for addr in words["switch_cond"]:
        word_kind[addr] = "switch_cond"
    waking = {}    # pid -> the word of the futex wake it is inside (None: another futex call)
    cpus = Cpus(threads)
    pending = {}   # wakee -> (kind, the waker's CPU, the state of its own CPU)
    counts = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
    for pid, cpu, _t, event, rest in events:
        if event.endswith("sys_enter_futex"):
            args = dict(ARG.findall(rest))
            is_wake = int(args["op"], 16) & 0x7F == FUTEX_WAKE
            waking[pid] = int(args["uaddr"], 16) if is_wake else None
        elif event.endswith("sys_exit_futex"):
            waking.pop(pid, None)
        elif event.endswith("sched_switch"):
            cpus.switch(cpu, rest)
        elif event.endswith("sched_waking"):
            w = WAKEUP.search(rest)
            wakee = int(w.group(1)) if w else None
            if wakee not in cpus.last_cpu:
                continue
            addr = waking.get(pid)
            if addr is not None and addr not in word_kind:
                continue  # a futex wake on another word: not the GIL's
            kind = word_kind.get(addr, "timer")
            prev = cpus.last_cpu[wakee]
            if kind != "timer" and cpu == prev:
                state = "waker"
            else:
                state = "idle" if cpus.idle(prev) else "busy"
            pending[wakee] = (kind, cpu, state)
        elif event.endswith("sched_wakeup"):
            w = WAKEUP.search(rest)
            if not w or int(w.group(1)) not in pending:
                continue
            wakee, target = int(w.group(1)), int(w.group(2))
            kind, waker_cpu, state = pending.pop(wakee)
            if target == cpus.last_cpu[wakee]:
                where = "stayed"
            elif kind != "timer" and target == waker_cpu:
                where = "to_waker"
            else:
                where = "elsewhere"
            counts[wakee][(kind, state)][where] += 1
    return counts


def wake_kind_table(counts, groups):
    """Sums wake_kinds' counts over each group of threads: {group: {"kind/idle": {where: n}}}
    (JSON-ready), rows with no wake-up left out."""
    table = {}
    for name, members in groups:
        rows = {}
        for kind in WAKER_KINDS:
            for state in CPU_STATES:
                row = dict((w, sum(counts[t][(kind, state)][w] for t in members if t in counts))
                           for w in WAKE_WHERE)
                if sum(row.values()):
                    rows["%s/%s" % (kind, state)] = row
        table[name] = rows
    return table


def report_wake_kinds(table, names):
    """The table's lines, one block per group (names: group -> its heading)."""
    out = ["wake-ups by what woke them (the waker's futex word, or a timer), by the state of the "
           "CPU the thread last ran on:",
           "  %-46s %7s %9s %10s" % ("", "stayed", "to waker", "elsewhere")]
    for group, rows in table.items():
        if not rows:
            continue
        out.append("  " + names[group] + ":")
        for key, row in rows.items():
            kind, state = key.split("/")
            label = "%s, its CPU %s" % (
                {"cond": "the condition's signal", "mutex": "the mutex",
                 "switch_cond": "switch_cond", "timer": "a timer"}[kind],
                {"idle": "idle", "busy": "busy", "waker": "the waker's"}[state])
            out.append("    %-44s %7d %9d %10d" % (label, row["stayed"], row["to_waker"],
                                                  row["elsewhere"]))
    return out
