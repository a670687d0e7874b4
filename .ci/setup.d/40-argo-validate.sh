#!/usr/bin/env bash
# Builds test/go/argo-validate (Argo Workflows' own validation package behind a small CLI) into
# .cache/bin/argo-validate, which `openfold-argo lint` runs as its fourth layer and the lint tests compare with.
# Skips the build when the binary is newer than its sources. Needs Go; module downloads go through the Go proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."
src=test/go/argo-validate
bin=.cache/bin/argo-validate
if ! command -v go >/dev/null 2>&1; then
  echo "argo-validate: no Go toolchain; lint layer 4 and its agreement test are skipped" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 0
fi
if [ -x "$bin" ] && [ -z "$(find "$src" -newer "$bin" -type f -print -quit)" ]; then
  echo "argo-validate: up to date ($bin)"
  exit 0
fi
mkdir -p .cache/bin
start=$(date +%s)
# -mod=mod lets go resolve go.sum entries on a clean machine; the module and build caches make rebuilds fast.
(cd "$src" && GOFLAGS=-mod=mod nice -n 10 go build -trimpath -o "../../../$bin.tmp" .)
mv "$bin.tmp" "$bin"
echo "argo-validate: built $bin in $(( $(date +%s) - start ))s"
