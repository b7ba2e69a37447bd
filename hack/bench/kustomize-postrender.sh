#!/usr/bin/env bash
# Helm post-renderer that applies the IRSA changes with kustomize, the way
# kustomize is usually wired into Helm: write the rendered manifests from
# stdin to a file, list that file as the resource of a kustomization and
# print `kustomize build`. The patches are in kustomization.yaml next to this
# script. KUSTOMIZE overrides the binary (default: bin/kustomize).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kustomize=${KUSTOMIZE:-$here/../../bin/kustomize}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/all.yaml"
cp "$here/kustomization.yaml" "$work/kustomization.yaml"
"$kustomize" build "$work"
