#!/usr/bin/env bash
# Render the stand-in chart charts/ci-runner-worker for each known case of the
# public chart's `helm template` output and diff the result against it.
#
# Usage: hack/diff-cases.sh CASES_DIR [HELM]
#   CASES_DIR  folder with default.yaml, no-dind-annotated-sa.yaml, metrics.yaml
#              and external-sa.yaml, rendered from the public chart 0.0.24
#   HELM       Helm binary to render with (default: bin/helm3)
#
# The stand-in's chart version is 0.0.24-standin. To compare byte for byte,
# the script renders a temporary copy of the chart whose version is set to
# 0.0.24, so the helm.sh/chart label and the checksum/config annotation match
# too. It exits 1 when any case differs and prints the diffs.
set -euo pipefail

if (($# < 1 || $# > 2)); then
  echo "usage: hack/diff-cases.sh CASES_DIR [HELM]" >&2
  exit 2
fi
cases_dir=$1
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
helm=${2:-$repo_root/bin/helm3}
if [[ ! -x $helm ]]; then
  echo "diff-cases.sh: Helm binary $helm not found; run hack/tools.sh helm3 first" >&2
  exit 2
fi

work_dir=$(mktemp -d)
trap 'rm -rf "$work_dir"' EXIT

chart="$work_dir/ci-runner-worker"
cp -r "$repo_root/charts/ci-runner-worker" "$chart"
sed -i 's/^version: .*/version: 0.0.24/' "$chart/Chart.yaml"

# Keep Helm away from the caller's Helm homes.
export HELM_CONFIG_HOME="$work_dir/helm/config"
export HELM_CACHE_HOME="$work_dir/helm/cache"
export HELM_DATA_HOME="$work_dir/helm/data"

# case name, release, namespace, then --set arguments
cases=(
  "default runner firefly"
  "no-dind-annotated-sa ci-runner-worker ci customImage.enabled=false,serviceAccount.annotations.team=platform,repository.tag=v0.6.26"
  "metrics runner firefly metrics.enabled=true,metrics.serviceMonitor.enabled=true"
  "external-sa runner firefly serviceAccount.create=false"
)

failed=0
for entry in "${cases[@]}"; do
  read -r name release namespace set_values <<<"$entry"
  args=(template "$release" "$chart" --namespace "$namespace")
  [[ -n ${set_values:-} ]] && args+=(--set "$set_values")
  "$helm" "${args[@]}" >"$work_dir/$name.yaml"
  if diff -u "$cases_dir/$name.yaml" "$work_dir/$name.yaml"; then
    echo "$name: identical"
  else
    echo "$name: differs"
    failed=1
  fi
done
exit "$failed"
