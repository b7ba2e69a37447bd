#!/usr/bin/env bash
# Start a throwaway Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver
# and kube-controller-manager, built by hack/controlplane/build.sh into bin/.
# There is no scheduler and no kubelet, so Pods are created and stay Pending.
#
# Usage: hack/controlplane/up.sh DIR
#
# DIR must be missing, empty, or a folder that an earlier up.sh created and
# down.sh stopped. up.sh writes fresh certificates, etcd data and logs there.
# The files for callers are:
#   DIR/kubeconfig   admin kubeconfig, context "e2e", server https://127.0.0.1:PORT
#   DIR/env          shell variables: PIDs, URLs and certificate paths
#   DIR/*.log        etcd.log, kube-apiserver.log, kube-controller-manager.log
# Every port is a free one on 127.0.0.1, so several control planes can run at
# once. Stop it with hack/controlplane/down.sh DIR.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)
bin_dir="$repo_root/bin"
readonly MARKER=.irsa-render-controlplane
readonly CERT_DAYS=7

log() {
  printf 'up.sh: %s\n' "$*" >&2
}

# Print a port on 127.0.0.1 that nothing listens on and that this script has
# not handed out yet. Another process can still take it before the server
# binds it, in which case that server fails to start and up.sh reports it.
declare -a taken_ports=()
free_port() {
  local port attempt
  for ((attempt = 0; attempt < 200; attempt++)); do
    port=$((20000 + RANDOM % 40000))
    [[ " ${taken_ports[*]} " == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken_ports+=("$port")
      echo "$port"
      return 0
    fi
  done
  log "no free port found on 127.0.0.1 after 200 attempts"
  return 1
}

# Create the CA, the serving certificate for 127.0.0.1, the admin client
# certificate and the service account key pair under $pki.
write_certificates() {
  local pki=$1
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -keyout ca.key -out ca.crt -days "$CERT_DAYS" -subj "/CN=irsa-render-e2e-ca" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

    issue_certificate server "/CN=kube-apiserver" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature"
    # The API server authorizes every request from the group system:masters.
    issue_certificate admin "/O=system:masters/CN=e2e-admin" \
      "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"

    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    chmod 644 ca.crt server.crt admin.crt sa.pub
  )
}

# Issue NAME.crt and NAME.key, signed by ca.crt, with SUBJECT and the given
# extension lines. Runs inside the pki folder.
issue_certificate() {
  local name=$1 subject=$2 extensions=$3
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$name.key" -out "$name.csr" -subj "$subject" 2>/dev/null
  printf '%s\n' "$extensions" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key \
    -set_serial "0x$(openssl rand -hex 16)" -days "$CERT_DAYS" \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

# Write a kubeconfig for the admin client certificate with the certificates
# embedded, so the file works when copied elsewhere.
write_kubeconfig() {
  local path=$1 server=$2 pki=$3
  (
    umask 077
    cat >"$path" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: e2e
    cluster:
      server: $server
      certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
  - name: e2e-admin
    user:
      client-certificate-data: $(base64 -w0 <"$pki/admin.crt")
      client-key-data: $(base64 -w0 <"$pki/admin.key")
contexts:
  - name: e2e
    context:
      cluster: e2e
      user: e2e-admin
current-context: e2e
EOF
  )
}

# Start the command that follows LOG_FILE and PID_FILE in its own session, with
# stdin closed and output in LOG_FILE, and print its PID. The process keeps
# running after up.sh exits.
start_process() {
  local log_file=$1 pid_file=$2
  shift 2
  # The inner shell writes its own PID and then becomes the binary, so the
  # PID file is right even when setsid has to fork.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$@" </dev/null >"$log_file" 2>&1 &
  local attempt
  for ((attempt = 0; attempt < 50; attempt++)); do
    [[ -s $pid_file ]] && break
    sleep 0.1
  done
  if [[ ! -s $pid_file ]]; then
    log "$1 did not start; see $log_file"
    return 1
  fi
  cat "$pid_file"
}

# Poll until CHECK (a command) succeeds, PID dies, or TIMEOUT seconds pass.
wait_until() {
  local name=$1 pid=$2 timeout=$3 log_file=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name (PID $pid) exited during startup; last lines of $log_file:"
      tail -n 20 "$log_file" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "$name was not ready after ${timeout}s; last lines of $log_file:"
      tail -n 20 "$log_file" >&2
      return 1
    fi
    sleep 0.2
  done
}

# Check that DIR can be used and clear what an earlier run left in it.
prepare_dir() {
  local dir=$1
  if [[ -e $dir && ! -d $dir ]]; then
    log "$dir exists and is not a folder"
    return 1
  fi
  mkdir -p "$dir"
  if [[ -n $(ls -A "$dir") && ! -f $dir/$MARKER ]]; then
    log "$dir is not empty and was not created by up.sh; pass a new or empty folder"
    return 1
  fi
  if [[ -f $dir/env ]]; then
    local pid
    for pid in $(sed -n 's/^[A-Z_]*_PID=\([0-9]*\)$/\1/p' "$dir/env"); do
      if kill -0 "$pid" 2>/dev/null; then
        log "a control plane from $dir is still running (PID $pid); run hack/controlplane/down.sh $dir first"
        return 1
      fi
    done
  fi
  rm -rf "${dir:?}/pki" "$dir/etcd-data" "$dir/kube-apiserver-certs" "$dir/run" \
    "$dir/kubeconfig" "$dir/env" "$dir"/*.log
  touch "$dir/$MARKER"
}

# Stop what has started so far when up.sh exits before the control plane is
# ready.
ready=false
stop_on_failure() {
  if [[ $ready != true ]]; then
    log "startup failed; stopping what was started"
    "$script_dir/down.sh" "$dir" >&2 || true
  fi
}

# Write DIR/env. It is rewritten after each start so that down.sh finds every
# process that is running, even when a later start fails.
write_env() {
  cat >"$dir/env.tmp" <<EOF
# Written by hack/controlplane/up.sh; read by hack/controlplane/down.sh.
ETCD_PID=${etcd_pid:-}
KUBE_APISERVER_PID=${apiserver_pid:-}
KUBE_CONTROLLER_MANAGER_PID=${controller_manager_pid:-}
ETCD_URL=$etcd_url
KUBE_APISERVER_URL=$apiserver_url
KUBE_CONTROLLER_MANAGER_URL=$controller_manager_url
KUBECONFIG=$dir/kubeconfig
CA_CERT=$pki/ca.crt
ADMIN_CERT=$pki/admin.crt
ADMIN_KEY=$pki/admin.key
EOF
  mv -f "$dir/env.tmp" "$dir/env"
}

main() {
  if (($# != 1)); then
    echo "usage: hack/controlplane/up.sh DIR" >&2
    return 2
  fi
  local binary
  for binary in etcd kube-apiserver kube-controller-manager; do
    if [[ ! -x $bin_dir/$binary ]]; then
      log "bin/$binary not found; run hack/controlplane/build.sh first"
      return 1
    fi
  done

  prepare_dir "$1"
  dir=$(cd "$1" && pwd)
  pki="$dir/pki"
  local run="$dir/run"
  mkdir -p "$run"
  local started=$SECONDS
  trap stop_on_failure EXIT

  write_certificates "$pki"

  local etcd_peer_port controller_manager_port
  etcd_url="http://127.0.0.1:$(free_port)"
  etcd_peer_port=$(free_port)
  apiserver_url="https://127.0.0.1:$(free_port)"
  controller_manager_port=$(free_port)
  controller_manager_url="https://127.0.0.1:$controller_manager_port"

  # --unsafe-no-fsync trades durability for speed, which is fine because the
  # data is thrown away.
  etcd_pid=$(start_process "$dir/etcd.log" "$run/etcd.pid" "$bin_dir/etcd" \
    --name=e2e \
    --data-dir="$dir/etcd-data" \
    --listen-client-urls="$etcd_url" \
    --advertise-client-urls="$etcd_url" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="e2e=http://127.0.0.1:$etcd_peer_port" \
    --unsafe-no-fsync \
    --log-level=warn)
  write_env
  wait_until etcd "$etcd_pid" 30 "$dir/etcd.log" curl -fsS "$etcd_url/health"

  # One API server on loopback. --allow-privileged=true admits the chart's
  # privileged Docker-in-Docker sidecar, and the default admission plugins
  # stay on.
  apiserver_pid=$(start_process "$dir/kube-apiserver.log" "$run/kube-apiserver.pid" \
    "$bin_dir/kube-apiserver" \
    --etcd-servers="$etcd_url" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --secure-port="${apiserver_url##*:}" \
    --cert-dir="$dir/kube-apiserver-certs" \
    --tls-cert-file="$pki/server.crt" \
    --tls-private-key-file="$pki/server.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=RBAC \
    --endpoint-reconciler-type=none \
    --allow-privileged=true)
  write_env
  wait_until kube-apiserver "$apiserver_pid" 90 "$dir/kube-apiserver.log" \
    curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "$apiserver_url/readyz"

  write_kubeconfig "$dir/kubeconfig" "$apiserver_url" "$pki"

  # The controller manager runs every controller that is on by default, with
  # the admin certificate for all of them and no leader election.
  controller_manager_pid=$(start_process "$dir/kube-controller-manager.log" \
    "$run/kube-controller-manager.pid" "$bin_dir/kube-controller-manager" \
    --kubeconfig="$dir/kubeconfig" \
    --authentication-kubeconfig="$dir/kubeconfig" \
    --authorization-kubeconfig="$dir/kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$controller_manager_port" \
    --tls-cert-file="$pki/server.crt" \
    --tls-private-key-file="$pki/server.key" \
    --controllers='*' \
    --use-service-account-credentials=false \
    --leader-elect=false \
    --root-ca-file="$pki/ca.crt" \
    --service-account-private-key-file="$pki/sa.key" \
    --cluster-signing-cert-file="$pki/ca.crt" \
    --cluster-signing-key-file="$pki/ca.key")
  write_env
  wait_until kube-controller-manager "$controller_manager_pid" 60 \
    "$dir/kube-controller-manager.log" \
    curl -fsS --cacert "$pki/ca.crt" "$controller_manager_url/healthz"

  ready=true
  log "control plane ready at $apiserver_url in $((SECONDS - started))s; kubeconfig $dir/kubeconfig"
}

main "$@"
