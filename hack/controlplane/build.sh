#!/usr/bin/env bash
# Build the control plane binaries that hack/controlplane/up.sh starts:
# kube-apiserver and kube-controller-manager (Kubernetes v1.37.2) and etcd
# (v3.6.17), into <repo>/bin/. All three come from the Go module proxy.
#
# Usage: hack/controlplane/build.sh
#
# A binary that already reports the pinned version is skipped. A cold build of
# kube-apiserver took about 4.5 minutes and 2.8 GB of memory on a 2-core
# machine, so the binaries are built one at a time.
set -euo pipefail

readonly KUBE_VERSION=v1.37.2
# Staging modules (k8s.io/api, k8s.io/client-go, ...) are published as v0.N.P
# for Kubernetes v1.N.P.
readonly KUBE_STAGING_VERSION=v0.37.2
readonly ETCD_VERSION=v3.6.17

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin_dir="$repo_root/bin"
build_root="$bin_dir/.build"

# GOTOOLCHAIN=local makes a module that needs a newer Go fail instead of
# downloading a toolchain, and -mod=mod overrides a caller's -mod=vendor.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() {
  printf 'build.sh: %s\n' "$*" >&2
}

# Print the first line of `BINARY --version`, or nothing when the binary is
# missing or fails to run.
reported_version() {
  local binary=$1
  [[ -x $binary ]] || return 0
  "$binary" --version 2>/dev/null | head -n 1 || true
}

# Write a build module that requires k8s.io/kubernetes and maps each staging
# module from kubernetes' own replace block to its published release.
# `go install k8s.io/kubernetes/cmd/...@version` fails because that replace
# block points at folders inside the kubernetes repository.
write_kube_module() {
  local module_dir=$1
  local kubernetes_gomod
  kubernetes_gomod=$(go list -m -json "k8s.io/kubernetes@$KUBE_VERSION" | jq -r .GoMod)
  if [[ -z $kubernetes_gomod || ! -f $kubernetes_gomod ]]; then
    log "go.mod of k8s.io/kubernetes@$KUBE_VERSION not found in the module cache"
    return 1
  fi

  # The Go module proxy has no v0.37.2 of sample-cli-plugin and
  # sample-controller, and no command built here imports them.
  local staging_modules
  staging_modules=$(sed -n 's|^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*|\1|p' "$kubernetes_gomod" |
    grep -v -e '^k8s.io/sample-cli-plugin$' -e '^k8s.io/sample-controller$')
  if [[ -z $staging_modules ]]; then
    log "no staging replace directives found in $kubernetes_gomod"
    return 1
  fi

  mkdir -p "$module_dir"
  {
    echo "module irsa-render.invalid/kube-build"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kube-controller-manager"
    echo ")"
    echo
    echo "replace ("
    local module
    for module in $staging_modules; do
      echo "	$module => $module $KUBE_STAGING_VERSION"
    done
    echo ")"
  } >"$module_dir/go.mod"
  log "wrote $module_dir/go.mod with $(wc -w <<<"$staging_modules") staging replacements"
}

# Build one Kubernetes command unless bin/<command> reports KUBE_VERSION.
build_kube_command() {
  local command=$1
  local binary="$bin_dir/$command"
  local want="Kubernetes $KUBE_VERSION"
  local have
  have=$(reported_version "$binary")
  if [[ $have == "$want" ]]; then
    log "bin/$command is $KUBE_VERSION, skipping"
    return 0
  fi

  local module_dir="$build_root/kube"
  if [[ ! -f $module_dir/go.sum ]] || ! grep -q "k8s.io/kubernetes $KUBE_VERSION" "$module_dir/go.mod"; then
    rm -rf "$module_dir"
    write_kube_module "$module_dir"
    (cd "$module_dir" && go mod tidy)
  fi

  local major minor
  major=${KUBE_VERSION#v}
  major=${major%%.*}
  minor=${KUBE_VERSION#v*.}
  minor=${minor%%.*}
  local ldflags="-s -w"
  local package
  # Without these, --version and the API server's /version report a
  # development version instead of the release.
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $package.gitVersion=$KUBE_VERSION"
    ldflags+=" -X $package.gitMajor=$major -X $package.gitMinor=$minor"
    ldflags+=" -X $package.gitTreeState=clean"
  done

  log "building $command $KUBE_VERSION"
  local started=$SECONDS
  (cd "$module_dir" && go build -trimpath -ldflags "$ldflags" -o "$binary.tmp" "k8s.io/kubernetes/cmd/$command")
  mv -f "$binary.tmp" "$binary"
  log "built bin/$command in $((SECONDS - started))s"
  check_version "$binary" "$want"
}

# Build etcd unless bin/etcd reports ETCD_VERSION. `go install` of the etcd
# server fails on its replace directives as well, so it gets a build module.
build_etcd() {
  local binary="$bin_dir/etcd"
  local want="etcd Version: ${ETCD_VERSION#v}"
  local have
  have=$(reported_version "$binary")
  if [[ $have == "$want" ]]; then
    log "bin/etcd is $ETCD_VERSION, skipping"
    return 0
  fi

  local module_dir="$build_root/etcd"
  if [[ ! -f $module_dir/go.sum ]] || ! grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$module_dir/go.mod"; then
    rm -rf "$module_dir"
    mkdir -p "$module_dir"
    cat >"$module_dir/go.mod" <<EOF
module irsa-render.invalid/etcd-build

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION

tool go.etcd.io/etcd/server/v3
EOF
    (cd "$module_dir" && go mod tidy)
  fi

  log "building etcd $ETCD_VERSION"
  local started=$SECONDS
  (cd "$module_dir" && go build -trimpath -ldflags "-s -w" -o "$binary.tmp" go.etcd.io/etcd/server/v3)
  mv -f "$binary.tmp" "$binary"
  log "built bin/etcd in $((SECONDS - started))s"
  check_version "$binary" "$want"
}

check_version() {
  local binary=$1 want=$2 have
  have=$(reported_version "$binary")
  if [[ $have != "$want" ]]; then
    log "$binary reports \"$have\" after the build, expected \"$want\""
    return 1
  fi
}

main() {
  if (($# > 0)); then
    echo "usage: hack/controlplane/build.sh" >&2
    return 2
  fi
  command -v jq >/dev/null || {
    log "jq not found; install it (Debian package jq)"
    return 1
  }
  mkdir -p "$build_root"
  # One build at a time, also across concurrent runs of this script.
  exec {lock_fd}>"$build_root/controlplane.lock"
  flock "$lock_fd"

  build_etcd
  build_kube_command kube-apiserver
  build_kube_command kube-controller-manager
}

main "$@"
