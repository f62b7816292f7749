#!/usr/bin/env bash
# Installs what the notebooks need (Debian's Jupyter, matplotlib, pandas), builds gilsim, and
# executes every notebook in notebooks/ in place, so that the committed outputs are current.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(jupyter-nbconvert python3-ipykernel python3-matplotlib python3-pandas)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
scripts/setup.sh >/dev/null
for nb in notebooks/*.ipynb; do
  echo "== executing $nb"
  (cd notebooks && PYDEVD_DISABLE_FILE_VALIDATION=1 /usr/bin/jupyter nbconvert --to notebook \
     --execute --inplace "$(basename "$nb")")
done
