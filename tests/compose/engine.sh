#!/usr/bin/env bash
# The Docker Engine of the compose rehearsal: Debian's dockerd (with containerd and runc),
# started as root with its own data root, exec root and socket, so that it never touches a
# Docker the machine may already run. Images and volumes live in the data root under the
# tool cache, so a second run finds the images the first one built.
#
#   tests/compose/engine.sh start    start dockerd (if not running) and wait until it answers
#   tests/compose/engine.sh stop     stop it (containers first) and wait until it has exited
#   tests/compose/engine.sh env      print DOCKER_HOST and DOCKER_CONFIG lines to eval
#   tests/compose/engine.sh status   exit 0 if it answers
#
# DOCKER_CONFIG points at a folder whose cli-plugins/docker-compose is the Compose CLI that
# scripts/ci/build-tools.sh built, so `docker compose` is the pinned release.
# Published ports are bound to 127.0.0.1 by docker-compose.yml itself; containers reach
# each other on the compose network.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHOPSCOPE_CACHE="${SHOPSCOPE_CACHE:-/opt/shopscope-cache}"
# SHOPSCOPE_DOCKER_DIR: another data root, e.g. an empty one to time a cold start.
engine_dir="${SHOPSCOPE_DOCKER_DIR:-$SHOPSCOPE_CACHE/docker}"
# Unix socket paths are limited to ~108 bytes: the exec root stays short and off the cache.
run_dir="${SHOPSCOPE_DOCKER_RUN_DIR:-/run/shopscope-docker}"
socket="$run_dir/docker.sock"
pidfile="$run_dir/dockerd.pid"
log_file="$engine_dir/dockerd.log"
export DOCKER_HOST="unix://$socket"
export DOCKER_CONFIG="$engine_dir/config"

log() { printf '[engine] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

setup_cli() {
  local compose
  compose="$(bash "$repo_root/scripts/ci/build-tools.sh" --print-env | sed -n 's/^SHOPSCOPE_COMPOSE=//p')"
  [ -x "$compose" ] || die "the Compose CLI is not built ($compose): run scripts/ci/build-tools.sh compose"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  ln -sf "$compose" "$DOCKER_CONFIG/cli-plugins/docker-compose"
}

# overlay2 where the kernel and the backing file system allow it; vfs (slow, but works
# everywhere) otherwise. The choice is remembered: a data root cannot change driver.
storage_driver() {
  local chosen="$engine_dir/storage-driver"
  if [ -f "$chosen" ]; then cat "$chosen"; return; fi
  local probe driver=vfs
  probe="$(mktemp -d "$engine_dir/overlay-probe.XXXXXX")"
  mkdir -p "$probe"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    driver=overlay2
  fi
  rm -rf "$probe"
  printf '%s\n' "$driver" >"$chosen"
  printf '%s' "$driver"
}

start() {
  [ "$(id -u)" -eq 0 ] || die "dockerd must start as root"
  command -v dockerd >/dev/null || PATH="$PATH:/usr/sbin:/sbin"
  command -v dockerd >/dev/null || die "dockerd is not installed (scripts/ci/install.sh installs docker.io)"
  mkdir -p "$engine_dir/data" "$run_dir"
  setup_cli
  if answers; then
    log "dockerd already answers on $socket"
    return 0
  fi
  local driver
  driver="$(storage_driver)"
  log "starting dockerd (storage driver $driver, data root $engine_dir/data)"
  # setsid: the daemon must not die with the shell or test runner that started it.
  setsid dockerd \
    --data-root "$engine_dir/data" \
    --exec-root "$run_dir/exec" \
    --host "$DOCKER_HOST" \
    --pidfile "$pidfile" \
    --storage-driver "$driver" \
    --log-level warn \
    >>"$log_file" 2>&1 </dev/null &
  local i
  for i in $(seq 1 60); do
    if answers; then
      log "dockerd $(docker version --format '{{.Server.Version}}') answers after ${i}s"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$log_file" >&2 || true
  die "dockerd did not answer within 60 s (log: $log_file)"
}

stop() {
  if answers; then
    local running
    running="$(docker ps -q)"
    # shellcheck disable=SC2086 # one id per word
    [ -z "$running" ] || docker stop --time 10 $running >/dev/null || true
  fi
  [ -f "$pidfile" ] || { log "dockerd is not running"; return 0; }
  local pid i
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || { log "dockerd stopped"; return 0; }
    sleep 1
  done
  kill -9 "$pid" 2>/dev/null || true
  log "dockerd killed after 30 s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  env) printf 'export DOCKER_HOST=%q\nexport DOCKER_CONFIG=%q\n' "$DOCKER_HOST" "$DOCKER_CONFIG" ;;
  *) die "usage: $0 start|stop|status|env" ;;
esac
