#!/usr/bin/env python3
"""Side-by-side speed comparison of gilsim and the SimPy peer (standard library only).

For each reference workload (configs/bench/*.yaml, and the peer's matching arguments), runs
the peer and `gilsim bench` alternately, keeps each one's best wall time, and prints simulated
seconds per wall second, the ratio and the target. Targets: 30x on a, b and c; 10x on d.
"""
import argparse
import json
import subprocess
import sys

WORKLOADS = [  # name, gilsim scenario, peer arguments, target ratio
    ("a", "configs/bench/a-cpu4.yaml", ["4", "0", "2", "5", "60"], 30),
    ("b", "configs/bench/b-convoy.yaml", ["1", "1", "2", "5", "60", "100", "20"], 30),
    ("c", "configs/bench/c-mixed66.yaml", ["2", "64", "2", "5", "60", "100", "20"], 30),
    ("d", "configs/bench/d-waiters1000.yaml", ["0", "1000", "2", "5", "5", "100", "20"], 10),
]


def run_peer(peer, args):
    out = subprocess.run(["/usr/bin/python3", peer] + args, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_gilsim(gilsim, scenario, scale):
    out = subprocess.run([gilsim, "bench", scenario, "--repeat", "1", "--scale", str(scale),
                          "--json", "-"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["workloads"][0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--peer", required=True)
    p.add_argument("--gilsim", required=True)
    p.add_argument("--json")
    a = p.parse_args()
    rows = []
    print("workload  peer sim-s/wall-s  gilsim sim-s/wall-s   ratio  target  events(gilsim)"
          "  peak RSS 1x / 10x duration")
    ok = True
    for name, scenario, args, target in WORKLOADS:
        best_peer, best_sim, mem = None, None, None
        for i in range(a.repeat):
            peer = run_peer(a.peer, args)
            sim = run_gilsim(a.gilsim, scenario, 10 if i == 0 else 1)
            if i == 0:
                mem = (sim["peak_rss_kb"], sim["scaled_peak_rss_kb"])
            if best_peer is None or peer["wall_seconds"] < best_peer["wall_seconds"]:
                best_peer = peer
            if best_sim is None or sim["wall_s"] < best_sim["wall_s"]:
                best_sim = sim
        peer_rate = best_peer["sim_seconds_per_wall_second"]
        sim_rate = best_sim["sim_s_per_wall_s"]
        ratio = sim_rate / peer_rate
        ok = ok and ratio >= target
        print("%-8s  %17.1f  %19.1f  %6.1fx  %5dx  %14d  %6.1f / %.1f MB%s" % (
            name, peer_rate, sim_rate, ratio, target, best_sim["events"], mem[0] / 1024,
            mem[1] / 1024, "" if ratio >= target else "   (below target)"))
        rows.append({"workload": name, "scenario": scenario, "peer_sim_s_per_wall_s": peer_rate,
                     "gilsim_sim_s_per_wall_s": sim_rate, "ratio": ratio, "target": target,
                     "gilsim_events": best_sim["events"], "peer_events": best_peer["events"],
                     "gilsim_peak_rss_kb": mem[0], "gilsim_peak_rss_kb_10x": mem[1]})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
