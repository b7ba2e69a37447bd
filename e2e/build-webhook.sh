#!/usr/bin/env bash
# Build the Amazon EKS Pod Identity Webhook into <repo>/bin/pod-identity-webhook
# from its Go module, for the end-to-end suite.
#
# Usage: e2e/build-webhook.sh
#
# The webhook is built in a build module of its own under
# bin/.build/pod-identity-webhook, so its dependencies (client-go,
# controller-runtime) never enter the main module. Its main.go reports a fixed
# "v0.1.0" for --version, so the build sets main.webhookVersion to the module
# version, and a binary that already reports WEBHOOK_VERSION is not rebuilt.
set -euo pipefail

# v0.6.17 is the newest version that the Go module proxy lists.
readonly WEBHOOK_MODULE=github.com/aws/amazon-eks-pod-identity-webhook
readonly WEBHOOK_VERSION=v0.6.17

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo_root/bin"
build_root="$bin_dir/.build"
binary="$bin_dir/pod-identity-webhook"

# GOTOOLCHAIN=local makes a module that needs a newer Go fail instead of
# downloading a toolchain, and -mod=mod overrides a caller's -mod=vendor.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() {
  printf 'build-webhook.sh: %s\n' "$*" >&2
}

reported_version() {
  [[ -x $binary ]] || return 0
  "$binary" --version 2>/dev/null | head -n 1 || true
}

main() {
  if (($# > 0)); then
    echo "usage: e2e/build-webhook.sh" >&2
    return 2
  fi
  mkdir -p "$build_root"
  exec {lock_fd}>"$build_root/pod-identity-webhook.lock"
  flock "$lock_fd"

  if [[ $(reported_version) == "$WEBHOOK_VERSION" ]]; then
    log "bin/pod-identity-webhook is $WEBHOOK_VERSION, skipping"
    return 0
  fi

  local module_dir="$build_root/pod-identity-webhook"
  if [[ ! -f $module_dir/go.sum ]] || ! grep -q "$WEBHOOK_MODULE $WEBHOOK_VERSION" "$module_dir/go.mod"; then
    rm -rf "$module_dir"
    mkdir -p "$module_dir"
    cat >"$module_dir/go.mod" <<EOF
module irsa-render.invalid/pod-identity-webhook-build

go 1.26.0

require $WEBHOOK_MODULE $WEBHOOK_VERSION

tool $WEBHOOK_MODULE
EOF
    (cd "$module_dir" && go mod tidy)
  fi

  log "building pod-identity-webhook $WEBHOOK_VERSION"
  local started=$SECONDS
  (cd "$module_dir" && go build -trimpath \
    -ldflags "-s -w -X main.webhookVersion=$WEBHOOK_VERSION" \
    -o "$binary.tmp" "$WEBHOOK_MODULE")
  mv -f "$binary.tmp" "$binary"
  log "built bin/pod-identity-webhook in $((SECONDS - started))s"

  local have
  have=$(reported_version)
  if [[ $have != "$WEBHOOK_VERSION" ]]; then
    log "bin/pod-identity-webhook reports \"$have\" after the build, expected $WEBHOOK_VERSION"
    return 1
  fi
}

main "$@"
