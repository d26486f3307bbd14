#!/usr/bin/env bash
# Builds, from the Go module proxy, the real binaries the tests run, at exactly the
# versions docker-compose.yml pins (read from .env.example):
#
#   otelcol-shopscope   the OpenTelemetry Collector, built by the collector builder (ocb)
#                       from otel-collector/builder-config.yaml
#   prometheus, promtool
#   alertmanager, amtool
#   jaeger              (v2; module v1.75.0 is the source of Jaeger v2.12.0)
#   mailpit             the mail catcher Alertmanager sends its notifications to
#   docker-compose      the Compose CLI plugin (module github.com/docker/compose/v5)
#   stack-check         tests/stack/stack-check: Compose file loading and validation with
#                       compose-go (the library inside `docker compose`), YAML to JSON
#
# Never built here: k6, Loki and Grafana. Their sources are under the AGPL, which this
# project does not build or run; learners pull their official images, and the tests prove
# what touches them another way (tests/stack/README.md).
#
# Each release is built the way its own repository builds it: `go build` of its main
# packages with the module as the main module (a copy of the module zip from the proxy),
# so its go.mod replace directives and its go.sum apply. (`go install module@version`
# refuses modules with replace directives — Prometheus, Jaeger — and looks up deprecation
# notices in the proxy's version list, which may be missing; Compose's go.mod has exclude
# directives.) The collector is the exception: the builder generates its main module from
# builder-config.yaml.
#
# Each tool goes to $SHOPSCOPE_CACHE/tools/<name>-<version>/bin/, outside the repository.
# A directory that already holds a working binary is skipped, so a second run does nothing;
# a build is written to a temporary directory and renamed only when it succeeded.
# Builds run at the lowest CPU priority, one package at a time (GOFLAGS=-p=1), so that a
# 2-core machine stays usable for the other test suites while this runs (~30-60 min cold).
#
# Usage:
#   scripts/ci/build-tools.sh                 build everything missing
#   scripts/ci/build-tools.sh otelcol jaeger  build only the named tools (otelcol, prometheus,
#                                             alertmanager, jaeger, mailpit, compose,
#                                             stack_check)
#   scripts/ci/build-tools.sh --print-env     print SHOPSCOPE_<TOOL>=<path> lines (no build)
#
# Environment: SHOPSCOPE_CACHE (default /opt/shopscope-cache), GOPROXY (default: the public
# proxy, never a VCS host), SHOPSCOPE_GO_JOBS (parallel package builds, default 1).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHOPSCOPE_CACHE="${SHOPSCOPE_CACHE:-/opt/shopscope-cache}"
tools_dir="$SHOPSCOPE_CACHE/tools"
env_file="$repo_root/.env.example"
manifest="$repo_root/otel-collector/builder-config.yaml"

