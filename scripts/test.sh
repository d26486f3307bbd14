#!/usr/bin/env bash
# Installs everything ShopScope's tests need on a Debian machine, then runs them all:
#   1. Debian packages, Node 24 and the npm packages (scripts/ci/install.sh)
#   2. the stack's tools, built from the Go module proxy at the pinned versions into a cache
#      kept by version outside the repository (scripts/ci/build-tools.sh)
#   3. npm test: build, type check, lint, the application tests and the stack tests
# Idempotent: a second run reuses what the first installed and built. Needs root (or sudo)
# for apt-get. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ci/install.sh
source scripts/ci/install.sh
# Nothing else runs meanwhile in CI, so a cold tool build may use both cores.
SHOPSCOPE_GO_JOBS="${SHOPSCOPE_GO_JOBS:-2}" scripts/ci/build-tools.sh
npm test
