#!/usr/bin/env bash
# The headline demo: the convoy effect, simulated, then swept over the switch interval.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
gilsim=build/release/gilsim

echo
echo "== The convoy effect: an I/O thread beside one CPU-bound thread (CPython 3.11, 2 cores)"
echo "   Each 1 ms blocking call releases the GIL; getting it back means waiting out the"
echo "   CPU thread's switch interval. Look at the poller's io->GIL latency."
echo
$gilsim run configs/seeds/convoy-effect.yaml
echo
echo "== Sweep the switch interval: the I/O thread's wait follows it"
echo
$gilsim sweep configs/seeds/convoy-effect.yaml --jobs 3 \
  --vary interpreter.switch_interval=1ms,5ms,20ms
echo
echo "More scenarios: configs/seeds/ (gilsim run FILE); every key: docs/scenarios.md"
