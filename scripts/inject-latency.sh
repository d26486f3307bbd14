#!/usr/bin/env bash
# Adds latency to a service through its fault API and watches HighLatencyP95 fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/inject-latency.sh [--service NAME] [--latency-ms N] [--jitter-ms N] [options]

Makes a service slow through its fault API (PUT /admin/faults {latency_ms, jitter_ms}),
sends it light background traffic, waits for the HighLatencyP95 alert to fire, removes
the fault (DELETE /admin/faults) and waits for the alert to resolve. The traffic stops
when the script ends.

What it teaches: latency alerts look at a percentile over a window. HighLatencyP95 fires
when the 95th percentile of request durations over the last 5 minutes stays above 500 ms
for 2 minutes, and only with real traffic (at least 0.1 request/s): expect about 3
minutes. After the fix it takes about 5 more minutes to resolve — the slow requests stay
in the 5-minute window until they age out. In Jaeger each slow request has a
"fault.latency" span showing where the time went; on the service dashboard, the p95 by
route, the duration heat map and the exemplars (dots) that open those traces. A long run
also burns the latency SLO (LatencySLOFastBurn).

Options:
  --service NAME     frontend | user-service | product-service | order-service
                     (default: product-service)
  --latency-ms N     added to every request (default: 1000)
  --jitter-ms N      plus a random 0..N ms (default: 500)
  --route PATTERN    only requests whose path matches (e.g. '/api/products*');
                     default: every request

Expected alert: HighLatencyP95{service_name="<service>"} (warning), after about 3 minutes.

$COMMON_HELP
EOF
}

SERVICE=product-service
LATENCY_MS=1000
JITTER_MS=500
ROUTE=''
FIRE_TIMEOUT=${ALERT_TIMEOUT:-360}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-480}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    --latency-ms | --latency-ms=*) option_value --latency-ms "$@" && LATENCY_MS=$OPTION_VALUE ;;
    --jitter-ms | --jitter-ms=*) option_value --jitter-ms "$@" && JITTER_MS=$OPTION_VALUE ;;
    --route | --route=*) option_value --route "$@" && ROUTE=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
require_int --latency-ms "$LATENCY_MS"
require_int --jitter-ms "$JITTER_MS"
[ $((LATENCY_MS + JITTER_MS)) -gt 500 ] || warn "$LATENCY_MS ms + up to $JITTER_MS ms may stay under the 500 ms threshold: the alert may not fire"
require_route "$ROUTE"
load_config

FAULT="{\"latency_ms\":$LATENCY_MS,\"jitter_ms\":$JITTER_MS${ROUTE:+,\"route\":\"$ROUTE\"}}"
ALERT=HighLatencyP95
ALERT_SERVICE=$SERVICE
TRAFFIC_SERVICE=$SERVICE
INJECT_WHAT="$LATENCY_MS ms (+ up to $JITTER_MS ms) on ${ROUTE:-every request} of $SERVICE (PUT /admin/faults $FAULT)"
RESTORE_WHAT="clearing the faults of $SERVICE (DELETE /admin/faults)"
RESTORE_HINT="curl -X DELETE -H 'Authorization: Bearer \$ADMIN_TOKEN' $(service_url "$SERVICE")/admin/faults"

scenario_check() { check_fault_api "$SERVICE"; }
scenario_inject() { fault_api PUT "$SERVICE" "$FAULT" >/dev/null; }
scenario_restore() { fault_api DELETE "$SERVICE" >/dev/null; }

SCENARIO_TITLE="Slow down $SERVICE → HighLatencyP95"
scenario_links() {
  print_links HighLatencyP95 "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|p95 by route, duration heat map, exemplars → slow traces" \
    "Grafana SLOs|$(grafana_link shopscope-slo "$SERVICE")|the latency error budget burning" \
    "Jaeger|$(jaeger_link "$SERVICE")|slow traces, each with its fault.latency span"
}
run_scenario
