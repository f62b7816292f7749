"""gilsim's calibration probes of threads, locks and the GIL: wake-up latency through a lock,
what a lock release costs, thread start cost, GIL hand-offs between CPU-bound threads (their
gaps, the holders' runs, the order of hand-offs), the convoy's straight-back hand-off, and on
the tick GIL (2.x) the slowdown of N threads by check interval.
Standard library only; CPython 2.7 and 3.6+ (calibrate.py runs them)."""
from __future__ import division, print_function

import sys
import threading
import time

import common
from common import now


def wake_latencies(samples):
    """A thread blocked on a lock, released by another that then sleeps: release -> running."""
    lock = threading.Lock()
    lock.acquire()
    sent = [0.0]
    out = []
    got = threading.Event()

    def waiter():
        for _ in common.RANGE(samples):
            lock.acquire()
            out.append(now() - sent[0])
            got.set()

    t = threading.Thread(target=waiter)
    t.daemon = True  # never keeps the process alive if the measurement fails
    t.start()
    for _ in common.RANGE(samples):
        time.sleep(0.002)  # the waiter is asleep on the lock by now
        sent[0] = now()
        lock.release()
        got.wait()  # it has taken the lock: the next release finds it locked (a stalled
        got.clear()  # machine used to make this release an error, and the waiter hang)
    t.join()
    return out


def release_costs(samples):
    """What releasing a lock costs the releaser when a thread sleeps on it (sem_post waking it:
    a system call), less what it costs with nobody waiting. The 2.x GIL is such a lock."""
    def timed_release(lock):
        t0 = now()
        lock.release()
        return now() - t0

    idle = []
    lock = threading.Lock()
    for _ in common.RANGE(samples):
        lock.acquire()
        idle.append(timed_release(lock))
    lock = threading.Lock()
    lock.acquire()
    busy = []
    got = threading.Event()
    stop = [False]

    def sleeper():
        while True:
            lock.acquire()
            got.set()
            if stop[0]:
                return

    t = threading.Thread(target=sleeper)
    t.start()
    for i in common.RANGE(samples):
        time.sleep(0.002)  # the sleeper is blocked on the lock by now
        if i == samples - 1:
            stop[0] = True
        busy.append(timed_release(lock))
        got.wait()
        got.clear()
    t.join()
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    return {"with_sleeper": median(busy), "alone": median(idle),
            "wake_cost": max(0.0, median(busy) - median(idle))}


def thread_start_costs(samples):
    out = []
    started = [0.0]

    def body():
        started[0] = now()

    for _ in common.RANGE(samples):
        t = threading.Thread(target=body)
        t0 = now()
        t.start()
        t.join()
        out.append(started[0] - t0)
    return out


