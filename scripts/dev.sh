#!/usr/bin/env bash
# The shop without Docker, in one command, on a fresh clone:
#   1. Node 24: the `node` on PATH if it is 24, else the npm registry's binary package,
#      installed once into $SHOPSCOPE_CACHE (as the tests do: scripts/ci/node.sh)
#   2. npm ci when node_modules is missing or older than package-lock.json
#   3. npm run build (incremental: seconds when nothing changed)
#   4. scripts/dev/run-all.mjs with the options given: a throwaway MariaDB unless MYSQL_URL
#      names a server, the four services, their URLs printed once ready; Ctrl-C stops all
#
#   scripts/dev.sh                     # the shop at http://127.0.0.1:8080
#   scripts/dev.sh --base-port 9080    # ports 9080-9083
#   scripts/dev.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ci/node.sh
source scripts/ci/node.sh
use_node_24
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  printf '[dev] npm ci\n' >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
printf '[dev] npm run build\n' >&2
npm run build --silent
exec node scripts/dev/run-all.mjs "$@"
