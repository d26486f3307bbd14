#!/usr/bin/env bash
# Blocks a service's event loop through its fault API and watches EventLoopLagHigh fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/block-event-loop.sh [--service NAME] [--block-ms N] [--every-ms N] [options]

Blocks a service's event loop through its fault API (PUT /admin/faults
{event_loop_block: {block_ms, every_ms}}): every M ms the process runs a synchronous loop
for N ms, as a big JSON.parse, a sync file read or a regular expression gone wrong would.
Sends it light background traffic, waits for the EventLoopLagHigh alert to fire, clears
the fault (DELETE /admin/faults) and waits for the alert to resolve. The traffic stops
when the script ends.

What it teaches: while the one JavaScript thread is blocked, nothing else runs: no
request is read, no timer fires, no answer is sent. The event-loop delay measures it:
how late a timer set to fire now really runs. EventLoopLagHigh fires when its 99th
percentile stays above 100 ms, on average over a minute, for 1 minute: expect about 2
minutes. It resolves about a minute after the fix. In Jaeger each block is a
"fault.event_loop_block" span, and the requests that arrived meanwhile waited for it; on
the service dashboard, the USE row: *Event loop delay p99* at the block's length.

Options:
  --service NAME     frontend | user-service | product-service | order-service
                     (default: user-service)
  --block-ms N       length of each block, 1 to 5000 ms (default: 250)
  --every-ms N       one block every N ms, 100 to 60000 (default: 500); a block may take
                     at most 90 % of it

Expected alert: EventLoopLagHigh{service_name="<service>"} (warning), after about 2 minutes.

$COMMON_HELP
EOF
}

SERVICE='user-service'
BLOCK_MS=250
EVERY_MS=500
FIRE_TIMEOUT=${ALERT_TIMEOUT:-300}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-300}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    --block-ms | --block-ms=*) option_value --block-ms "$@" && BLOCK_MS=$OPTION_VALUE ;;
    --every-ms | --every-ms=*) option_value --every-ms "$@" && EVERY_MS=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
require_int --block-ms "$BLOCK_MS"
require_int --every-ms "$EVERY_MS"
if [ "$BLOCK_MS" -lt 1 ] || [ "$BLOCK_MS" -gt 5000 ]; then die "--block-ms must be 1 to 5000, got $BLOCK_MS"; fi
if [ "$EVERY_MS" -lt 100 ] || [ "$EVERY_MS" -gt 60000 ]; then die "--every-ms must be 100 to 60000, got $EVERY_MS"; fi
[ $((BLOCK_MS * 10)) -le $((EVERY_MS * 9)) ] || die "--block-ms may be at most 90 % of --every-ms ($BLOCK_MS of $EVERY_MS)"
# The delay is sampled every 10 ms, and a block is one late sample: the p99 shows it only
# while blocks are more than 1 % of the samples, i.e. less than ~1 s of free time between them.
if [ "$BLOCK_MS" -le 100 ] || [ $((EVERY_MS - BLOCK_MS)) -ge 900 ]; then
  warn "blocks of $BLOCK_MS ms every $EVERY_MS ms may keep the p99 delay under 100 ms: the alert may not fire"
fi
load_config

FAULT="{\"event_loop_block\":{\"block_ms\":$BLOCK_MS,\"every_ms\":$EVERY_MS}}"
ALERT=EventLoopLagHigh
ALERT_SERVICE=$SERVICE
# Not for the alert (timers measure the delay without requests): so that requests meet
# the blocks, and their traces and durations show it.
TRAFFIC_SERVICE=$SERVICE
INJECT_WHAT="a $BLOCK_MS ms block of the event loop every $EVERY_MS ms in $SERVICE (PUT /admin/faults $FAULT)"
RESTORE_WHAT="clearing the faults of $SERVICE (DELETE /admin/faults)"
RESTORE_HINT="curl -X DELETE -H 'Authorization: Bearer \$ADMIN_TOKEN' $(service_url "$SERVICE")/admin/faults"

scenario_check() { check_fault_api "$SERVICE"; }
scenario_inject() { fault_api PUT "$SERVICE" "$FAULT" >/dev/null; }
scenario_restore() { fault_api DELETE "$SERVICE" >/dev/null; }

SCENARIO_TITLE="Block the event loop of $SERVICE → EventLoopLagHigh"
scenario_links() {
  print_links EventLoopLagHigh "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|USE row: event loop delay p99 at the block's length; p95 by route" \
    "Jaeger|$(jaeger_link "$SERVICE")&operation=fault.event_loop_block|one fault.event_loop_block span per block"
}
run_scenario
