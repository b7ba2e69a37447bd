#!/usr/bin/env bash
# Build the pinned command-line tools that the tests run into <repo>/bin/.
#
# Usage: hack/tools.sh [helm3] [helm4] [kustomize]
#   With no arguments only helm3 is built.
#
# Each tool is built from the Go module proxy with `go install MODULE/PKG@VERSION`
# into a throwaway GOBIN under bin/.build/<tool>/ and then moved into bin/.
# A tool whose binary already reports the pinned version is skipped, so a second
# run takes well under a second. The script is safe to run from several shells
# at once because each tool is built under its own lock.
set -euo pipefail

readonly HELM3_VERSION=v3.21.4
readonly HELM4_VERSION=v4.3.2
# kustomize v5.8.3 declares `go 1.27.0` in its go.mod, so v5.8.2 is the newest
# release that builds with Go 1.26.
readonly KUSTOMIZE_VERSION=v5.8.2

# Helm 3 renders without a cluster as if for the Kubernetes version in these
# variables. Its release Makefile sets them from the client-go module, which is
# k8s.io/client-go v0.36.2 in Helm v3.21.4, so 1.36.
readonly HELM3_KUBE_MAJOR=1
readonly HELM3_KUBE_MINOR=36

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo_root/bin"
build_root="$bin_dir/.build"

log() {
  printf 'tools.sh: %s\n' "$*" >&2
}

# Print the version that a built tool reports, or nothing when it is missing or
# fails to run.
reported_version() {
  local tool=$1
  local binary="$bin_dir/$tool"
  [[ -x $binary ]] || return 0
  case $tool in
    helm3 | helm4)
      # Point Helm at its own empty homes so that a version check never reads or
      # creates files in the caller's home directory.
      HELM_CONFIG_HOME="$build_root/$tool/home/config" \
        HELM_CACHE_HOME="$build_root/$tool/home/cache" \
        HELM_DATA_HOME="$build_root/$tool/home/data" \
        "$binary" version --template '{{.Version}}' 2>/dev/null || true
      ;;
    kustomize)
      "$binary" version 2>/dev/null || true
      ;;
  esac
}

# Run `go install PACKAGE@VERSION` into a throwaway GOBIN and move the binary it
# writes, COMMAND, to bin/<tool>. Extra arguments are passed to `go install`
# before the package.
go_install_tool() {
  local tool=$1 package=$2 version=$3 command=$4
  shift 4
  local work_dir="$build_root/$tool"
  local gobin="$work_dir/gobin"

  rm -rf "$gobin"
  mkdir -p "$gobin"
  log "building $tool from $package@$version"
  local started=$SECONDS
  # GOFLAGS=-mod=mod keeps a caller's -mod=vendor from breaking the build, and
  # GOTOOLCHAIN=local makes a module that needs a newer Go fail instead of
  # downloading a toolchain.
  GOBIN="$gobin" GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
    go install -trimpath "$@" "$package@$version"
  mv -f "$gobin/$command" "$bin_dir/$tool"
  log "built bin/$tool in $((SECONDS - started))s"
}

# Build one tool unless bin/<tool> already reports the pinned version.
ensure_tool() {
  local tool=$1 want
  case $tool in
    helm3) want=$HELM3_VERSION ;;
    helm4) want=$HELM4_VERSION ;;
    kustomize) want=$KUSTOMIZE_VERSION ;;
    *)
      log "unknown tool \"$tool\"; expected helm3, helm4 or kustomize"
      return 2
      ;;
  esac

  mkdir -p "$build_root/$tool"
  # Hold a per-tool lock so that two concurrent runs do not build the same
  # binary into the same GOBIN.
  exec {lock_fd}>"$build_root/$tool.lock"
  flock "$lock_fd"

  local have
  have=$(reported_version "$tool")
  if [[ $have == "$want" ]]; then
    log "bin/$tool is $want, skipping"
    exec {lock_fd}>&-
    return 0
  fi
  [[ -n $have ]] && log "bin/$tool reports \"$have\", rebuilding as $want"

  case $tool in
    helm3)
      go_install_tool helm3 helm.sh/helm/v3/cmd/helm "$HELM3_VERSION" helm -ldflags "-s -w \
        -X helm.sh/helm/v3/internal/version.version=$HELM3_VERSION \
        -X helm.sh/helm/v3/internal/version.gitTreeState=clean \
        -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$HELM3_KUBE_MAJOR \
        -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM3_KUBE_MINOR \
        -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$HELM3_KUBE_MAJOR \
        -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM3_KUBE_MINOR"
      ;;
    helm4)
      # Helm 4 reads the Kubernetes version from its embedded module data, so
      # only the Helm version needs setting.
      go_install_tool helm4 helm.sh/helm/v4/cmd/helm "$HELM4_VERSION" helm -ldflags "-s -w \
        -X helm.sh/helm/v4/internal/version.version=$HELM4_VERSION \
        -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
      ;;
    kustomize)
      go_install_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" kustomize -ldflags "-s -w"
      ;;
  esac

  have=$(reported_version "$tool")
  exec {lock_fd}>&-
  if [[ $have != "$want" ]]; then
    log "bin/$tool reports \"$have\" after the build, expected $want"
    return 1
  fi
}

main() {
  local tools=("$@")
  ((${#tools[@]} > 0)) || tools=(helm3)
  mkdir -p "$build_root"
  local tool
  for tool in "${tools[@]}"; do
    ensure_tool "$tool"
  done
}

main "$@"
