#!/usr/bin/env bash
# The evaluate step's tools: Debian's tm-align (TMscore: TM-score, GDT), python3-ost (OpenStructure, the
# cross-check's second lDDT) and a venv with the pinned, hash-checked Python packages (biotite, DockQ; pytest
# and tmtools for the tests). The venv lives outside the clone, named by the hash of the requirement files,
# so a warm run reuses it and a changed pin builds a new one. Cold: ~2 min of apt, ~1 min of pip (DockQ is
# compiled from its sdist).
set -euo pipefail
cd "$(dirname "$0")/../.."
pkgs=(tm-align python3-ost python3-venv python3-dev gcc)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
req=steps/evaluate/python
hash=$(cat "$req/requirements.txt" "$req/requirements-test.txt" | sha256sum | cut -c1-12)
venv="${XDG_CACHE_HOME:-$HOME/.cache}/openfold-argo/venv-evaluate-$hash"
if [ -f "$venv/.complete" ]; then
  echo "evaluate venv present: $venv"
  exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
/usr/bin/python3 -m venv "$venv"
nice -n 10 "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
  -r "$req/requirements.txt" -r "$req/requirements-test.txt"
touch "$venv/.complete"
echo "evaluate venv built: $venv"