log() { printf '[build-tools] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# One source of versions: the KEY=value lines of .env.example.
version_of() {
  local value
  value="$(sed -n "s/^$1=//p" "$env_file" | tail -n 1)"
  [ -n "$value" ] || die "$1 is not set in $env_file"
  printf '%s' "$value"
}

OTELCOL_VERSION="$(version_of OTELCOL_VERSION)"
PROMETHEUS_VERSION="$(version_of PROMETHEUS_VERSION)"
ALERTMANAGER_VERSION="$(version_of ALERTMANAGER_VERSION)"
JAEGER_VERSION="$(version_of JAEGER_VERSION)"
JAEGER_GO_MODULE_VERSION="$(version_of JAEGER_GO_MODULE_VERSION)"
MAILPIT_VERSION="$(version_of MAILPIT_VERSION)"
# The Compose CLI is a tool of the tests (and of every learner's Docker), not an image of
# the stack: its version lives here. v5.6.0 is the newest release this machine's Go builds.
COMPOSE_VERSION="${COMPOSE_VERSION:-5.6.0}"

# Prometheus 3.x.y is published as Go module version v0.3xx.y (3.15.0 → v0.315.0).
prometheus_module_version() {
  local major minor patch
  IFS=. read -r major minor patch <<<"$1"
  printf 'v0.%d%02d.%d' "$major" "$minor" "$patch"
}

# The collector build is keyed by version and by the manifest's module list: adding a
# component to builder-config.yaml must produce a new binary (editing a comment need not).
manifest_key() { grep -E '^[[:space:]]*(- gomod|version):' "$manifest" | sha256sum | cut -c1-12; }

otelcol_dir() { printf '%s/otelcol-%s-%s' "$tools_dir" "$OTELCOL_VERSION" "$(manifest_key)"; }
prometheus_dir() { printf '%s/prometheus-%s' "$tools_dir" "$PROMETHEUS_VERSION"; }
alertmanager_dir() { printf '%s/alertmanager-%s' "$tools_dir" "$ALERTMANAGER_VERSION"; }
jaeger_dir() { printf '%s/jaeger-%s' "$tools_dir" "$JAEGER_VERSION"; }
mailpit_dir() { printf '%s/mailpit-%s' "$tools_dir" "$MAILPIT_VERSION"; }
compose_dir() { printf '%s/compose-%s' "$tools_dir" "$COMPOSE_VERSION"; }
# Our own small program: keyed by the hash of its sources and module files.
stack_check_src="$repo_root/tests/stack/stack-check"
stack_check_dir() {
  printf '%s/stack-check-%s' "$tools_dir" \
    "$(cat "$stack_check_src"/go.mod "$stack_check_src"/go.sum "$stack_check_src"/*.go | sha256sum | cut -c1-12)"
}

print_env() {
  printf 'SHOPSCOPE_OTELCOL=%s/bin/otelcol-shopscope\n' "$(otelcol_dir)"
  printf 'SHOPSCOPE_PROMETHEUS=%s/bin/prometheus\n' "$(prometheus_dir)"
  printf 'SHOPSCOPE_PROMTOOL=%s/bin/promtool\n' "$(prometheus_dir)"
  printf 'SHOPSCOPE_ALERTMANAGER=%s/bin/alertmanager\n' "$(alertmanager_dir)"
  printf 'SHOPSCOPE_AMTOOL=%s/bin/amtool\n' "$(alertmanager_dir)"
  printf 'SHOPSCOPE_JAEGER=%s/bin/jaeger\n' "$(jaeger_dir)"
  printf 'SHOPSCOPE_MAILPIT=%s/bin/mailpit\n' "$(mailpit_dir)"
  printf 'SHOPSCOPE_COMPOSE=%s/bin/docker-compose\n' "$(compose_dir)"
  printf 'SHOPSCOPE_STACK_CHECK=%s/bin/stack-check\n' "$(stack_check_dir)"
}

# --- Go environment ------------------------------------------------------------------
setup_go() {
  command -v go >/dev/null 2>&1 || die "Go is not installed (Go >= 1.26 is needed)"
  # Modules come from the proxy only: no VCS host is contacted.
  export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
  # Use the installed Go; never download another toolchain behind the user's back.
  export GOTOOLCHAIN=local
  # Static binaries: nothing here needs cgo, and static ones run on any Linux.
  export CGO_ENABLED=0
  # A release's module zip may carry a go.work naming modules the zip does not contain
  # (Prometheus's names ./compliance): build each release from its own go.mod alone.
  export GOWORK=off
  export GOFLAGS="${GOFLAGS:-} -p=${SHOPSCOPE_GO_JOBS:-1} -trimpath"
  mkdir -p "$tools_dir"
}

# Every compiler process inherits the lowest priority from here.
go_nice() { nice -n 19 go "$@"; }

# Copies the source of <module>@<version> (downloaded through the proxy) to "$1.work/src",
# writable, and prints that directory.
module_source() {
  local out="$1" module="$2" version="$3" dir
  dir="$(go_nice mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "could not download $module@$version"
  mkdir -p "$out.work"
  cp -R "$dir" "$out.work/src"
  chmod -R u+w "$out.work/src"
  printf '%s' "$out.work/src"
}

# Builds main packages of a module as the main module, into "$1/bin".
# Usage: build_main_packages <out dir> <source dir> <ldflags> <package>...
build_main_packages() {
  local out="$1" src="$2" ldflags="$3"
  shift 3
  log "  go build $*"
  (cd "$src" && go_nice build -ldflags "$ldflags" -o "$out/bin/" "$@")
}

# ldflags for binaries that report their version through prometheus/common/version.
prometheus_version_ldflags() {
  local v="github.com/prometheus/common/version"
  printf -- '-s -w -X %s.Version=%s -X %s.Revision=%s -X %s.Branch=release -X %s.BuildUser=shopscope-build-tools -X %s.BuildDate=%s' \
    "$v" "$1" "$v" "$2" "$v" "$v" "$v" "$(date -u +%Y%m%d-%H:%M:%S)"
}

# --- the tools -------------------------------------------------------------------------
build_otelcol() {
  local out="$1" ocb_dir="$tools_dir/ocb-$OTELCOL_VERSION" work="$1.work"
  local manifest_version
  manifest_version="$(sed -n 's/^  version: //p' "$manifest" | head -n 1)"
  [ "$manifest_version" = "$OTELCOL_VERSION" ] ||
    die "otel-collector/builder-config.yaml is at $manifest_version but .env.example pins $OTELCOL_VERSION"
  if [ ! -x "$ocb_dir/builder" ]; then
    log "  go install go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
    mkdir -p "$ocb_dir"
    GOBIN="$ocb_dir" go_nice install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
  fi
  mkdir -p "$work"
  # Same manifest, with the generated sources and the binary going to a scratch directory.
  sed "s|^  output_path: .*|  output_path: $work/src|" "$manifest" >"$work/manifest.yaml"
  log "  builder --config builder-config.yaml (this is the long one)"
  nice -n 19 "$ocb_dir/builder" --config "$work/manifest.yaml" --ldflags '-s -w'
  mv "$work/src/otelcol-shopscope" "$out/bin/otelcol-shopscope"
  cp "$manifest" "$out/builder-config.yaml"
}

build_prometheus() {
  local version src
  version="$(prometheus_module_version "$PROMETHEUS_VERSION")"
  src="$(module_source "$1" github.com/prometheus/prometheus "$version")"
  build_main_packages "$1" "$src" "$(prometheus_version_ldflags "$PROMETHEUS_VERSION" "$version")" \
    ./cmd/prometheus ./cmd/promtool
}

# Alertmanager's ui/web.go embeds the compiled web UI (ui/app/dist), a build product that
# the module zip does not contain: a one-page placeholder stands in for it. Everything else
# (API, routing, inhibition, notifications, amtool) is the release's code.
build_alertmanager() {
  local src
  src="$(module_source "$1" github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION")"
  mkdir -p "$src/ui/app/dist"
  printf '<!doctype html><title>Alertmanager</title><p>This build has no web UI; the API is at <a href="api/v2/status">api/v2</a>.\n' \
    >"$src/ui/app/dist/index.html"
  build_main_packages "$1" "$src" "$(prometheus_version_ldflags "$ALERTMANAGER_VERSION" "v$ALERTMANAGER_VERSION")" \
    ./cmd/alertmanager ./cmd/amtool
}

