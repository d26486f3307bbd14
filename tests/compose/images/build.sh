#!/usr/bin/env bash
# Builds, on the rehearsal's own Docker Engine (tests/compose/engine.sh), every image that
# docker-compose.yml runs and cannot build itself, under the exact name and tag it pins
# (versions from .env.example), so that the compose file runs unchanged with nothing pulled:
#
#   debian:bookworm-slim                        debootstrap (minbase), as the base of:
#   node:<NODE_IMAGE of services/Dockerfile>    Node from the npm registry's release binary
#   mysql:<MYSQL_VERSION>                       Debian's MariaDB behind the mysql image's contract
#   busybox:<BUSYBOX_VERSION>                   a static busybox of the same release
#   otel/opentelemetry-collector-contrib, prom/prometheus, prom/alertmanager,
#   jaegertracing/jaeger, axllent/mailpit       the binaries scripts/ci/build-tools.sh built
#                                               from the releases' Go modules
#
# Each is a look-alike of the upstream image, laid out as its Dockerfile does (each
# Dockerfile here names the upstream one). They are test code: a learner pulls the real
# images. Grafana and Loki (AGPL) get stand-in images (tests/compose/standins); the four
# services are built by `docker compose build` from services/Dockerfile, as on a laptop.
#
# An image is rebuilt only when the hash of its inputs (the context's files, the build
# arguments) differs from the one in its org.shopscope.inputs label: a warm run skips all.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../../.." && pwd)"
SHOPSCOPE_CACHE="${SHOPSCOPE_CACHE:-/opt/shopscope-cache}"
eval "$("$repo_root/tests/compose/engine.sh" env)"
export DOCKER_BUILDKIT=0 # the classic builder: no frontend image to pull
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

