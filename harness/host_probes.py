"""gilsim's calibration probes of the machine and the OS, with no GIL involved: wake-up latency
onto a CPU that has idled, the cost of a context switch and of a futex wake-up that finds nobody,
sleep overshoot and late timers, hyperthread siblings, the effective parallelism of the logical
CPUs, and how the OS shares a CPU between a thread that sleeps and processes that spin.
Standard library only; CPython 2.7 and 3.6+ (calibrate.py runs them)."""
from __future__ import division, print_function

import os
import signal
import sys
import time

import common
from common import now


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
