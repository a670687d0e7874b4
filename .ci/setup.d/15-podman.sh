#!/usr/bin/env bash
# The container engine for the images (npm run images, test/images/): podman, runc and mmdebstrap from Debian,
# and the engine settings this kind of machine needs. 16-images.bg.sh builds the images.
set -euo pipefail
pkgs=(podman runc mmdebstrap containernetworking-plugins)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# runc: crun refuses a cgroup v1 (hybrid) host. Explicit ulimits: podman's defaults need CAP_SYS_RESOURCE,
# which these machines do not grant ("setrlimit ... Operation not permitted"). Harmless where neither applies.
conf=/etc/containers/containers.conf.d/50-openfold-argo.conf
want='[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" >"$conf.tmp"
  mv "$conf.tmp" "$conf"
  echo "podman: wrote $conf"
fi
echo "podman: $(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}')"