version_of() {
  local value
  value="$(sed -n "s/^$1=//p" "$repo_root/.env.example" | tail -n 1)"
  [ -n "$value" ] || die "$1 is not set in .env.example"
  printf '%s' "$value"
}
tool() { bash "$repo_root/scripts/ci/build-tools.sh" --print-env | sed -n "s/^SHOPSCOPE_$1=//p"; }
# The directory of a Go module's source, from the module cache (downloaded if needed).
module_dir() {
  GOPROXY="${GOPROXY:-https://proxy.golang.org}" GOFLAGS=-mod=mod go mod download -json "$1@$2" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

inputs_hash() { # <context dir> <build args...>
  local ctx="$1"
  shift
  { (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum); printf '%s\n' "$@"; } | sha256sum | cut -c1-16
}
up_to_date() { # <image> <hash>
  [ "$(docker image inspect --format '{{ index .Config.Labels "org.shopscope.inputs" }}' "$1" 2>/dev/null)" = "$2" ]
}
# build <image> <context dir> [--build-arg K=V ...]
build() {
  local image="$1" ctx="$2" key started=$SECONDS
  shift 2
  key="$(inputs_hash "$ctx" "$@")"
  if up_to_date "$image" "$key"; then
    log "$image: up to date"
    return 0
  fi
  log "$image: building"
  if ! docker build --label "org.shopscope.inputs=$key" --tag "$image" "$@" "$ctx" >"$work/build.log" 2>&1; then
    tail -n 30 "$work/build.log" >&2
    die "$image: docker build failed"
  fi
  log "$image: built in $((SECONDS - started)) s"
}
context() { # <name>: a fresh copy of images/<name> to add files to
  rm -rf "${work:?}/$1"
  cp -R "$here/$1" "$work/$1"
  printf '%s' "$work/$1"
}

# --- versions --------------------------------------------------------------------------
NODE_IMAGE="$(sed -n 's/^ARG NODE_IMAGE=//p' "$repo_root/services/Dockerfile")"
NODE_VERSION="${NODE_IMAGE#node:}"
NODE_VERSION="${NODE_VERSION%%-*}"
DEBIAN_IMAGE=debian:bookworm-slim
BUSYBOX_VERSION="$(version_of BUSYBOX_VERSION)"
PROMETHEUS_VERSION="$(version_of PROMETHEUS_VERSION)"
ALERTMANAGER_VERSION="$(version_of ALERTMANAGER_VERSION)"
JAEGER_VERSION="$(version_of JAEGER_VERSION)"
JAEGER_GO_MODULE_VERSION="$(version_of JAEGER_GO_MODULE_VERSION)"
MAILPIT_VERSION="$(version_of MAILPIT_VERSION)"
OTELCOL_VERSION="$(version_of OTELCOL_VERSION)"
MYSQL_VERSION="$(version_of MYSQL_VERSION)"
PROM_BASE=shopscope-rehearsal/prometheus-busybox:local

# --- debian:bookworm-slim --------------------------------------------------------------
# debootstrap's minbase variant, trimmed as the slim images are (no manuals, no docs), with
# the same dpkg excludes so packages installed later stay slim.
build_debian() {
  local key
  key="$(inputs_hash "$here/debian")"
  if up_to_date "$DEBIAN_IMAGE" "$key"; then
    log "$DEBIAN_IMAGE: up to date"
    return 0
  fi
  log "$DEBIAN_IMAGE: debootstrap --variant=minbase bookworm"
  local rootfs="$work/debian-rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  cp "$here/debian/dpkg-slim.cfg" "$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
    >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log "$rootfs"/tmp/*
  tar --numeric-owner -C "$rootfs" -c . |
    docker import --change 'CMD ["bash"]' --change "LABEL org.shopscope.inputs=$key" - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "$DEBIAN_IMAGE: imported"
}

# --- node ------------------------------------------------------------------------------
# An npm package's files (its package/ folder) unpacked into <dir>.
npm_unpack() { # <spec> <dir>
  mkdir -p "$2"
  (cd "$work" && npm pack --silent "$1" >"$work/pack.name")
  tar -xzf "$work/$(cat "$work/pack.name")" -C "$2" --strip-components=1
  rm -f "$work/$(cat "$work/pack.name")"
}
build_node() {
  local ctx arch npm_version corepack_version yarn_version=1.22.22
  ctx="$(context node)"
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) die "unsupported $(uname -m)" ;; esac
  npm_unpack "node-linux-$arch@$NODE_VERSION" "$ctx/usr-local"
  rm -f "$ctx/usr-local/package.json"
  # The npm and corepack Node bundles: the newest "upgrade npm to"/"update corepack to"
  # entries of this release's changelog.
  npm_version="$(grep -m1 -oE 'upgrade npm to [0-9.]+[0-9]' "$ctx/usr-local/CHANGELOG.md" | awk '{print $4}')"
  corepack_version="$(grep -m1 -oE 'update corepack to [0-9.]+[0-9]' "$ctx/usr-local/CHANGELOG.md" | awk '{print $4}')"
  if [ -z "$npm_version" ] || [ -z "$corepack_version" ]; then
    die "cannot tell npm's and corepack's versions for Node $NODE_VERSION"
  fi
  npm_unpack "npm@$npm_version" "$ctx/usr-local/lib/node_modules/npm"
  npm_unpack "corepack@$corepack_version" "$ctx/usr-local/lib/node_modules/corepack"
  npm_unpack "yarn@$yarn_version" "$ctx/yarn"
  # This machine reaches the npm registry through an intercepting proxy whose CA the
  # system trusts; `npm ci` in services/Dockerfile must trust it too. Only in the
  # rehearsal's image, and only npm: its global config file gets the CA (a laptop's
  # official image has neither). Nothing else in the image changes.
  # The CA file this machine's npm or Node is told to trust, if any.
  local ca="${SHOPSCOPE_REHEARSAL_EXTRA_CA:-${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null)}}"
  if [ -n "$ca" ] && [ -f "$ca" ]; then
    mkdir -p "$ctx/usr-local/etc"
    cp "$ca" "$ctx/usr-local/etc/rehearsal-extra-ca.pem"
    printf 'cafile=/usr/local/etc/rehearsal-extra-ca.pem\n' >"$ctx/usr-local/etc/npmrc"
  fi
  build "$NODE_IMAGE" "$ctx" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
    --build-arg "NODE_VERSION=$NODE_VERSION" --build-arg "YARN_VERSION=$yarn_version"
}

# --- busybox ---------------------------------------------------------------------------
build_busybox() {
  local ctx upstream="${BUSYBOX_VERSION%%-*}" rootfs deb version
  ctx="$(context busybox)"
  deb="$(debian_package busybox-static trixie)"
  version="$(dpkg-deb -f "$deb" Version)"
  [[ "$version" == *":$upstream-"* ]] || die "Debian's busybox-static is $version, not $upstream"
  rootfs="$work/busybox-rootfs"
  mkdir -p "$rootfs/bin" "$rootfs/usr/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$rootfs/home" "$rootfs/var/www"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" ./usr/bin/busybox
  mv "$work/usr/bin/busybox" "$rootfs/bin/busybox"
  local applet
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln "$rootfs/bin/busybox" "$rootfs/bin/$applet"
  done
  ln -s ../../bin/env "$rootfs/usr/bin/env"
  cp "$here/busybox/passwd" "$here/busybox/group" "$rootfs/etc/"
  chmod 1777 "$rootfs/tmp"
  chmod 700 "$rootfs/root"
  chown 65534:65534 "$rootfs/home"
  tar --numeric-owner --sort=name --mtime=@0 -C "$rootfs" -cf "$ctx/rootfs.tar" .
  rm -rf "$rootfs"
  build "busybox:$BUSYBOX_VERSION" "$ctx"
}

# A Debian package (.deb) of <suite>, downloaded once into the cache; prints its path.
debian_package() { # <package> <suite>
  local dir="$SHOPSCOPE_CACHE/debs/$2" found
  mkdir -p "$dir/lists/partial"
  printf 'deb http://deb.debian.org/debian %s main\n' "$2" >"$dir/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$dir/lists")
  found="$(find "$dir" -maxdepth 1 -name "${1}_*.deb" | head -n 1)"
  if [ -z "$found" ]; then
    apt-get "${opts[@]}" update -qq >/dev/null
    # As root, apt downloads without its _apt sandbox into a folder it does not own.
    (cd "$dir" && apt-get "${opts[@]}" -o APT::Sandbox::User=root download -qq "$1" >/dev/null)
    found="$(find "$dir" -maxdepth 1 -name "${1}_*.deb" | head -n 1)"
  fi
  [ -n "$found" ] || die "could not download $1 from Debian $2"
  printf '%s' "$found"
}

# The Mozilla CA bundle of Debian's ca-certificates (not this machine's local additions).
ca_bundle() { # <file>
  cat /usr/share/ca-certificates/mozilla/*.crt >"$1"
}

# --- the Prometheus busybox base and the Go-built images --------------------------------
build_prometheus_base() {
  local ctx
  ctx="$(context prometheus-busybox)"
  mkdir -p "$ctx/files/etc/ssl/certs" "$ctx/files/usr/share"
  ca_bundle "$ctx/files/etc/ssl/certs/ca-certificates.crt"
  printf 'hosts: files dns\n' >"$ctx/files/etc/nsswitch.conf"
  cp /etc/services "$ctx/files/etc/services"
  cp -R /usr/share/zoneinfo "$ctx/files/usr/share/zoneinfo"
  build "$PROM_BASE" "$ctx" --build-arg "BUSYBOX_IMAGE=busybox:$BUSYBOX_VERSION"
}

build_prometheus() {
  local ctx bin src module_version major minor patch
  ctx="$(context prometheus)"
  bin="$(dirname "$(tool PROMETHEUS)")"
  IFS=. read -r major minor patch <<<"$PROMETHEUS_VERSION"
  module_version="$(printf 'v0.%d%02d.%d' "$major" "$minor" "$patch")"
  src="$(module_dir github.com/prometheus/prometheus "$module_version")"
  cp "$bin/prometheus" "$bin/promtool" "$src/LICENSE" "$src/NOTICE" "$ctx/"
  cp "$src/documentation/examples/prometheus.yml" "$ctx/prometheus.yml"
  build "prom/prometheus:v$PROMETHEUS_VERSION" "$ctx" --build-arg "BASE_IMAGE=$PROM_BASE"
}

build_alertmanager() {
  local ctx bin src
  ctx="$(context alertmanager)"
  bin="$(dirname "$(tool ALERTMANAGER)")"
  src="$(module_dir github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION")"
  cp "$bin/alertmanager" "$bin/amtool" "$ctx/"
  cp "$src/examples/ha/alertmanager.yml" "$ctx/alertmanager.yml"
  build "prom/alertmanager:v$ALERTMANAGER_VERSION" "$ctx" --build-arg "BASE_IMAGE=$PROM_BASE"
}

build_jaeger() {
  local ctx src
  ctx="$(context jaeger)"
  src="$(module_dir github.com/jaegertracing/jaeger "$JAEGER_GO_MODULE_VERSION")"
  cp "$(tool JAEGER)" "$ctx/jaeger"
  cp "$src/cmd/jaeger/sampling-strategies.json" "$ctx/"
  build "jaegertracing/jaeger:$JAEGER_VERSION" "$ctx" --build-arg "BASE_IMAGE=$PROM_BASE"
}

build_mailpit() {
  local ctx
  ctx="$(context mailpit)"
  cp "$(tool MAILPIT)" "$ctx/mailpit"
  build "axllent/mailpit:v$MAILPIT_VERSION" "$ctx" --build-arg "BASE_IMAGE=$PROM_BASE"
}

build_otelcol() {
  local ctx
  ctx="$(context otelcol)"
  cp "$(tool OTELCOL)" "$ctx/otelcol-contrib"
  chmod 755 "$ctx/otelcol-contrib"
  ca_bundle "$ctx/ca-certificates.crt"
  build "otel/opentelemetry-collector-contrib:$OTELCOL_VERSION" "$ctx"
}

# --- stand-ins (test code under the AGPL images' names) --------------------------------
# package.json of a stand-in: ESM, with the tests workspace's exact versions of <deps>.
standin_package() { # <dir> <dep>...
  local dir="$1" dep version deps=()
  shift
  for dep in "$@"; do
    version="$(node -p "require('$repo_root/tests/package.json').dependencies['$dep']")"
    [ "$version" != undefined ] || die "$dep is not a dependency of tests/package.json"
    deps+=("\"$dep\": \"$version\"")
  done
  local IFS=,
  printf '{ "private": true, "type": "module", "dependencies": { %s } }\n' "${deps[*]}" >"$dir/package.json"
}

build_loki() {
  local ctx="$work/loki-standin"
  rm -rf "$ctx"
  cp -R "$here/../standins/loki" "$ctx"
  cp "$repo_root/tools/stack/standins/loki-standin.ts" "$ctx/"
  cp -R "$repo_root/tests/src/harness/otlp-proto" "$ctx/otlp-proto"
  cp "$repo_root/loki/config.yaml" "$ctx/local-config.yaml"
  standin_package "$ctx" protobufjs @grafana/lezer-logql yaml
  build "grafana/loki:$(version_of LOKI_VERSION)" "$ctx" --build-arg "NODE_IMAGE=$NODE_IMAGE"
}

build_grafana() {
  local ctx="$work/grafana-standin" version
  version="$(version_of GRAFANA_VERSION)"
  rm -rf "$ctx"
  cp -R "$here/../standins/grafana" "$ctx"
  cp "$repo_root/tests/stack/grafana-api-standin.ts" "$ctx/"
  standin_package "$ctx" yaml
  build "grafana/grafana:$version" "$ctx" --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "GRAFANA_VERSION=$version"
}

build_mysql() {
  build "mysql:$MYSQL_VERSION" "$here/mysql" --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE"
}

main() {
  local all=(debian node busybox prometheus_base prometheus alertmanager jaeger mailpit otelcol mysql loki grafana) name
  local selected=("$@")
  [ "${#selected[@]}" -gt 0 ] || selected=("${all[@]}")
  "$repo_root/tests/compose/engine.sh" status || die "the rehearsal's dockerd is not running: tests/compose/engine.sh start"
  for name in "${selected[@]}"; do
    case " ${all[*]} " in *" $name "*) "build_$name" ;; *) die "unknown image '$name' (known: ${all[*]})" ;; esac
  done
}

main "$@"
