#!/usr/bin/env bash
# The S3-compatible server the databases tests download from: gofakes3 (MIT; in-memory or folder-backed S3
# protocol server with ranged GET, HEAD and ListObjectsV2, no authentication), built from its Go module into
# .cache/bin. Cached: skipped when the binary of this version is there. Cold build: about 40 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=v1.2.0
bin=.cache/bin/gofakes3
stamp=.cache/bin/.gofakes3-$version
if [ -x "$bin" ] && [ -f "$stamp" ]; then
  echo "gofakes3 $version present"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is required to build gofakes3 (the S3 server of the databases tests)" >&2
  exit 1
fi
mkdir -p .cache/bin
GOBIN="$PWD/.cache/bin" GOFLAGS=-buildvcs=false nice -n 10 go install "github.com/johannesboyne/gofakes3/cmd/gofakes3@$version"
touch "$stamp"
echo "gofakes3 $version built into $bin"
