"""Shared pieces of gilsim's real-run harness: clocks, the work kernels that replay each kind of
step, and their calibration. Standard library only; runs on CPython 2.7 and 3.6 and later,
GIL and free-threaded builds alike."""
from __future__ import division, print_function

import functools
import hashlib
import itertools
import operator
import os
import resource
import sys
import threading
import time
import zlib

PY2 = sys.version_info[0] == 2
if PY2:
    RANGE = xrange  # noqa: F821 (Python 2 only)
else:
    RANGE = range

# A monotonic clock where there is one (3.3+); 2.7 has only the wall clock (microseconds).
now = getattr(time, "perf_counter", time.time)

if hasattr(time, "clock_gettime") and hasattr(time, "CLOCK_THREAD_CPUTIME_ID"):
    def thread_cpu():
        """CPU seconds used by the calling thread (clock_gettime holds the GIL)."""
        return time.clock_gettime(time.CLOCK_THREAD_CPUTIME_ID)
    # The same clock as a C callable, for timed_c_call.
    _THREAD_CLOCK = functools.partial(time.clock_gettime, time.CLOCK_THREAD_CPUTIME_ID)
else:
    def thread_cpu():
        return None
    _THREAD_CLOCK = None


def process_cpu():
    """User plus system CPU seconds of this process, all threads."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        import multiprocessing
        return multiprocessing.cpu_count()


def interpreter():
    """What this interpreter is: version string ("3.11", "3.13t") and details."""
    v = sys.version_info
    free = False
    try:
        import sysconfig
        free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    except Exception:
        pass
    gil_enabled = True
    if hasattr(sys, "_is_gil_enabled"):
        gil_enabled = sys._is_gil_enabled()
    return {
        "version": "%d.%d%s" % (v[0], v[1], "t" if free else ""),
        "full_version": sys.version.split()[0],
        "implementation": getattr(sys, "implementation", None) and sys.implementation.name or "cpython",
        "executable": sys.executable,
        "free_threaded": free,
        "gil_enabled": gil_enabled,
    }


# --- the kernels -------------------------------------------------------------------------------

def cpu_probe():
    """The calling thread's CPU, through a C call that keeps the GIL (ctypes.PyDLL), so that
    asking does not hand the GIL over; None where unavailable."""
    try:
        import ctypes
        f = ctypes.PyDLL(None).sched_getcpu
        f.restype = ctypes.c_int
        f.argtypes = []
        return f
    except (ImportError, AttributeError, OSError):
        return None


def record_holds(mine, stop, getcpu):
    """A CPU-bound loop until stop[0] that appends to `mine` each span (start, end, cpu) in
    which it ran without a gap of more than 50 us (a longer gap is a lost GIL); `cpu` is
    getcpu() at the span's start."""
    start = last = now()
    cpu = getcpu()
    while not stop[0]:
        t = now()
        if t - last > 50e-6:
            mine.append((start, last, cpu))
            start = t
            cpu = getcpu()
        last = t
    mine.append((start, last, cpu))


def spin(n):
    """Pure-Python bytecode: the loop that replays a `cpu` step (a backward jump per iteration,
    so it reaches an eval-breaker check point every iteration on every version)."""
    while n:
        n -= 1


def c_call(n):
    """C code that holds the GIL throughout: sum over a range runs in one C call."""
    return sum(RANGE(n))


def timed_c_call(seconds):
    """C code that holds the GIL for `seconds` of the calling thread's CPU time: one call of
    builtins (any over a map over a callable iterator that reads the thread's CPU clock until it
    passes the deadline) with no bytecode in between, so no check point where the GIL could be
    dropped. Unlike c_call(n) its length does not depend on a rate measured beforehand (a long
    call's rate moves with the host by 10-15% from one run to the next). False where there is
    no thread CPU clock (2.7): use c_call."""
    if _THREAD_CLOCK is None:
        return False
    deadline = _THREAD_CLOCK() + seconds
    any(map(operator.lt, itertools.repeat(deadline), iter(_THREAD_CLOCK, None)))
    return True


def _random_block(size):
    # Incompressible and cheap to make: a hash chain.
    out = bytearray()
    seed = b"gilsim"
    while len(out) < size:
        seed = hashlib.sha256(seed).digest()
        out.extend(seed * 64)
    return bytes(out[:size])


