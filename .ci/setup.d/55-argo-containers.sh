#!/usr/bin/env bash
# The containers mode of the Argo e2e (`argo-e2e check containers`): containerd, CNI plugins and iptables from
# Debian, and two images built here from the binaries 50-argo-e2e.sh compiled, so nothing is pulled:
# Argo's executor as quay.io/argoproj/argoexec:$ARGO_VERSION (the name the controller asks for) and the
# sandbox image (pause). Both go into podman's storage, from where the harness imports them into containerd
# with the project's images (npm run images). Warm: a few seconds (apt and podman see nothing to do).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck disable=SC1091 # KEY=VALUE lines only
. test/go/argo-e2e/versions.env
pkgs=(containerd containernetworking-plugins runc iptables podman)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts containerd as a service; the harness runs its own, with its own configuration and socket.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled containerd >/dev/null 2>&1; then
  systemctl disable --now containerd >/dev/null 2>&1 || true
fi

bin=$PWD/.cache/bin
# image NAME BINARY USER: a scratch image with BINARY as /bin/<name of BINARY>, rebuilt when the binary changes.
image() {
  local name=$1 binary=$2 user=$3 context want
  want=$(sha256sum "$bin/$binary" | cut -c1-16)
  if [ "$(podman image inspect --format '{{index .Labels "openfold-argo.e2e.binary"}}' "$name" 2>/dev/null)" = "$want" ]; then
    echo "$name: up to date"
    return
  fi
  context=$(mktemp -d)
  cp "$bin/$binary" "$context/$binary"
  printf 'FROM scratch\nCOPY %s /bin/%s\nENV PATH=/bin\nUSER %s\nLABEL openfold-argo.e2e.binary=%s\nENTRYPOINT ["/bin/%s"]\n' \
    "$binary" "$binary" "$user" "$want" "$binary" >"$context/Containerfile"
  podman build --quiet --pull=never --format docker -t "$name" "$context" >/dev/null
  rm -rf "$context"
  echo "$name: built"
}
image "quay.io/argoproj/argoexec:$ARGO_VERSION" argoexec 8737
image localhost/openfold-argo-e2e/pause:e2e pause 65535
