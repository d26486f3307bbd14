#!/usr/bin/env bash
# Runs the native stack tests (then the benchmark's smoke run) and the compose rehearsal side by side: the rehearsal spends
# most of its ~18 minutes waiting (for alerts to fire and to leave their 5-minute windows,
# for containers to turn healthy), time the native tests can use. Each gets its own ports
# (the native stack picks free ones; compose publishes the fixed ones of .env.example).
# The rehearsal's output is printed after the native tests' own, not interleaved, and the
# exit code is non-zero if either failed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
log="$(mktemp -t shopscope-compose-XXXXXX.log)"
trap 'rm -f "$log"' EXIT

npm run test:compose >"$log" 2>&1 &
compose_pid=$!
# The benchmark's smoke run comes after the other native tests: by then the rehearsal has
# built its images and mostly waits, so a fixed-rate load is not run beside `npm ci` and
# four TypeScript builds competing for the same two cores.
npm run test:stack && npm run test:bench
stack_status=$?
wait "$compose_pid"
compose_status=$?

printf '\n===== the compose rehearsal (npm run test:compose), run alongside =====\n'
cat "$log"
if [ "$compose_status" -ne 0 ]; then
  # CI keeps only the head and tail of a long output: repeat the rehearsal's own notes and
  # the assertion messages here, at the very end, where they survive.
  printf '\n===== why the rehearsal failed, in brief =====\n'
  grep -E '^# \[rehearsal|^\s*(AssertionError|Error)|^✖|^\s*✖' "$log" | cut -c1-600 | tail -n 60
fi
printf '\nnative stack tests: exit %s; compose rehearsal: exit %s\n' "$stack_status" "$compose_status"
[ "$stack_status" -eq 0 ] && [ "$compose_status" -eq 0 ]
