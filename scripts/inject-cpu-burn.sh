#!/usr/bin/env bash
# Makes a service burn CPU on its event loop through its fault API and watches CPUSaturation fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/inject-cpu-burn.sh [--service NAME] [--ratio R] [options]

Makes a service burn CPU through its fault API (PUT /admin/faults {cpu_burn: {ratio}}):
its event loop spins R of every 50 ms, as CPU-heavy code would. Sends it light
background traffic, waits for the CPUSaturation alert to fire, clears the fault
(DELETE /admin/faults) and waits for the alert to resolve. The traffic stops when the
script ends.

What it teaches: a Node.js service runs its JavaScript on one thread, the event loop.
When that thread is busy most of the time, the service is saturated whatever the other
cores do: requests wait for their turn. CPUSaturation fires when the event loop was busy
more than 80 % of the time, on average over a minute, for 1 minute: expect about 2
minutes. It resolves about a minute after the fix. On the service dashboard, the USE
row: *Event loop utilization* near 1, *CPU (cores used)* near one core, and the requests'
durations growing by up to a busy slice.

Options:
  --service NAME     frontend | user-service | product-service | order-service
                     (default: product-service)
  --ratio R          share of the event loop burnt, more than 0, at most 0.9 (default: 0.9)

Expected alert: CPUSaturation{service_name="<service>"} (warning), after about 2 minutes.

$COMMON_HELP
EOF
}

SERVICE=product-service
RATIO=0.9
FIRE_TIMEOUT=${ALERT_TIMEOUT:-300}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-300}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    --ratio | --ratio=*) option_value --ratio "$@" && RATIO=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
require_decimal --ratio "$RATIO" 0.9
awk -v r="$RATIO" 'BEGIN { exit !(r + 0 > 0.8) }' ||
  warn "a ratio of $RATIO keeps the event loop under the 80 % threshold on its own: the alert fires only if the service's own work adds the rest"
load_config

FAULT="{\"cpu_burn\":{\"ratio\":$RATIO}}"
ALERT=CPUSaturation
ALERT_SERVICE=$SERVICE
# Not for the alert: so the dashboard shows what saturation does to requests.
TRAFFIC_SERVICE=$SERVICE
INJECT_WHAT="CPU burn on $RATIO of the event loop of $SERVICE (PUT /admin/faults $FAULT)"
RESTORE_WHAT="clearing the faults of $SERVICE (DELETE /admin/faults)"
RESTORE_HINT="curl -X DELETE -H 'Authorization: Bearer \$ADMIN_TOKEN' $(service_url "$SERVICE")/admin/faults"

scenario_check() { check_fault_api "$SERVICE"; }
scenario_inject() { fault_api PUT "$SERVICE" "$FAULT" >/dev/null; }
scenario_restore() { fault_api DELETE "$SERVICE" >/dev/null; }

SCENARIO_TITLE="Burn CPU in $SERVICE → CPUSaturation"
scenario_links() {
  print_links CPUSaturation "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|USE row: event loop utilization near 1, CPU near one core; p95 by route" \
    "Jaeger|$(jaeger_link "$SERVICE")|requests a little slower, with no span explaining the time"
}
run_scenario
