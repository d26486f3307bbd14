#!/usr/bin/env bash
# Makes a service answer 500 to part of its requests and watches HighErrorRate fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<HELP
Usage: scripts/inject-errors.sh [--service NAME] [--error-rate R] [options]

Makes a service fail a share of its requests through its fault API (PUT /admin/faults
{error_rate}): those requests get a real HTTP 500. Sends it light background traffic,
waits for the HighErrorRate alert to fire, clears the fault (DELETE /admin/faults) and
waits for the alert to resolve. The traffic stops when the script ends.

What it teaches: an error-rate alert is a ratio over a window with a traffic guard.
HighErrorRate fires when more than 5 % of the requests of the last 5 minutes were 5xx
for 1 minute, and only with real traffic (at least 0.1 request/s): expect about 90 s.
After the fix, it resolves once the failed requests are less than 5 % of the window,
about 5 minutes later. In Jaeger, the failed requests are error traces tagged
fault.injected=true; the service dashboard shows the error ratio and the failing
operations (their exemplars open the traces); the logs dashboard the error lines with
their trace ids. Left running, it burns the availability SLO (AvailabilitySLOFastBurn).

Options:
  --service NAME    frontend | user-service | product-service | order-service
                    (default: product-service)
  --error-rate R    share of requests that fail, 0 < R <= 1 (default: 0.5)
  --route PATTERN   only requests whose path matches (e.g. '/api/product/*');
                    default: every request

Expected alert: HighErrorRate{service_name="<service>"} (warning), after about 90 s.

$COMMON_HELP
HELP
}

SERVICE=product-service
ERROR_RATE=0.5
ROUTE=''
FIRE_TIMEOUT=${ALERT_TIMEOUT:-300}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-480}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    --error-rate | --error-rate=*) option_value --error-rate "$@" && ERROR_RATE=$OPTION_VALUE ;;
    --route | --route=*) option_value --route "$@" && ROUTE=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
case $ERROR_RATE in
  '' | *[!0-9.]* | *.*.*) die "--error-rate must be a number such as 0.5, got '$ERROR_RATE'" ;;
esac
awk -v r="$ERROR_RATE" 'BEGIN { exit !(r + 0 > 0 && r + 0 <= 1) }' ||
  die "--error-rate must be more than 0 and at most 1, got $ERROR_RATE"
require_route "$ROUTE"
load_config

FAULT="{\"error_rate\":$ERROR_RATE${ROUTE:+,\"route\":\"$ROUTE\"}}"
ALERT=HighErrorRate
ALERT_SERVICE=$SERVICE
TRAFFIC_SERVICE=$SERVICE
INJECT_WHAT="HTTP 500 on $ERROR_RATE of ${ROUTE:-all} requests of $SERVICE (PUT /admin/faults $FAULT)"
RESTORE_WHAT="clearing the faults of $SERVICE (DELETE /admin/faults)"
RESTORE_HINT="curl -X DELETE -H 'Authorization: Bearer \$ADMIN_TOKEN' $(service_url "$SERVICE")/admin/faults"

scenario_check() { check_fault_api "$SERVICE"; }
scenario_inject() { fault_api PUT "$SERVICE" "$FAULT" >/dev/null; }
scenario_restore() { fault_api DELETE "$SERVICE" >/dev/null; }

SCENARIO_TITLE="Make $SERVICE fail → HighErrorRate"
scenario_links() {
  print_links HighErrorRate "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|error ratio, failing operations; exemplars → error traces" \
    "Grafana SLOs|$(grafana_link shopscope-slo "$SERVICE")|the availability error budget burning" \
    "Jaeger|$(jaeger_link "$SERVICE")&tags=%7B%22error%22%3A%22true%22%7D|error traces (fault.injected=true)" \
    "Grafana logs|$(grafana_link shopscope-logs "$SERVICE")|error lines, each with its trace id"
}
run_scenario
