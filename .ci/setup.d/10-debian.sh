#!/usr/bin/env bash
# Debian packages the tests use: the real alignment tools, shellcheck, and Chromium for the report screenshot.
set -euo pipefail
pkgs=(hmmer hhsuite kalign mmseqs2 shellcheck chromium python3)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "debian packages present: ${pkgs[*]}"
