#!/usr/bin/env bash
# Run the end-to-end suite (package e2e, build tag e2e) against a fresh
# control plane from hack/controlplane/up.sh, and stop it again, also when a
# test fails.
#
# Usage: e2e/run.sh [go test flags]      e.g. e2e/run.sh -run TestInstall
#
# bin/ must already hold irsa-render, plugin/irsa-render, helm3, helm4, etcd,
# kube-apiserver, kube-controller-manager and pod-identity-webhook; `make e2e`
# builds them and then runs this script.
#
# The pod identity webhook listens on ":PORT" (all interfaces) and has no flag
# for the address. So the control plane, the webhook and the tests run in a
# new network namespace whose only interface is the loopback: every server is
# reachable on 127.0.0.1 only, and nothing in it can reach another host. The
# test binary is compiled before entering the namespace, which has no route to
# the Go module proxy.
#
# The work folder (control plane data, logs, certificates) is removed after a
# passing run and kept after a failing one.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo_root/bin"

log() {
  printf 'e2e/run.sh: %s\n' "$*" >&2
}

check_prerequisites() {
  local name missing=0
  for name in irsa-render plugin/irsa-render/plugin.yaml helm3 helm4 etcd kube-apiserver \
    kube-controller-manager pod-identity-webhook; do
    if [[ ! -e $bin_dir/$name ]]; then
      log "bin/$name not found; run make e2e, which builds it"
      missing=1
    fi
  done
  for name in unshare ip openssl curl; do
    if ! command -v "$name" >/dev/null; then
      log "$name not found; it is needed to run the control plane in a network namespace"
      missing=1
    fi
  done
  return "$missing"
}

# Compile the suite, enter a new network namespace and run in_namespace there.
main() {
  check_prerequisites
  local work
  work=$(mktemp -d "${TMPDIR:-/tmp}/irsa-render-e2e.XXXXXX")
  log "work folder $work"

  # Compiling here fills the build cache, so `go test` inside the namespace
  # only links, and it fails here with a clear error if a module is missing.
  (cd "$repo_root" && go test -c -tags e2e -o "$work/e2e.test" ./e2e)
  rm -f "$work/e2e.test"

  local rc=0
  unshare --net -- "$repo_root/e2e/run.sh" --in-namespace "$work" "$@" || rc=$?
  if ((rc == 0)); then
    rm -rf "$work"
  else
    log "the suite failed (exit code $rc); logs and certificates are kept in $work"
  fi
  return "$rc"
}

# Stop the webhook if the test binary left it running, then the control plane
# (controller manager, API server, etcd, in that order, by down.sh).
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pid_file="$work/pod-identity-webhook.pid"
  if [[ -f $pid_file ]]; then
    local pid
    pid=$(<"$pid_file")
    if kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */pod-identity-webhook ]]; then
      log "stopping pod-identity-webhook (PID $pid)"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  fi
  "$repo_root/hack/controlplane/down.sh" "$work/controlplane" || rc=1
  exit "$rc"
}

in_namespace() {
  work=$1
  shift
  ip link set lo up

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  "$repo_root/hack/controlplane/up.sh" "$work/controlplane"

  # Read the values that the tests need from the env file of up.sh in a
  # subshell, so its KUBECONFIG does not leak into this shell.
  local settings
  settings=$(
    # shellcheck disable=SC1091
    source "$work/controlplane/env"
    printf '%s\n' \
      "E2E_KUBECONFIG=$KUBECONFIG" \
      "E2E_API_SERVER=$KUBE_APISERVER_URL" \
      "E2E_CA_CERT=$CA_CERT" \
      "E2E_ADMIN_CERT=$ADMIN_CERT" \
      "E2E_ADMIN_KEY=$ADMIN_KEY"
  )
  local assignment
  while IFS= read -r assignment; do
    export "${assignment?}"
  done <<<"$settings"
  export E2E_WORK_DIR="$work"

  log "running the suite"
  (cd "$repo_root" && GOPROXY=off go test -tags e2e -count=1 -v -timeout 15m "$@" ./e2e/...)
}

if [[ ${1:-} == --in-namespace ]]; then
  shift
  in_namespace "$@"
else
  main "$@"
fi
