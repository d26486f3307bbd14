#!/usr/bin/env bash
# Test helper (not for learners): stands in for `docker compose kill|stop|start <name>`
# when the failure scripts run against the native stack of tests/stack/native-stack.ts.
# The test sets SHOPSCOPE_KILL_CMD="tests/stack/native-control.sh kill" (and _STOP_, _START_)
# and SHOPSCOPE_NATIVE_CONTROL_PORT; this POSTs /<action>/<name> to the test's control
# server (native-control.ts), which stops or starts the native process and answers once it
# is done. Called as `docker …` (a `docker` link on PATH), it accepts `compose kill <name>`,
# so a test can also run the scripts with their default docker commands.
set -euo pipefail

if [ "${1:-}" = compose ]; then shift; fi
if [ $# -ne 2 ]; then
  echo "usage: $0 kill|stop|start <container name>" >&2
  exit 2
fi
: "${SHOPSCOPE_NATIVE_CONTROL_PORT:?the stack test sets it to its control server port}"
curl -fsS --max-time 180 -X POST "http://127.0.0.1:${SHOPSCOPE_NATIVE_CONTROL_PORT}/$1/$2"
