#!/usr/bin/env bash
# Makes a service leak memory through its fault API and watches HeapNearLimit fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/inject-memory-leak.sh [--service NAME] [--mb-per-s N] [--max-mb N] [options]

Makes a service leak memory through its fault API (PUT /admin/faults
{memory_leak: {mb_per_s, max_mb}}): the process keeps N MB more of JavaScript objects
every second, on its V8 heap. Sends it light background traffic, waits for the
HeapNearLimit alert to fire, clears the fault (DELETE /admin/faults: the leaked memory is
let go) and waits for the alert to resolve. The traffic stops when the script ends.

What it teaches: memory that only grows is a leak, and a Node.js heap has a hard limit
(--max-old-space-size, 72 MB of old generation in services/runtime.env): at that limit
the process dies of an out-of-memory error. HeapNearLimit fires when the heap used stays
above 75 % of the limit, on average over a minute, for 1 minute: expect about 2 minutes.
The leak stops growing by itself short of the limit, at about 80 % (the fault API never
kills the service). After the fix the memory comes back at the next full garbage
collection, a few seconds later; the alert resolves about a minute after. On the service
dashboard, the USE row: *V8 heap used / limit* climbing in a straight line, then falling
at once.

Options:
  --service NAME     frontend | user-service | product-service | order-service
                     (default: order-service)
  --mb-per-s N       MB leaked per second, more than 0, at most 64 (default: 1)
  --max-mb N         most the leak holds, 1 to 1024 (default: 256; the heap limit stops
                     it earlier)

Expected alert: HeapNearLimit{service_name="<service>"} (warning), after about 2 minutes.

$COMMON_HELP
EOF
}

SERVICE=order-service
MB_PER_S=1
MAX_MB=256
FIRE_TIMEOUT=${ALERT_TIMEOUT:-300}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-300}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    --mb-per-s | --mb-per-s=*) option_value --mb-per-s "$@" && MB_PER_S=$OPTION_VALUE ;;
    --max-mb | --max-mb=*) option_value --max-mb "$@" && MAX_MB=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
require_decimal --mb-per-s "$MB_PER_S" 64
require_int --max-mb "$MAX_MB"
if [ "$MAX_MB" -lt 1 ] || [ "$MAX_MB" -gt 1024 ]; then die "--max-mb must be 1 to 1024, got $MAX_MB"; fi
[ "$MAX_MB" -ge 64 ] || warn "a leak of at most $MAX_MB MB may stay under 75 % of the heap limit: the alert may not fire"
load_config

FAULT="{\"memory_leak\":{\"mb_per_s\":$MB_PER_S,\"max_mb\":$MAX_MB}}"
ALERT=HeapNearLimit
ALERT_SERVICE=$SERVICE
# Not for the alert (the heap is measured without requests): a working service allocates,
# so after the fix its next full garbage collection, which gives the memory back, comes soon.
TRAFFIC_SERVICE=$SERVICE
INJECT_WHAT="a leak of $MB_PER_S MB/s (at most $MAX_MB MB) in $SERVICE (PUT /admin/faults $FAULT)"
RESTORE_WHAT="clearing the faults of $SERVICE (DELETE /admin/faults: the leaked memory is let go)"
RESTORE_HINT="curl -X DELETE -H 'Authorization: Bearer \$ADMIN_TOKEN' $(service_url "$SERVICE")/admin/faults"

scenario_check() { check_fault_api "$SERVICE"; }
scenario_inject() { fault_api PUT "$SERVICE" "$FAULT" >/dev/null; }
scenario_restore() { fault_api DELETE "$SERVICE" >/dev/null; }

SCENARIO_TITLE="Leak memory in $SERVICE → HeapNearLimit"
scenario_links() {
  print_links HeapNearLimit "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|USE row: V8 heap used / limit climbing, then falling; GC time" \
    "Grafana logs|$(grafana_link shopscope-logs "$SERVICE")|\"resource faults started\", \"memory leak stopped growing at …\""
}
run_scenario