# Jaeger's UI (cmd/query/app/ui/actual) is a build product missing from the module zip
# too; with the directory empty Jaeger serves its own placeholder page, the API is whole.
build_jaeger() {
  local v="github.com/jaegertracing/jaeger/internal/version" src
  src="$(module_source "$1" github.com/jaegertracing/jaeger "$JAEGER_GO_MODULE_VERSION")"
  mkdir -p "$src/cmd/query/app/ui/actual"
  printf 'UI assets are not part of this build.\n' >"$src/cmd/query/app/ui/actual/README.txt"
  build_main_packages "$1" "$src" \
    "-s -w -X $v.latestVersion=v$JAEGER_VERSION -X $v.commitSHA=$JAEGER_GO_MODULE_VERSION" ./cmd/jaeger
}

# Mailpit's web UI (server/ui/dist) is built by npm in its release pipeline and missing
# from the module zip: the embedded directory holds the rest, so the API, SMTP server and
# the `readyz` health command are the release's own, and the UI page is empty.
build_mailpit() {
  local src
  src="$(module_source "$1" github.com/axllent/mailpit "v$MAILPIT_VERSION")"
  build_main_packages "$1" "$src" "-s -w -X github.com/axllent/mailpit/config.Version=v$MAILPIT_VERSION" .
}

