"""The GIL's lock code in a kernel trace's forced switches (standard library only): what
scripts/gil_trace.py reports about the requester's state at the signal and about what a
futex_wake costs the thread that makes it.

- The requester's state when the dropper signalled, read from its next futex wait on the GIL's
  condition after its timeout: none started yet (awake, on its way), started but returned at
  once (the kernel's check of the futex word saw the signal: EAGAIN), asleep and woken by the
  signal, or asleep and slept on (the signal woke another waiter). Glibc's waiter takes a
  signal it sees before it sleeps, so the first two win unless another thread gets there
  first; the kernel's check comes a few microseconds after the call starts, which is how long
  a waiter stays awake after its unlock (`condvar: glibc`'s `sleep_entry`).
- A futex_wake that wakes a thread, on any of the GIL's words, by where the woken thread went:
  onto the caller's CPU, onto another CPU (the wake-up recorded in the caller's context), or
  queued to another CPU that records the wake-up itself when an inter-processor interrupt
  reaches it (an idle virtual CPU that had to be kicked): `wake_syscall`.
"""
from __future__ import print_function

import collections

from kernel_trace import FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, WAKEUP, percentiles_us

EAGAIN = -11
STATES = ("awake", "returned_at_once", "asleep_woken", "asleep_slept_on")
STATE_NAMES = {"awake": "awake (no wait started)",
               "returned_at_once": "its wait returned at once (EAGAIN)",
               "asleep_woken": "asleep, woken by the signal",
               "asleep_slept_on": "asleep, the signal woke another"}
WAKE_PLACES = ("callers_cpu", "another_cpu", "queued_to_another_cpu")
WAKE_PLACE_NAMES = {"callers_cpu": "onto the caller's CPU", "another_cpu": "onto another CPU",
                    "queued_to_another_cpu": "queued to another CPU (an interrupt)"}


def requester_states(by_pid, words, races):
    """Per race posted from another CPU (`races`: (requester pid, its timeout's return, the
    signal's start, dropper pid, won)), the requester's state at the signal, split by whether
    the dropper had blocked on the GIL's mutex: {blocked|not_blocked: {state: {won, lost}}}.
    `by_pid`: each thread's futex calls in order of their start (calls_by_pid)."""
    waits = (FUTEX_WAIT, FUTEX_WAIT_BITSET)
    out = dict((b, dict((s, {"won": 0, "lost": 0}) for s in STATES))
               for b in ("blocked", "not_blocked"))
    for req, t0, signalled, dropper, won in races:
        wait = next((c for c in by_pid[req] if c.start > t0 and c.addr in words["cond"]
                     and c.op in waits), None)
        if wait is None or wait.start > signalled:
            state = "awake"
        elif wait.ret == EAGAIN:
            state = "returned_at_once"
        elif wait.ret == 0 and wait.end >= signalled:
            state = "asleep_woken"
        else:
            state = "asleep_slept_on"
        blocked = any(t0 - 1e-4 <= c.start <= signalled and c.addr == words["mutex"]
                      and c.op in waits for c in by_pid[dropper])
        out["blocked" if blocked else "not_blocked"][state]["won" if won else "lost"] += 1
    return out


def wake_costs(events, all_calls, words):
    """The duration (microseconds) of each futex_wake on the GIL's words that woke a thread, by
    where the woken thread went: {word: {place: percentiles}}."""
    gil_words = {"cond": set(words["cond"]), "mutex": {words["mutex"]},
                 "switch_cond": set(words["switch_cond"])}
    wakeups = collections.defaultdict(list)  # waker pid -> (time, target CPU), in its context
    for pid, _cpu, t, event, rest in events:
        if event.endswith("sched_wakeup"):
            m = WAKEUP.search(rest)
            if m:
                wakeups[pid].append((t, int(m.group(2))))
    costs = dict((w, dict((p, []) for p in WAKE_PLACES)) for w in gil_words)
    for c in all_calls:
        if c.op != FUTEX_WAKE or c.ret is None or c.ret < 1:
            continue
        word = next((w for w, addrs in gil_words.items() if c.addr in addrs), None)
        if word is None:
            continue
        mine = [cpu for t, cpu in wakeups[c.pid] if c.start <= t <= c.end]
        if not mine:
            place = "queued_to_another_cpu"
        else:
            place = "callers_cpu" if mine[0] == c.cpu else "another_cpu"
        costs[word][place].append(c.end - c.start)
    return dict((w, dict((p, percentiles_us(v)) for p, v in places.items()))
                for w, places in costs.items())


def report_lock_code(states, costs):
    """Report lines for requester_states and wake_costs."""
    out = ["the requester's state at the signal (races posted from another CPU), won/lost:"]
    for blocked, name in (("not_blocked", "dropper not blocked"),
                          ("blocked", "dropper blocked on the mutex")):
        out.append("  %s: %s" % (name, "; ".join(
            "%s %d/%d" % (STATE_NAMES[s], states[blocked][s]["won"], states[blocked][s]["lost"])
            for s in STATES)))
    if any(r["n"] for places in costs.values() for r in places.values()):
        out.append("futex_wake calls that woke a thread, microseconds, by where it went:")
        for word in ("cond", "mutex", "switch_cond"):
            out.append("  %-11s %s" % (word, "; ".join(
                "%s p10 %g p50 %g p90 %g (%d)" % (WAKE_PLACE_NAMES[p], r["p10"], r["p50"],
                                                  r["p90"], r["n"])
                for p, r in ((p, costs[word][p]) for p in WAKE_PLACES) if r["n"])))
    return out
