#!/usr/bin/env bash
# Provides the envtest control plane (etcd, kube-apiserver, kube-controller-manager, kubectl) and prints,
# as its last line, the directory that holds them: the value for KUBEBUILDER_ASSETS. kube-controller-manager
# is not part of a plain envtest: the tests that depend on Kubernetes' own controllers (namespace deletion,
# garbage collection) start it beside the API server (test/controlplane).
#
# The binaries are built once per machine and version from the Go module proxy (the build modules are in
# hack/envtest/) and cached outside the checkout, so every clone on the machine reuses them:
#   ${OSS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oss-operator}/envtest/<versions>-<os>-<arch>-<build>/
#
# Other sources, tried first:
#   KUBEBUILDER_ASSETS   already set to a directory holding all four binaries: used as it is.
#   ENVTEST_USE_SETUP=1  on a machine with internet, download etcd, kube-apiserver and kubectl with
#                        setup-envtest (sigs.k8s.io/controller-runtime/tools/setup-envtest) instead of
#                        building them; kube-controller-manager, which it does not provide, is still built.
set -euo pipefail

K8S_VERSION=1.37.2
ETCD_VERSION=3.6.6
# BUILD names how the binaries are built: change it with the build flags below, so that every machine
# builds them again (b2: kube-apiserver and kubectl carry their version, as released binaries do; b3:
# kube-controller-manager joins them).
BUILD=b3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
goos=$(go env GOOS)
goarch=$(go env GOARCH)
cache=${OSS_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/oss-operator}
dir="$cache/envtest/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-$goos-$goarch-$BUILD"

complete() { [ -x "$1/etcd" ] && [ -x "$1/kube-apiserver" ] && [ -x "$1/kube-controller-manager" ] && [ -x "$1/kubectl" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && complete "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

# One build at a time per machine: a second `make test` waits for the first one's build and reuses it.
mkdir -p "$cache/envtest"
exec 9>"$cache/envtest/.lock"
flock 9

# The version stamps of a Kubernetes release build (hack/lib/version.sh upstream): without them the
# API server reports v0.0.0-master, and helm refuses a chart whose kubeVersion asks for 1.29 or later.
IFS=. read -r k8s_major k8s_minor _ <<<"$K8S_VERSION"
stamps=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamps+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=$k8s_major -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done

build() { # build <name> <module dir> <package>
  local name=$1 mod=$2 pkg=$3
  [ -x "$dir/$name" ] && return 0
  echo "building $name (once per machine; kube-apiserver takes about 8 minutes on 2 cores)" >&2
  mkdir -p "$dir"
  (cd "$root/hack/envtest/$mod" && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w$stamps" -o "$dir/.$name.tmp" "$pkg")
  mv "$dir/.$name.tmp" "$dir/$name"
}

if [ "${ENVTEST_USE_SETUP:-}" = 1 ]; then
  setup_dir=$(go run sigs.k8s.io/controller-runtime/tools/setup-envtest@latest use "$K8S_VERSION" -p path)
  mkdir -p "$dir"
  for b in etcd kube-apiserver kubectl; do
    if [ -x "$setup_dir/$b" ] && [ ! -x "$dir/$b" ]; then cp "$setup_dir/$b" "$dir/$b"; fi
  done
fi

build etcd etcd .
build kube-apiserver kube ./kube-apiserver
build kube-controller-manager kube ./kube-controller-manager
build kubectl kube ./kubectl
echo "$dir"
