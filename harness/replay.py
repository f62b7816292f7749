"""gilsim's replayer: executes a gilsim plan for real on this interpreter and prints the result
as JSON, in the shape of `gilsim run --json` (what cannot be measured from outside the
interpreter is null).

    python replay.py PLAN.json

The plan (written by gilsim) gives each thread its start offset and its steps with their exact
durations. Each kind of step runs as real work: `cpu` as a calibrated pure-Python loop, `c_call`
as a C call holding the GIL, `native` as C code releasing it (hashlib, or zlib), `io` and
`sleep` as time.sleep. Standard library only; CPython 2.7 and 3.6+."""
from __future__ import division, print_function

import json
import sys
import threading
import time

import common
from common import now, thread_cpu


def set_parent_death_signal():
    """Dies with gilsim: never outlive the process that started us (Linux prctl)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Recorder(object):
    """One thread's record: per step (kind, start, end, cpu at start, cpu at end, nominal ns)."""

    def __init__(self):
        self.steps = []
        self.finished = False


class Halt(object):
    """The end of a run whose plan names a `stop_after` group: once every thread of that group
    has finished, the other threads stop at their next look (before each step, and between the
    chunks of a `cpu` step), and `at` is that moment."""

    def __init__(self, threads):
        self.left = threads
        self.at = None
        self.lock = threading.Lock()

    def done(self, finish):
        """A thread of the group finished at `finish`; the last one's ends the run."""
        with self.lock:
            self.left -= 1
            if self.left == 0:
                self.at = finish


def halted(halt):
    return halt is not None and halt.at is not None


# CPU time per look at the thread's CPU clock in a long `cpu` step. Each look is a system call
# (clock_gettime of CLOCK_THREAD_CPUTIME_ID) in which Linux updates the thread's runtime and,
# under EEVDF, may find its slice used up and preempt it, holding the GIL, on the way out:
# CPU-bound threads that looked every 200 us starved a convoy's I/O thread about twice as long
# as threads that did not (docs/model-notes.md). Looking every 20 ms stays well apart from the
# scheduler's own checks at each 4 ms tick.
CHUNK_S = 20e-3
MIN_CHUNK_S = 5e-6   # the clock costs about a microsecond to read


class Rates(object):
    """A thread's work rates: start from the calibration, then follow what each step really
    cost in this thread's CPU time, so that a step of d takes d of CPU even if the machine runs
    faster or slower than when it was calibrated (frequency, neighbours, cold caches)."""

    WEIGHT = 0.3  # of the newest measurement

    def __init__(self, cal):
        self.spin = cal["spin_per_s"]
        self.burst = cal["spin_burst_per_s"]
        self.c_call = cal["c_call_per_s"]
        self.native = cal["native_bytes_per_s"]

    def learn(self, name, work, cpu_used):
        if cpu_used is None or cpu_used < 20e-6 or work <= 0:
            return
        old = getattr(self, name)
        setattr(self, name, (1 - self.WEIGHT) * old + self.WEIGHT * (work / cpu_used))


def run_thread(spec, rec, clock0, stop_s, go, kernels, cal, halt=None, ends_run=False):
    """Runs one thread's steps; with `halt`, stops when the run's `stop_after` group has ended
    (`ends_run`: this thread is of that group)."""
    run_steps(spec, rec, clock0, stop_s, go, kernels, cal, halt)
    if ends_run:
        halt.done(rec.steps[-1][2] if rec.steps else now())


def run_steps(spec, rec, clock0, stop_s, go, kernels, cal, halt):
    go.wait()
    t0 = clock0[0]
    wait = t0 + spec["start_s"] - now()
    if wait > 0:
        time.sleep(wait)
    rates = Rates(cal)
    burst_window = cal.get("burst_window_s", 100e-6)
    steps = rec.steps
    kinds = spec["kinds"]
    durations = spec["durations_ns"]
    after_block = False
    for i in common.RANGE(len(kinds)):
        kind = kinds[i]
        ns = durations[i]
        d = ns * 1e-9
        ts = now()
        if (stop_s is not None and ts - t0 >= stop_s) or halted(halt):
            return
        c0 = thread_cpu()
        if kind == "c":
            if c0 is None:
                # No thread CPU clock (2.7): the calibrated number of iterations, in chunks of
                # a millisecond's worth when a halt may cut the step short.
                rate = rates.burst if (after_block and d <= burst_window) else rates.spin
                total = int(d * rate)
                chunk = total if halt is None else max(1, int(1e-3 * rate))
                done = 0
                while done < total:
                    if halted(halt):  # cut short: the step is the work done
                        steps.append((kind, ts, now(), None, None, int(done / rate * 1e9)))
                        return
                    n = min(chunk, total - done)
                    common.spin(n)
                    done += n
                c1 = None
            else:
                # Run until this thread has used d of CPU: a step is d of CPU time whatever the
                # machine's speed is doing (frequency ramps, neighbours, cold caches after a
                # wake-up). Chunks halve what is left (at most CHUNK_S, at least MIN_CHUNK_S),
                # so a misjudged speed overshoots by a small last chunk only.
                c1 = c0
                while c1 - c0 < d:
                    if halted(halt):  # cut short: the step is the CPU time it got
                        steps.append((kind, ts, now(), c0, c1, int((c1 - c0) * 1e9)))
                        return
                    left = d - (c1 - c0)
                    n = int(max(min(left * 0.5, CHUNK_S), min(left, MIN_CHUNK_S)) * rates.spin) + 1
                    common.spin(n)
                    c_prev, c1 = c1, thread_cpu()
                    rates.learn("spin", n, c1 - c_prev)
            after_block = False
        elif kind == "C":
            # Held for d of this thread's CPU time; without a thread CPU clock, the calibrated
            # number of elements.
            if not common.timed_c_call(d):
                common.c_call(int(d * rates.c_call))
            c1 = thread_cpu()
            after_block = False
        elif kind == "n":
            n = int(d * rates.native)
            kernels.run(n)
            c1 = thread_cpu()
            rates.learn("native", n, c1 - c0 if c0 is not None else None)
            after_block = True
        else:  # io, sleep
            time.sleep(d)
            c1 = thread_cpu()
            after_block = True
        steps.append((kind, ts, now(), c0, c1, ns))
    rec.finished = not spec.get("truncated", False)


