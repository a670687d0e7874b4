#!/usr/bin/env bash
# Builds every image buildable here (npm run images): tools, msa and openfold3, on stand-in bases made from
# package registries (no container registry is reachable). .ci/run runs this in the background, beside the
# Go builds (this waits on the network and the disk, they on the CPU), and waits for it before the tests.
# podman keeps its layers in its default storage (/var/lib/containers, outside the clone): a warm run rebuilds
# only the layers whose inputs changed, and the stand-in bases only when their recipe changes.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d node_modules ] || npm ci --no-audit --no-fund
start=$(date +%s)
nice -n 10 npm run -s images
echo "images: built in $(($(date +%s) - start))s"
