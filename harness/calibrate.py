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
import os
import signal
import sys
import threading
import time

import common
from common import now


def quantiles(xs, qs=(0.1, 0.5, 0.9, 0.99)):
    xs = sorted(xs)
    n = len(xs)
    return dict(("p%d" % int(q * 100), xs[min(n - 1, int(q * n))]) for q in qs)


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


def probe_cpus():
    """Two CPUs this process may run on, for the idle wake-up probe; None when it cannot pin
    (a single CPU, or no os.sched_setaffinity, as on 2.7)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    mask = sorted(os.sched_getaffinity(0))
    return mask[:2] if len(mask) >= 2 else None


def idle_wake_latencies(idle_s, samples):
    """A process blocked on a pipe, woken by another `idle_s` after it blocked: write -> running.
    Two processes, so that no GIL is involved; the sleeper's CPU has been idle about `idle_s`
    (a virtual CPU idle for long is slower to wake: halt polling, C-states). Where it can, it
    pins the two to different CPUs: left to itself the kernel may put the sleeper on the
    waker's CPU, and that wake-up (a preemption, a microsecond or two) crosses no idle CPU."""
    import mmap
    import struct
    shm = mmap.mmap(-1, 16)
    to_child_r, to_child_w = os.pipe()
    back_r, back_w = os.pipe()
    cpus = probe_cpus()
    pinned = cpus is not None
    mask = os.sched_getaffinity(0) if pinned else None
    pid = os.fork()
    if pid == 0:
        try:
            if pinned:
                os.sched_setaffinity(0, {cpus[1]})
            out = []
            for _ in common.RANGE(samples):
                shm.seek(0)
                shm.write(struct.pack("d", now()))  # about to block
                sent = struct.unpack("d", os.read(to_child_r, 8))[0]
                out.append(now() - sent)
            os.write(back_w, struct.pack("%dd" % samples, *out))
        finally:
            os._exit(0)
    if pinned:
        os.sched_setaffinity(0, {cpus[0]})
    try:
        for _ in common.RANGE(samples):
            while True:
                shm.seek(0)
                blocked_at = struct.unpack("d", shm.read(8))[0]
                if blocked_at:
                    break
            shm.seek(0)
            shm.write(struct.pack("d", 0.0))
            while now() - blocked_at < idle_s:
                pass
            os.write(to_child_w, struct.pack("d", now()))
        data = b""
        while len(data) < 8 * samples:
            data += os.read(back_r, 8 * samples - len(data))
    finally:
        if pinned:
            os.sched_setaffinity(0, mask)
        os.waitpid(pid, 0)
        for fd in (to_child_r, to_child_w, back_r, back_w):
            os.close(fd)
    return list(struct.unpack("%dd" % samples, data))


