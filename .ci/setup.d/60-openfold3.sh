#!/usr/bin/env bash
# OpenFold3 0.5.0 from PyPI for the OpenFold3 tests (real `run_openfold predict` on CPU with a random-weights test
# checkpoint): a venv OUTSIDE the clone, keyed by the hash-pinned requirements, so a warm CI run reuses it and a
# changed pin builds a new one. Cold: about 3.3 GB downloaded, 6.3 GB on disk, a few minutes.
# Prints the venv path; tests find it the same way (test/helpers/openfold3.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
req=steps/predict-openfold3/requirements.txt
key=$(sha256sum "$req" | cut -c1-12)
root=${OPENFOLD_ARGO_CACHE:-$HOME/.cache/openfold-argo}
venv=$root/venv-openfold3-0.5.0-$key
if [ -f "$venv/.complete" ]; then
  echo "openfold3: venv up to date ($venv)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "openfold3: python3 is required (apt-get install python3 python3-venv)" >&2
  exit 1
fi
mkdir -p "$root"
start=$(date +%s)
rm -rf "$venv"
# Built in place (a venv cannot be moved: its scripts name their interpreter by path); .complete marks success.
python3 -m venv "$venv"
nice -n 10 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$req"
"$venv/bin/run_openfold" predict --help >/dev/null
touch "$venv/.complete"
echo "openfold3: installed into $venv in $(( $(date +%s) - start ))s"
# Older venvs of other pins are left for other checkouts on this machine; remove them by hand when unused.
