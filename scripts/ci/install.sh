#!/usr/bin/env bash
# Installs everything ShopScope's tests need on a Debian machine, idempotently:
#   - Debian packages: MariaDB (throwaway test databases), Chromium (browser tests), the
#     shell linter; the Docker Engine (docker.io with containerd and runc, not started here:
#     tests/compose/engine.sh starts its own), iptables for its networks, and debootstrap
#     for the base image of the compose rehearsal
#   - Node 24 LTS from the npm registry's binary package, cached by version outside the repo
#   - the workspace's npm packages (npm ci)
# Source it to get Node 24 on PATH in the calling shell:  source scripts/ci/install.sh
# Needs root (or sudo) for apt-get; everything else goes to $SHOPSCOPE_CACHE.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# shellcheck source=scripts/ci/node.sh
source "$repo_root/scripts/ci/node.sh"

log() { printf '[install] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
  [ -x /usr/bin/containerd ] || missing+=(containerd)
  [ -x /usr/sbin/runc ] || missing+=(runc)
  [ -x /usr/sbin/iptables ] || missing+=(iptables)
  [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages already present"
    return
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  # Installing mariadb-server or docker.io must not start a system-wide server: tests start
  # their own.
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_npm_packages() {
  log "npm ci"
  (cd "$repo_root" && npm ci --no-audit --no-fund --loglevel=error)
}

install_debian_packages
use_node_24
install_npm_packages