def percentiles(xs):
    """count, mean, p50, p90, p99, max: nearest rank, as gilsim reports them."""
    if not xs:
        return {"count": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0}
    xs = sorted(xs)
    n = len(xs)

    def q(p):
        rank = max(1, int(-(-p * n // 1)))
        return xs[min(n, rank) - 1]
    return {"count": n, "mean": sum(xs) / n, "p50": q(0.5), "p90": q(0.9), "p99": q(0.99),
            "max": xs[-1]}


def metrics(plan, groups, t0, end, cpu_used, cal, halted_at=None):
    """The result, derived from the step records as gilsim derives its own; `halted_at`: when
    the `stop_after` group ended, if it ended the run."""
    stop = plan.get("stop_s")
    if halted_at is not None:
        stop = halted_at - t0 if stop is None else min(stop, halted_at - t0)
    out_groups = {}
    all_waits = []
    total_serial = 0.0
    last_finish = t0
    all_finished = True
    for g, recs in zip(plan["groups"], groups):
        gs = {"count": len(recs), "finished": 0, "finish_s": 0.0, "cpu_s": 0.0, "native_s": 0.0,
              "sys_s": None, "io_s": 0.0, "gil_wait_s": 0.0, "cpu_wait_s": None, "serial_s": 0.0}
        have_cpu = True
        waits, resumes = [], []
        for rec in recs:
            if rec.finished:
                gs["finished"] += 1
            else:
                all_finished = False
            t_end = rec.steps[-1][2] if rec.steps else t0
            if rec.finished:
                gs["finish_s"] = max(gs["finish_s"], t_end - t0)
                last_finish = max(last_finish, t_end)
            else:  # stopped: as gilsim reports it
                gs["finish_s"] = max(gs["finish_s"], stop if stop is not None else end - t0)
            for kind, ts, te, c0, c1, ns in rec.steps:
                d = ns * 1e-9
                wall = te - ts
                if stop is not None and te - t0 > stop:  # the part before the stop counts
                    frac = max(0.0, (t0 + stop - ts) / wall) if wall > 0 else 0.0
                    gs["serial_s"] += d * min(1.0, frac)
                else:
                    gs["serial_s"] += d
                used = (c1 - c0) if (c0 is not None and c1 is not None) else None
                if used is None:
                    have_cpu = False
                if kind in "cC":
                    gs["cpu_s"] += used or 0.0
                    # Not computing: waiting for the GIL (or a CPU); the loop is calibrated
                    # to take d of CPU time.
                    w = max(0.0, wall - d)
                    waits.append(w)
                    gs["gil_wait_s"] += w
                elif kind == "n":
                    gs["native_s"] += used or 0.0
                    gs["gil_wait_s"] += max(0.0, wall - d)
                else:
                    gs["io_s"] += d
                    late = wall - d  # from the nominal end of the call to holding the GIL
                    resumes.append(late)
                    waits.append(late)
                    gs["gil_wait_s"] += late
        if not have_cpu:
            gs["cpu_s"] = gs["native_s"] = None
        gs["gil_acquire_wait_s"] = percentiles(waits)
        gs["io_resume_latency_s"] = percentiles(resumes)
        all_waits.extend(waits)
        total_serial += gs["serial_s"]
        out_groups[g["name"]] = gs
    # How faithfully each kind of work was replayed: CPU time used / nominal duration (a C call
    # cannot adapt while it runs, so a change of machine speed shows here).
    accuracy = {}
    for kind in "cCn":
        used = nominal = 0.0
        for recs in groups:
            for rec in recs:
                for k, ts, te, c0, c1, ns in rec.steps:
                    if k == kind and c0 is not None and c1 is not None:
                        used += c1 - c0
                        nominal += ns * 1e-9
        if nominal > 0:
            accuracy[kind] = used / nominal
    stopped = stop is not None and not all_finished
    makespan = stop if stopped else last_finish - t0
    ncpu = common.cpu_count()
    return {
        "scenario": plan["scenario"],
        "seed": plan["seed"],
        "gilsim_version": plan.get("gilsim_version"),
        "interpreter": common.interpreter()["version"],
        "gil_model": plan["gil_model"],
        "logical_cpus": ncpu,
        "makespan_s": makespan,
        "stopped": stopped,
        "serial_s": total_serial,
        "speedup": total_serial / makespan if makespan > 0 else 0,
        "cpu_utilization": cpu_used / (ncpu * (end - t0)) if end > t0 else 0,
        # What only the simulation sees (a kernel trace read by scripts/gil_trace.py shows
        # forced_switch_winners for a real run) stays null, so both results have one shape.
        "gil": {"acquisitions": None, "switches": None, "drop_requests": None,
                "forced_switches": None, "failed_acquisitions": None, "wake_syscalls": None,
                "waiters_woken": None, "contended_releases": None,
                "forced_switch_winners": None, "wait_s": percentiles(all_waits)},
        "groups": out_groups,
        "os": None,
        "events": None,
        "measured": {"python": common.interpreter(), "calibration": cal,
                     "work_accuracy": dict(("cpu" if k == "c" else "c_call" if k == "C"
                                            else "native", v) for k, v in accuracy.items()),
                     "wall_s": end - t0, "process_cpu_s": cpu_used},
    }


def main(argv):
    set_parent_death_signal()
    if len(argv) > 1 and argv[1] == "--kernels":
        # The calibration of the work kernels alone, for gilsim to reuse across runs.
        json.dump(common.calibrate_kernels(common.Native()), sys.stdout)
        sys.stdout.write("\n")
        return 0
    with open(argv[1]) as f:
        plan = json.load(f)
    kernels = common.Native(plan.get("calibration", {}).get("native_kernel"))
    cal = dict(plan.get("calibration") or {})
    needed = ("spin_per_s", "spin_burst_per_s", "c_call_per_s", "native_bytes_per_s")
    if not all(k in cal for k in needed):
        measured = common.calibrate_kernels(kernels)
        for k, v in measured.items():
            cal.setdefault(k, v)
    # The machine's speed now (and again after the run): a run during which it changed much
    # is reported as disturbed. The loop rate also refreshes the calibration.
    speed_before = common.measure_spin_rate(seconds=0.02, reps=5)
    cal["spin_per_s"] = speed_before
    kinds = "".join(t["kinds"] for g in plan["groups"] for t in g["threads"])
    if "C" in kinds and thread_cpu() is None:  # a counted C call cannot adapt: fresh rates
        cal["c_call_per_s"] = common.measure_c_call_rate()
    if "n" in kinds:
        cal["native_bytes_per_s"] = common.measure_native_rate(kernels, reps=3)
        # Room for the longest native step in one call, with a margin for a slower machine.
        longest = max(ns for g in plan["groups"] for t in g["threads"]
                      for k, ns in zip(t["kinds"], t["durations_ns"]) if k == "n")
        kernels.reserve(longest * 1e-9 * cal["native_bytes_per_s"] * 1.5)
    if plan["gil_model"] == "tick" and hasattr(sys, "setcheckinterval"):
        sys.setcheckinterval(int(plan["check_interval"]))
    elif hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(plan["switch_interval_s"])
    go = threading.Event()
    clock0 = [0.0]
    groups, threads = [], []
    last = plan.get("stop_after")
    halt = Halt(len(plan["groups"][last]["threads"])) if last is not None else None
    for gi, g in enumerate(plan["groups"]):
        recs = []
        for spec in g["threads"]:
            rec = Recorder()
            recs.append(rec)
            t = threading.Thread(target=run_thread,
                                 args=(spec, rec, clock0, plan.get("stop_s"), go, kernels, cal,
                                       halt, gi == last))
            t.daemon = True
            threads.append(t)
        groups.append(recs)
    for t in threads:
        t.start()
    time.sleep(0.05)  # let every thread reach go.wait()
    cpu0 = common.process_cpu()
    clock0[0] = now()
    go.set()
    for t in threads:
        t.join()
    end = now()
    cpu_used = common.process_cpu() - cpu0
    speed_after = common.measure_spin_rate(seconds=0.02, reps=5, warm=False)
    result = metrics(plan, groups, clock0[0], end, cpu_used, cal,
                     halt.at if halt is not None and halt.left == 0 else None)
    result["measured"]["speed_drift"] = speed_after / speed_before
    # Only where the loop runs a calibrated number of iterations (no thread CPU clock) does a
    # change of speed change the work done; elsewhere the work accuracy says it all.
    result["measured"]["speed_drift_matters"] = common.thread_cpu() is None
    json.dump(result, sys.stdout, sort_keys=False)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