class Native(object):
    """C code that releases the GIL: OpenSSL hashlib updates (>= 2 KiB release it), or zlib where
    this build's hashlib keeps the GIL (2.7 builds without OpenSSL).

    A `native` step is one call, as in the model (the GIL is released once and taken back once):
    `reserve` tiles the block so that the longest step of a plan fits in it. Only a step beyond
    MAX_CALL bytes is split, and then takes the GIL back between its calls."""

    CHUNK = 8 << 20
    MAX_CALL = 512 << 20

    def __init__(self, kind=None):
        self.base = _random_block(self.CHUNK)
        self.block = self.base
        self.kind = kind or ("sha256" if hashlib_releases_gil(self.block) else "zlib")

    def reserve(self, nbytes):
        """Makes calls of up to nbytes (at most MAX_CALL) a single call."""
        nbytes = min(int(nbytes), self.MAX_CALL)
        if nbytes > len(self.block):
            copies = (nbytes + self.CHUNK - 1) // self.CHUNK
            self.block = self.base * copies

    def run(self, nbytes):
        """Processes about nbytes, in as few calls as possible (each call releases the GIL)."""
        block = self.block
        while nbytes > 0:
            n = min(nbytes, len(block))
            if self.kind == "sha256":
                h = hashlib.sha256()
                h.update(memoryview(block)[:n] if n < len(block) else block)
            else:
                zlib.compress(buffer(block, 0, n) if PY2 else memoryview(block)[:n], 1)  # noqa: F821
            nbytes -= n


def hashlib_releases_gil(block):
    """True if a large hashlib update lets another thread run Python meanwhile."""
    done = []

    def hasher():
        h = hashlib.sha256()
        for _ in RANGE(6):
            h.update(block)
        done.append(True)

    count = 0
    t = threading.Thread(target=hasher)
    t.start()
    while not done:
        count += 1
    t.join()
    # A thread that got the GIL back only at the end counts a few thousand; one running in
    # parallel counts millions.
    return count > 200000


# --- calibration ---------------------------------------------------------------------------------

def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def warm_up(seconds=0.3):
    """Keeps a CPU busy for a while first: an idle CPU runs slowly for the first tens of
    milliseconds (frequency and power states ramping up), which would skew a calibration."""
    end = now() + seconds
    while now() < end:
        spin(10000)


def _steady_rate(work, probe, seconds, reps):
    """Units per second of work(n): sized by a probe of `probe` units to last about `seconds`,
    then the median of `reps` timed runs."""
    t0 = now()
    work(probe)
    dt = now() - t0
    n = max(1000, int(probe * seconds / max(dt, 1e-6)))
    rates = []
    for _ in RANGE(reps):
        t0 = now()
        work(n)
        rates.append(n / (now() - t0))
    return _median(rates)


def measure_spin_rate(seconds=0.02, reps=7, warm=True):
    """Loop iterations per second, steady state."""
    if warm:
        warm_up()
    return _steady_rate(spin, 100000, seconds, reps)


def measure_burst_rate(steady, burst_s=50e-6, reps=200):
    """Loop iterations per second in a short burst right after a blocking call (cold caches)."""
    n = max(10, int(steady * burst_s))
    rates = []
    for _ in RANGE(reps):
        time.sleep(0.001)
        t0 = now()
        spin(n)
        rates.append(n / (now() - t0))
    return _median(rates)


def measure_c_call_rate(seconds=0.02, reps=5):
    """Elements per second of the GIL-holding C call."""
    return _steady_rate(c_call, 200000, seconds, reps)


def measure_native_rate(native, reps=5):
    """Bytes per second of the GIL-releasing kernel."""
    n = native.CHUNK
    rates = []
    for _ in RANGE(reps):
        t0 = now()
        native.run(n)
        rates.append(n / (now() - t0))
    return _median(rates)


def calibrate_kernels(native):
    steady = measure_spin_rate()
    return {
        "spin_per_s": steady,
        "spin_burst_per_s": measure_burst_rate(steady),
        "c_call_per_s": measure_c_call_rate(),
        "native_bytes_per_s": measure_native_rate(native),
        "native_kernel": native.kind,
    }
