#!/usr/bin/env bash
# Speed and memory benchmark: gilsim against the SimPy reference model of the new GIL
# (../shared/peers/simpy_gil.py), on the four reference workloads, measured side by side in
# one run (best of N alternating runs each), printed as simulated seconds per wall second and
# the ratio. Also gilsim's peak memory at 1x and 10x the simulated duration.
#   scripts/bench.sh [--repeat N] [--peer PATH] [--json PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=3
peer=../shared/peers/simpy_gil.py
json=""
while (($#)); do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--repeat N] [--peer PATH] [--json PATH]" >&2; exit 2 ;;
  esac
done
scripts/setup.sh >/dev/null
if [ ! -f "$peer" ]; then
  echo "bench: the SimPy peer is not at $peer (use --peer PATH)" >&2
  exit 2
fi
if ! /usr/bin/python3 -c 'import simpy' 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q python3-simpy3 >/dev/null
fi
exec /usr/bin/python3 scripts/bench_compare.py --repeat "$repeat" --peer "$peer" \
  --gilsim build/release/gilsim ${json:+--json "$json"}