def handoffs(nthreads, seconds, interval):
    """CPU-bound threads each recording when it holds the GIL: a gap of more than 50 us in a
    thread's own clock is a lost GIL. Returns holder run lengths, hand-off gaps and the
    fraction of hand-offs that went back to the holder before the current one (overall, after
    one that also went back, after one that did not, and split by whether the new holder runs
    on the old holder's CPU)."""
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(interval)
    stop = [False]
    go = threading.Event()
    segments = [[] for _ in common.RANGE(nthreads)]

    getcpu = common.cpu_probe() or (lambda: -1)

    def body(mine):
        go.wait()
        common.record_holds(mine, stop, getcpu)

    threads = [threading.Thread(target=body, args=(segments[i],)) for i in common.RANGE(nthreads)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    go.set()
    time.sleep(seconds)
    stop[0] = True
    for t in threads:
        t.join()
    merged = sorted((s, e, i, c) for i in common.RANGE(nthreads) for s, e, c in segments[i])
    runs, gaps, holders, cpus = [], [], [], []
    cur_s, cur_e, cur_i, cur_c = merged[0]
    for s, e, i, c in merged[1:]:
        if i == cur_i:
            cur_e = e
            continue
        runs.append(cur_e - cur_s)
        gaps.append(s - cur_e)
        holders.append(cur_i)
        cpus.append(cur_c)
        cur_s, cur_e, cur_i, cur_c = s, e, i, c
    holders.append(cur_i)
    cpus.append(cur_c)
    runs = runs[1:]  # the first run started with the gate
    known = all(c >= 0 for c in cpus)
    return runs, [g for g in gaps if g >= 0], handoff_order(holders, cpus if known else None)


def straight_back(spans, holds, horizon):
    """For each of a sleeper's GIL holds (start, end), whether the GIL went straight back to the
    thread it took it from: the spinner whose holding span began last before the hold is the one
    whose next span begins first after it (within `horizon`). `spans`: per spinner, its holding
    spans (start, end). Returns the fraction over the holds that could be told (None if none)."""
    starts = sorted((s, i) for i, mine in enumerate(spans) for s, _ in mine)
    told = back = 0
    k = 0
    for a, b in holds:
        while k < len(starts) and starts[k][0] < a:
            k += 1
        if k == 0:
            continue
        before = starts[k - 1][1]
        j = k
        while j < len(starts) and starts[j][0] < b:
            j += 1
        if j == len(starts) or starts[j][0] - b > horizon:
            continue
        told += 1
        back += starts[j][1] == before
    return float(back) / told if told else None


def sleeper_holds(seconds, interval, sleep_s=0.001, hold_s=50e-6, spinners=2):
    """The convoy's I/O thread in small: `spinners` CPU-bound threads and one that sleeps
    `sleep_s`, then runs `hold_s` of Python, over and over, at switch interval `interval`. The
    fraction of its holds after which the GIL went straight back to the thread it took it from
    (on Linux that thread, woken by the hand-off, is queued behind the sleeper on the sleeper's
    CPU and runs the moment it sleeps again), and the share of its wake-ups on the CPU it
    slept on."""
    if common.thread_cpu() is None or not hasattr(sys, "setswitchinterval"):
        return None
    sys.setswitchinterval(interval)
    stop = [False]
    go = threading.Event()
    spans = [[] for _ in common.RANGE(spinners)]
    holds, same_cpu = [], []
    getcpu = common.cpu_probe()

    def spin(mine):
        go.wait()
        start = last = now()
        while not stop[0]:
            t = now()
            if t - last > 50e-6:
                mine.append((start, last))
                start = t
            last = t
        mine.append((start, last))

    def sleeper():
        go.wait()
        end = now() + seconds
        while now() < end:
            before = getcpu() if getcpu else -1
            time.sleep(sleep_s)
            a = now()
            after = getcpu() if getcpu else -1
            c0 = common.thread_cpu()
            while common.thread_cpu() - c0 < hold_s:
                pass
            holds.append((a, now()))
            if before >= 0 and after >= 0:
                same_cpu.append(before == after)
        stop[0] = True

    threads = [threading.Thread(target=spin, args=(spans[i],)) for i in common.RANGE(spinners)]
    threads.append(threading.Thread(target=sleeper))
    for t in threads:
        t.start()
    time.sleep(0.05)
    go.set()
    for t in threads:
        t.join()
    return {"interval_s": interval, "sleep_s": sleep_s, "hold_s": hold_s, "spinners": spinners,
            "holds": len(holds), "straight_back": straight_back(spans, holds, 2 * interval),
            "woke_on_same_cpu": float(sum(same_cpu)) / len(same_cpu) if same_cpu else None}


def handoff_order(holders, cpus=None):
    """From the sequence of GIL holders (one entry per change): the fractions of hand-offs back
    to the holder before the current one, overall, after a hand-off that also went back and
    after one that did not (None where there is none to count). With `cpus` (the CPU each
    holding began on), also the share of hand-offs to a thread on the old holder's CPU and
    the fraction back among those and among the others."""
    back = [holders[k] == holders[k - 2] for k in common.RANGE(2, len(holders))]
    after_back = [back[k] for k in common.RANGE(1, len(back)) if back[k - 1]]
    after_other = [back[k] for k in common.RANGE(1, len(back)) if not back[k - 1]]

    def share(xs):
        return float(sum(xs)) / len(xs) if xs else None
    order = {"back_to_previous": share(back), "back_after_back": share(after_back),
             "back_after_other": share(after_other)}
    if cpus is not None:
        same = [cpus[k] == cpus[k - 1] for k in common.RANGE(2, len(holders))]
        order["same_cpu"] = share(same)
        order["back_same_cpu"] = share([b for b, m in zip(back, same) if m])
        order["back_other_cpu"] = share([b for b, m in zip(back, same) if not m])
    return order


def mean_orders(orders):
    """The hand-off orders of several runs, key by key, as the mean over the runs that measured
    it (None where none did). On some hosts the order depends on where the scheduler put the
    threads at the start of a run (two runs in a row gave 0.50 and 0.82 back at 5 ms): several
    short runs average over those placements, one long run does not."""
    keys = []
    for o in orders:
        keys.extend(k for k in o if k not in keys)
    out = {}
    for k in keys:
        xs = [o[k] for o in orders if o.get(k) is not None]
        out[k] = sum(xs) / len(xs) if xs else None
    return out


def tick_contention(work_s, reps, threads=(2, 4, 8), intervals=(200, 500, 1000)):
    """Interpreters with the tick GIL (sys.setcheckinterval, no sys.setswitchinterval): N
    threads sharing work_s of the loop at several check intervals, each run against the same
    work done by one thread just before it (the CPU's speed drifts on shared machines, so only
    side-by-side ratios are kept). The default check interval, 100, is left out: the
    validation suite checks it."""
    n_iter = int(common.measure_spin_rate() * work_s)

    def elapsed(n):
        threads_ = [threading.Thread(target=common.spin, args=(n_iter // n,))
                    for _ in common.RANGE(n)]
        t0 = now()
        for t in threads_:
            t.start()
        for t in threads_:
            t.join()
        return now() - t0

    ratios = {}
    try:
        for _ in common.RANGE(reps):
            for n in threads:
                for interval in intervals:
                    sys.setcheckinterval(100)
                    solo = elapsed(1)
                    sys.setcheckinterval(interval)
                    ratios.setdefault((n, interval), []).append(elapsed(n) / solo)
    finally:
        sys.setcheckinterval(100)
    points = []
    for n in threads:
        for interval in intervals:
            v = sorted(ratios[(n, interval)])
            points.append({"threads": n, "check_interval": interval,
                           "slowdown": v[len(v) // 2], "values": v})
    return {"work_s": work_s, "reps": reps, "points": points}
