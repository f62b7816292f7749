"""Reading a kernel trace of a real GIL run (`perf script` text, standard library only): its
events, each thread's futex calls, the GIL's futex words, and the CPUs' idle periods.
scripts/gil_trace.py, scripts/trace_placement.py, scripts/trace_lockcode.py and
scripts/gil_waits.py build on it.

Layout assumed: x86-64 glibc 2.25 or later (a pthread_cond_t's two group words, __g_signals,
at offsets 40 and 44; the mutex, 40 bytes, right after the 48-byte condition) and CPython's
_gil_runtime_state (cond, mutex, switch_cond, switch_mutex in that order)."""
from __future__ import print_function

import collections
import re

ETIMEDOUT = -110
FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET = 0, 1, 9
WOKE_FROM_IDLE_S = 100e-6

SWITCH = re.compile(r"prev_pid=(\d+) .*==> .*next_pid=(\d+)")
WAKEUP = re.compile(r" pid=(\d+) .*target_cpu=(\d+)")
PREV_STATE = re.compile(r"prev_state=(\S+)")
LINE = re.compile(r"^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$")
ARG = re.compile(r"(\w+): (0x[0-9a-f]+)")


class Call(object):
    """One futex system call: who, where, what, on which word, and how it returned."""

    __slots__ = ("pid", "cpu", "start", "end", "op", "addr", "ret")

    def __init__(self, pid, cpu, start, op, addr):
        self.pid, self.cpu, self.start, self.op, self.addr = pid, cpu, start, op, addr
        self.end = None
        self.ret = None


def parse(lines):
    """The trace's events as (pid, cpu, time, event, rest), skipping lines that are not events."""
    events = []
    for line in lines:
        m = LINE.match(line)
        if m:
            _comm, pid, cpu, t, event, rest = m.groups()
            events.append((int(pid), int(cpu), float(t), event, rest))
    return events


def futex_calls(events):
    """Pairs each thread's sys_enter_futex with its sys_exit_futex, in order of return."""
    open_calls, calls = {}, []
    for pid, cpu, t, event, rest in events:
        if event.endswith("sys_enter_futex"):
            args = dict(ARG.findall(rest))
            open_calls[pid] = Call(pid, cpu, t, int(args["op"], 16) & 0x7F, int(args["uaddr"], 16))
        elif event.endswith("sys_exit_futex") and pid in open_calls:
            call = open_calls.pop(pid)
            ret = int(rest.split()[0], 16)
            call.ret = ret - (1 << 64) if ret >= 1 << 63 else ret
            call.end, call.cpu = t, cpu
            calls.append(call)
    return calls



def calls_by_pid(calls):
    """Each thread's futex calls in order of their start."""
    by_pid = collections.defaultdict(list)
    for c in calls:
        by_pid[c.pid].append(c)
    for mine in by_pid.values():
        mine.sort(key=lambda c: c.start)
    return by_pid


def percentiles_us(xs):
    """p10, p50 and p90 (nearest rank) of durations in seconds, in microseconds, with the count."""
    xs = sorted(xs)
    if not xs:
        return {"n": 0}
    at = lambda q: round(xs[min(len(xs) - 1, int(q * len(xs)))] * 1e6, 1)
    return {"n": len(xs), "p10": at(0.1), "p50": at(0.5), "p90": at(0.9)}

def gil_words(calls):
    """The GIL's futex words, found as the pair of condition groups most often timed out on."""
    timed_out = collections.Counter(
        c.addr for c in calls if c.op == FUTEX_WAIT_BITSET and c.ret == ETIMEDOUT)
    if not timed_out:
        raise ValueError("no timed-out condition wait in the trace: not a GIL contention run?")
    pairs = collections.Counter()
    for addr, n in timed_out.items():
        base = addr - (addr % 8)  # __g_signals[0] is 8-byte aligned, [1] follows it
        pairs[base] += n
    base = max(sorted(pairs), key=lambda b: pairs[b])
    return {"cond": (base, base + 4), "mutex": base + 8, "switch_cond": (base + 88, base + 92)}


IDLE_BUCKETS = ((30e-6, "under_30us"), (300e-6, "30us_300us"), (2e-3, "300us_2ms"),
                (float("inf"), "over_2ms"))


def idle_periods(events):
    """Per CPU, its idle periods as sorted (start, end) pairs: from a switch to the idle task to
    the idle task's switch out. A trace can lack a CPU's switches out of idle (perf sometimes
    records none for one CPU); a period then has no end and is not counted."""
    periods = collections.defaultdict(list)
    idle_since = {}
    for _pid, cpu, t, event, rest in events:
        if not event.endswith("sched_switch"):
            continue
        s = SWITCH.search(rest)
        if not s:
            continue
        prev, nxt = int(s.group(1)), int(s.group(2))
        if nxt == 0:
            idle_since[cpu] = t
        elif prev == 0 and cpu in idle_since:
            periods[cpu].append((idle_since.pop(cpu), t))
        else:
            idle_since.pop(cpu, None)
    return periods


def idle_before(periods, cpu, t):
    """The length of CPU `cpu`'s last idle period begun before t, the one a timer firing at t
    ended or followed (None: none). A futex call's return can be stamped a few microseconds
    before the switch that put its thread on the CPU, so the period may end after t."""
    best = None
    for start, end in periods.get(cpu, ()):
        if start >= t:
            break
        best = (start, end)
    # The requester's timer ended that period if it ended just before t; one that ended earlier
    # means the timer fired on a busy CPU.
    if best is None or best[1] < t - WOKE_FROM_IDLE_S:
        return None
    return best[1] - best[0]
