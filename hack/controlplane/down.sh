#!/usr/bin/env bash
# Stop a control plane that hack/controlplane/up.sh started in DIR.
#
# Usage: hack/controlplane/down.sh DIR [--remove]
#   --remove  delete DIR after the processes have stopped
#
# The processes stop in the reverse order of their start: kube-controller-manager,
# then kube-apiserver, then etcd. An API server whose etcd is already gone keeps
# retrying for over a minute before it exits. Each process gets SIGTERM and,
# if it is still running after its grace period, SIGKILL. Running down.sh on a
# stopped or half-started control plane is safe.
set -euo pipefail

readonly MARKER=.irsa-render-controlplane

log() {
  printf 'down.sh: %s\n' "$*" >&2
}

# Stop PID if its executable is named NAME: SIGTERM, wait up to GRACE seconds,
# then SIGKILL and wait up to 5 more seconds. The name check keeps a reused PID
# of an unrelated process safe.
stop_process() {
  local name=$1 pid=$2 grace=$3
  [[ -n $pid ]] || return 0
  if ! kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  local executable
  executable=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  # A binary rebuilt while the process runs shows as "PATH (deleted)".
  executable=${executable% (deleted)}
  if [[ ${executable##*/} != "$name" ]]; then
    log "PID $pid is not $name (it runs \"${executable:-unknown}\"), leaving it alone"
    return 0
  fi

  local started=$SECONDS
  kill -TERM "$pid" 2>/dev/null || true
  if wait_for_exit "$pid" "$grace"; then
    log "stopped $name (PID $pid) in $((SECONDS - started))s"
    return 0
  fi
  log "$name (PID $pid) still running after ${grace}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  if wait_for_exit "$pid" 5; then
    return 0
  fi
  log "$name (PID $pid) did not exit after SIGKILL"
  return 1
}

# Wait until PID is gone, polling every 0.1 s. The processes are not children
# of this script, so `wait` cannot be used.
wait_for_exit() {
  local pid=$1 timeout=$2
  local attempts=$((timeout * 10)) attempt
  for ((attempt = 0; attempt < attempts; attempt++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  ! kill -0 "$pid" 2>/dev/null
}

main() {
  local dir="" remove=false arg
  for arg in "$@"; do
    case $arg in
      --remove) remove=true ;;
      -*)
        echo "usage: hack/controlplane/down.sh DIR [--remove]" >&2
        return 2
        ;;
      *)
        if [[ -n $dir ]]; then
          echo "usage: hack/controlplane/down.sh DIR [--remove]" >&2
          return 2
        fi
        dir=$arg
        ;;
    esac
  done
  if [[ -z $dir ]]; then
    echo "usage: hack/controlplane/down.sh DIR [--remove]" >&2
    return 2
  fi
  if [[ ! -d $dir ]]; then
    log "$dir not found; nothing to stop"
    return 0
  fi
  if [[ ! -f $dir/$MARKER ]]; then
    log "$dir was not created by hack/controlplane/up.sh, so nothing was stopped or removed"
    return 1
  fi

  local ETCD_PID="" KUBE_APISERVER_PID="" KUBE_CONTROLLER_MANAGER_PID=""
  if [[ -f $dir/env ]]; then
    # shellcheck disable=SC1091
    source "$dir/env"
  fi

  local failed=0
  stop_process kube-controller-manager "$KUBE_CONTROLLER_MANAGER_PID" 15 || failed=1
  stop_process kube-apiserver "$KUBE_APISERVER_PID" 30 || failed=1
  stop_process etcd "$ETCD_PID" 15 || failed=1
  if ((failed)); then
    log "some processes did not stop; $dir is kept"
    return 1
  fi

  if [[ $remove == true ]]; then
    rm -rf "$dir"
    log "removed $dir"
  fi
}

main "$@"
