#!/usr/bin/env bash
# Regenerates go.mod/go.sum of this tools module, which builds kube-apiserver and etcd from Go modules.
# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and is not meant
# to be a dependency, so every one of them needs a replace to the matching published v0.<minor>.<patch>. The
# list changes between Kubernetes releases, so it is derived here from the release's own go.mod rather than kept
# by hand. Run after changing K8S_VERSION; commit the result. Needs: go, jq, access to the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck disable=SC1091 # KEY=VALUE lines only
. ../versions.env
staging_version="v0.${K8S_VERSION#v1.}"

k8s_gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .GoMod)
mapfile -t staging < <(go mod edit -json "$k8s_gomod" |
  jq -r '.Require[] | select(.Version == "v0.0.0") | .Path' | sort)
[ "${#staging[@]}" -gt 0 ] || { echo "no v0.0.0 staging requires in $k8s_gomod" >&2; exit 1; }

rm -f go.mod go.sum
go mod init openfold-argo/test/go/argo-e2e/tools
# Same go directive and GODEBUG defaults as Kubernetes itself.
go mod edit -go="$(go mod edit -json "$k8s_gomod" | jq -r .Go)"
go mod edit -godebug="$(go mod edit -json "$k8s_gomod" | jq -r '.GoDebug[] | select(.Key == "default") | "default=" + .Value')"
for path in "${staging[@]}"; do
  go mod edit -replace="$path=$path@$staging_version"
done
go mod edit -require="k8s.io/kubernetes@$K8S_VERSION" -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
# `tool` lines (not `go get -tool`, which would upgrade to @latest) keep both main packages in the build list.
go mod edit -tool=k8s.io/kubernetes/cmd/kube-apiserver -tool=go.etcd.io/etcd/server/v3 \
  -tool=k8s.io/kubernetes/cmd/kubelet -tool=k8s.io/kubernetes/cmd/kube-scheduler -tool=k8s.io/kubernetes/cmd/kube-controller-manager
go mod tidy
echo "tools/go.mod: k8s.io/kubernetes $K8S_VERSION (${#staging[@]} staging replaces at $staging_version), etcd $ETCD_VERSION"