def context_switch_cost(rounds=20000, reps=3):
    """Two processes pinned to one CPU play ping-pong over pipes: a round trip is two context
    switches plus two writes and two reads; the same writes and reads in one process are
    subtracted. None where the interpreter cannot pin a process (no os.sched_setaffinity)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))

    def per_round(w, r):  # write a byte to w, read one from r; seconds per round
        t0 = now()
        for _ in common.RANGE(rounds):
            os.write(w, b"x")
            os.read(r, 1)
        return (now() - t0) / rounds

    def pingpong():
        a_r, a_w = os.pipe()
        b_r, b_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.sched_setaffinity(0, {cpu})
                for _ in common.RANGE(rounds):
                    os.read(a_r, 1)
                    os.write(b_w, b"x")
            finally:
                os._exit(0)
        mask = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {cpu})
        try:
            return per_round(a_w, b_r)
        finally:
            os.sched_setaffinity(0, mask)
            os.waitpid(pid, 0)
            for fd in (a_r, a_w, b_r, b_w):
                os.close(fd)

    def alone():
        r, w = os.pipe()
        try:
            return per_round(w, r)
        finally:
            os.close(r)
            os.close(w)

    trip = min(pingpong() for _ in common.RANGE(reps))
    calls = min(alone() for _ in common.RANGE(reps))
    return max(0.0, (trip - 2 * calls) / 2)


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


def empty_wake_cost(calls=5000, reps=21):
    """A lock release that wakes nobody still enters the kernel when a waiter is registered
    (glibc's sem_post calls futex_wake): the cost of futex(FUTEX_WAKE) on a word nobody waits
    on, less a trivial C call made the same way (ctypes). None where it cannot be measured."""
    try:
        import ctypes
        import platform
        nr = {"x86_64": 202, "aarch64": 98}.get(platform.machine())
        if nr is None or not sys.platform.startswith("linux"):
            return None
        libc = ctypes.CDLL(None)
        word = ctypes.c_int(0)
        args = (ctypes.c_long(nr), ctypes.c_void_p(ctypes.addressof(word)),
                ctypes.c_long(1 | 128), ctypes.c_long(1), ctypes.c_long(0), ctypes.c_long(0),
                ctypes.c_long(0))
        futex, trivial = libc.syscall, libc.labs
        if futex(*args) != 0:  # FUTEX_WAKE_PRIVATE returns the number woken: 0
            return None
    except Exception:  # noqa: BLE001 (no ctypes, no libc: not measurable here)
        return None

    def per_call(f):
        t0 = now()
        for _ in common.RANGE(calls):
            f(*args)
        return (now() - t0) / calls

    # Interleaved, so that a change of the machine's speed hits both alike; the median difference.
    diffs = sorted(per_call(futex) - per_call(trivial) for _ in common.RANGE(reps))
    return max(0.0, diffs[len(diffs) // 2])


def sleep_overshoots(durations, samples):
    out = {}
    for d in durations:
        xs = []
        for _ in common.RANGE(samples):
            t0 = now()
            time.sleep(d)
            xs.append(now() - t0 - d)
        out[repr(d)] = sorted(xs)[len(xs) // 2]
    return out


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


def smt_siblings():
    """Whether the OS reports hyperthread siblings (a CPU sharing its core): True, False, or
    None where /sys does not say."""
    found = None
    for cpu in common.RANGE(common.cpu_count()):
        path = "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list" % cpu
        try:
            with open(path) as f:
                text = f.read().strip()
        except (IOError, OSError):
            continue
        shared = "," in text or "-" in text
        found = bool(found) or shared
    return found


def parallelism(max_procs, work_s, rounds):
    """Throughput of N processes each spinning `work_s` of CPU, against one: the best of
    `rounds` rounds for each N (other load only ever lowers it)."""
    n_iter = int(common.measure_spin_rate() * work_s)
    out = {}
    for n in list(common.RANGE(1, max_procs + 1)) * rounds:
        t0 = now()
        pids = []
        for _ in common.RANGE(n):
            pid = os.fork()
            if pid == 0:
                try:
                    common.spin(n_iter)
                finally:
                    os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        out[str(n)] = max(out.get(str(n), 0.0), n * work_s / (now() - t0))
    return out


SLEEPER_POINTS = ((0.010, 0.005), (0.002, 0.005), (0.010, 0.001), (0.001, 0.001))


def sleeper_stretch(cycles, compute_s, sleep_s):
    """How much longer than its CPU time a periodic thread's compute phase took: (median cycle
    - sleep) / compute. 1 means it had a CPU to itself whenever it was runnable."""
    if not cycles:
        return None
    xs = sorted(cycles)
    return (xs[len(xs) // 2] - sleep_s) / compute_s


class Spinners(object):
    """`busy` processes that spin until the block ends (killed and reaped even when it raises)."""

    def __init__(self, busy):
        self.busy = busy
        self.pids = []

    def __enter__(self):
        for _ in common.RANGE(self.busy):
            pid = os.fork()
            if pid == 0:
                try:
                    while True:
                        pass
                finally:
                    os._exit(0)
            self.pids.append(pid)
        time.sleep(0.1)  # the spinners are running and spread over the CPUs
        return self

    def __exit__(self, *exc):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
        return False


def sleeper_beside_busy(busy, points, seconds):
    """A thread that computes `compute` of CPU, then sleeps `sleep`, over and over, beside `busy`
    processes that spin (as many as there are logical CPUs): its cycle against its CPU time
    says how the OS shares a CPU between a thread that sleeps and threads that never do (a
    sleeper credit, a share of 1/2 on a CPU it shares with one spinner, or of busy/(busy + 1)
    when the load is spread). No GIL is involved: the spinners are processes."""
    if common.thread_cpu() is None:
        return None
    out = []
    with Spinners(busy):
        for compute_s, sleep_s in points:
            cycles = []
            end = now() + seconds
            while now() < end:
                t0 = now()
                c0 = common.thread_cpu()
                while common.thread_cpu() - c0 < compute_s:
                    common.spin(200)
                time.sleep(sleep_s)
                cycles.append(now() - t0)
            out.append({"compute_s": compute_s, "sleep_s": sleep_s, "cycles": len(cycles),
                        "stretch": sleeper_stretch(cycles, compute_s, sleep_s)})
    return {"busy": busy, "points": out}


LATE_TIMER_QUANTILES = (0.5, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998)


def late_timers(samples, busy, sleep_s=1e-3):
    """The overshoot of `samples` sleeps of `sleep_s` beside `busy` spinning processes (one
    CPU fewer than there are): the sleeper's CPU idles while it sleeps, as an I/O thread's does
    beside a CPU-bound one. Its upper quantiles show timer interrupts that reach an idle CPU
    late (a virtual machine's halted vCPU resumed late by its host), beyond what timer slack
    and the wake-up latency explain."""
    xs = []
    with Spinners(busy):
        for _ in common.RANGE(samples):
            t0 = now()
            time.sleep(sleep_s)
            xs.append(now() - t0 - sleep_s)
    xs.sort()
    n = len(xs)
    return {"sleep_s": sleep_s, "busy": busy, "samples": n,
            "quantiles": dict(("%g" % q, xs[min(n - 1, int(q * n))]) for q in LATE_TIMER_QUANTILES)}


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
    # few thousand hand-offs per interval).
    result["handoff_order"] = []
    if hasattr(sys, "setswitchinterval"):
        for interval, secs in ((0.001, 1.0 if quick else 2.0), (0.005, 1.0 if quick else 3.0),
                               (0.02, 2.0 if quick else 6.0)):
            for n in (3, 4, 8):
                _, _, order = handoffs(n, secs, interval)
                entry = {"threads": n, "interval_s": interval, "seconds": secs}
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
