#!/usr/bin/env bash
# Binaries for the Argo end-to-end checks (npm run e2e:argo), all built from Go modules:
# kube-apiserver and etcd (test/go/argo-e2e/tools, versions in test/go/argo-e2e/versions.env), Argo's
# workflow-controller, and the harness itself; for the containers mode also the kubelet, kube-scheduler,
# kube-controller-manager (same module), Argo's executor argoexec and the sandbox program pause, which
# 55-argo-containers.sh packages as images. Output: .cache/bin. A binary is rebuilt only when its inputs
# change (stamp files next to it); GOCACHE/GOMODCACHE keep warm builds short.
# Builds run at the lowest CPU priority, one package at a time: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
e2e=$root/test/go/argo-e2e
# shellcheck disable=SC1091 # KEY=VALUE lines only
. "$e2e/versions.env"
bin=$root/.cache/bin
mkdir -p "$bin"
# gobuild DIR ARGS...: `go build` in module DIR (-C must come first).
gobuild() {
  local dir=$1
  shift
  nice -n 19 go -C "$dir" build -p 1 -trimpath "$@"
}

# build NAME STAMP COMMAND...: runs COMMAND (which writes $bin/NAME.tmp) unless NAME exists with the same stamp.
build() {
  local name=$1 stamp=$2
  shift 2
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$name: up to date ($stamp)"
    return
  fi
  local started=$SECONDS
  "$@"
  mv -f "$bin/$name.tmp" "$bin/$name"
  printf '%s' "$stamp" >"$bin/.$name.stamp"
  echo "$name: built in $((SECONDS - started))s ($stamp)"
}

go_version=$(go env GOVERSION)
tools_sum=$(sha256sum "$e2e/tools/go.sum" | cut -c1-16)
minor=${K8S_VERSION#v1.}
minor=${minor%%.*}
k8s_ldflags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"

build etcd "etcd $ETCD_VERSION go.sum:$tools_sum $go_version" \
  gobuild "$e2e/tools" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
build kube-apiserver "kube-apiserver $K8S_VERSION go.sum:$tools_sum $go_version" \
  gobuild "$e2e/tools" -ldflags "$k8s_ldflags" -o "$bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
for component in kubelet kube-scheduler kube-controller-manager; do
  build "$component" "$component $K8S_VERSION go.sum:$tools_sum $go_version" \
    gobuild "$e2e/tools" -ldflags "$k8s_ldflags" -o "$bin/$component.tmp" "k8s.io/kubernetes/cmd/$component"
done

install_controller() {
  local gobin
  gobin=$(mktemp -d)
  GOBIN=$gobin nice -n 19 go install -p 1 -trimpath \
    -ldflags "-X github.com/argoproj/argo-workflows/v4.version=$ARGO_VERSION" \
    "github.com/argoproj/argo-workflows/v4/cmd/workflow-controller@$ARGO_VERSION"
  mv -f "$gobin/workflow-controller" "$bin/workflow-controller.tmp"
  rmdir "$gobin"
}
build workflow-controller "workflow-controller $ARGO_VERSION $go_version" install_controller

# `go install …/cmd/argoexec@version` fails (undefined: Setpgid): in Argo's repository
# workflow/executor/osspecific/signal_linux.go is a symlink to signal_darwin.go, and module zips drop symlinks.
# So argoexec is built from a copy of the module with that file restored. Static: it runs in a scratch image.
build_argoexec() {
  local module copy
  module=$(go mod download -json "github.com/argoproj/argo-workflows/v4@$ARGO_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  copy=$(mktemp -d)
  cp -r "$module/." "$copy"
  chmod -R u+w "$copy"
  cp "$copy/workflow/executor/osspecific/signal_darwin.go" "$copy/workflow/executor/osspecific/signal_linux.go"
  CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 19 go -C "$copy" build -trimpath \
    -ldflags "-X github.com/argoproj/argo-workflows/v4.version=$ARGO_VERSION" -o "$bin/argoexec.tmp" ./cmd/argoexec
  rm -rf "$copy"
}
build argoexec "argoexec $ARGO_VERSION $go_version" build_argoexec
pause_sum=$(sha256sum "$e2e/pause/main.go" | cut -c1-16)
build pause "pause $pause_sum $go_version" env CGO_ENABLED=0 nice -n 19 go -C "$e2e" build -trimpath -o "$bin/pause.tmp" ./pause

# The harness is rebuilt by `npm run e2e:argo` itself; building it here only warms the cache.
gobuild "$e2e" -o "$bin/argo-e2e" .
echo "argo-e2e: harness built"