# The Compose CLI plugin, as Docker installs it: cli-plugins/docker-compose.
build_compose() {
  local src
  src="$(module_source "$1" github.com/docker/compose/v5 "v$COMPOSE_VERSION")"
  (cd "$src" && go_nice build -ldflags "-s -w -X github.com/docker/compose/v5/internal.Version=v$COMPOSE_VERSION" \
    -o "$1/bin/docker-compose" ./cmd)
}

build_stack_check() {
  (cd "$stack_check_src" && go_nice build -ldflags '-s -w' -o "$1/bin/stack-check" .)
}

# How each tool reports its version (proves the binary runs).
version_command() {
  case "$1" in
    otelcol) echo "otelcol-shopscope --version" ;;
    prometheus) echo "prometheus --version" ;;
    alertmanager) echo "alertmanager --version" ;;
    jaeger) echo "jaeger version" ;;
    mailpit) echo "mailpit version --no-release-check" ;;
    compose) echo "docker-compose version" ;;
    stack_check) echo "stack-check version" ;;
  esac
}

# Runs in a subshell with errexit on (see main): any failing step ends the build of this
# tool, and the EXIT trap removes its half-built directories.
ensure() {
  local name="$1" dir partial cmd=()
  dir="$("${name}_dir")"
  read -ra cmd <<<"$(version_command "$name")"
  if [ -x "$dir/bin/${cmd[0]}" ] && "$dir/bin/${cmd[0]}" "${cmd[@]:1}" >/dev/null 2>&1; then
    log "$name: already built in $dir"
    return 0
  fi
  log "$name: building into $dir"
  partial="$dir.partial"
  # shellcheck disable=SC2064 # expanded now: the locals are gone when the subshell exits
  trap "rm -rf '$partial' '$partial.work'" EXIT
  rm -rf "$partial" "$partial.work"
  mkdir -p "$partial/bin"
  local started=$SECONDS
  "build_$name" "$partial"
  rm -rf "$dir"
  mv "$partial" "$dir"
  log "$name: built in $((SECONDS - started)) s"
  "$dir/bin/${cmd[0]}" "${cmd[@]:1}" 2>&1 | head -n 3 | awk '{ print "[build-tools]   " $0 }' >&2
}

main() {
  local all=(prometheus alertmanager otelcol jaeger mailpit compose stack_check) selected=() failed=() name status
  if [ "${1:-}" = "--print-env" ]; then
    print_env
    return 0
  fi
  if [ "$#" -gt 0 ]; then selected=("$@"); else selected=("${all[@]}"); fi
  for name in "${selected[@]}"; do
    case " ${all[*]} " in *" $name "*) ;; *) die "unknown tool '$name' (known: ${all[*]})" ;; esac
  done
  setup_go
  for name in "${selected[@]}"; do
    # A subshell outside any `if`/`||`, so that errexit really applies inside it.
    set +e
    (
      set -e
      ensure "$name"
    )
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
      log "$name: BUILD FAILED"
      failed+=("$name")
    fi
  done
  print_env | sed 's/^/[build-tools] /' >&2
  # Every tool is required: the stack tests run all of them for real.
  [ "${#failed[@]}" -eq 0 ] || die "failed: ${failed[*]}"
}

main "$@"
