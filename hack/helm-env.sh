# Source this file to give the pinned Helm binaries separate homes, so that a
# plugin, repository or registry login made with one Helm major version is
# never seen by the other.
#
# Usage (bash or zsh):
#   source hack/helm-env.sh          # defines the shell functions helm3 and helm4
#   source hack/helm-env.sh helm4    # also exports the HELM_* variables for helm4
# A file sourced without arguments receives the arguments of the script that
# sources it. Inside a script, pass "" or a version.
#
# The functions run bin/helm3 and bin/helm4 (built by hack/tools.sh) with
# these folders, created on first use:
#   bin/helm3-home/{config,cache,data,data/plugins}
#   bin/helm4-home/{config,cache,data,data/plugins}
# With an argument, the script exports HELM_CONFIG_HOME, HELM_CACHE_HOME,
# HELM_DATA_HOME and HELM_PLUGINS for that version into the current shell,
# for programs that run the Helm binary themselves. Both Helm versions read
# the same variable names, so a shell can hold the homes of one version only.
# Both ways unset HELM_REPOSITORY_CONFIG, HELM_REPOSITORY_CACHE and
# HELM_REGISTRY_CONFIG, which would otherwise point both versions at one file.

if [ -n "${BASH_SOURCE:-}" ]; then
  IRSA_RENDER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
else
  # zsh sets $0 to the sourced file.
  IRSA_RENDER_ROOT=$(cd "$(dirname "$0")/.." && pwd)
fi

# Export the HELM_* variables for helm3 or helm4 into the current shell.
irsa_render_export_helm_env() {
  local assignment
  while IFS= read -r assignment; do
    export "$assignment"
  done < <(irsa_render_helm_env "$1")
  unset HELM_REPOSITORY_CONFIG HELM_REPOSITORY_CACHE HELM_REGISTRY_CONFIG
}

# Print the HELM_* assignments for helm3 or helm4, one NAME=VALUE a line.
irsa_render_helm_env() {
  local home="$IRSA_RENDER_ROOT/bin/$1-home"
  # Helm 4 installs plugins into $HELM_DATA_HOME/plugins regardless of
  # HELM_PLUGINS, but looks them up in HELM_PLUGINS, so both name one
  # folder.
  mkdir -p "$home/config" "$home/cache" "$home/data/plugins"
  printf '%s\n' \
    "HELM_CONFIG_HOME=$home/config" \
    "HELM_CACHE_HOME=$home/cache" \
    "HELM_DATA_HOME=$home/data" \
    "HELM_PLUGINS=$home/data/plugins"
}

helm3() {
  (
    irsa_render_export_helm_env helm3
    exec "$IRSA_RENDER_ROOT/bin/helm3" "$@"
  )
}

helm4() {
  (
    irsa_render_export_helm_env helm4
    exec "$IRSA_RENDER_ROOT/bin/helm4" "$@"
  )
}

case "${1:-}" in
  helm3 | helm4)
    irsa_render_export_helm_env "$1"
    ;;
  "") ;;
  *)
    echo "helm-env.sh: unknown Helm version \"$1\"; expected helm3 or helm4" >&2
    return 2 2>/dev/null || exit 2
    ;;
esac
