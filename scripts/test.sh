#!/usr/bin/env bash
# Installs the dependencies, builds gilsim and its tests, and runs the test suite (everything
# but the suites labelled slow; run those with: ctest --preset slow).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== running the tests"
ctest --preset release
