#!/usr/bin/env bash
# Crashes a service (SIGKILL of its container) and watches ServiceDown fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/crash-service.sh [--service NAME] [options]

Kills a service's container with SIGKILL (\`docker compose kill <service>\`), as an
out-of-memory kill or a crash would, waits for the ServiceDown alert to fire, starts the
container again (\`docker compose up --detach --no-deps <service>\`) and waits for the alert to resolve.

What it teaches: a dead process sends no telemetry at all, and "no data" cannot tell dead
from idle. ServiceDown comes from outside the service: the collector calls every
service's /readyz each 10 s (httpcheck receiver) and the alert fires when nothing answers
for 30 s. While it fires, Alertmanager silences that service's symptom alerts (error rate,
latency, SLO burn): they are consequences, not causes. Look at the overview dashboard's
status panel, at the pages of the shop that need the service (a 503 with a message, never
a stack trace), and at the traces of the callers, which end in a connection error
(in compose the stopped container's name no longer resolves: ENOTFOUND; natively ECONNREFUSED).

Options:
  --service NAME   frontend | user-service | product-service | order-service
                   (default: order-service)

Expected alert: ServiceDown{service_name="<service>"} (critical), within about a minute;
it resolves about 30 s after the service answers again.

$COMMON_HELP
EOF
}

SERVICE=order-service
FIRE_TIMEOUT=${ALERT_TIMEOUT:-180}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-180}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --service | --service=*) option_value --service "$@" && SERVICE=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
require_service "$SERVICE"
load_config

ALERT=ServiceDown
ALERT_SERVICE=$SERVICE
TRAFFIC_SERVICE=''
SERVICE_URL=$(service_url "$SERVICE")
INJECT_WHAT="SIGKILL to the $SERVICE container ($SHOPSCOPE_KILL_CMD $SERVICE)"
RESTORE_WHAT="starting $SERVICE again ($SHOPSCOPE_START_CMD $SERVICE)"
RESTORE_HINT="$SHOPSCOPE_START_CMD $SERVICE"

scenario_check() {
  local status
  status=$(http_status "$SERVICE_URL/readyz")
  [ "$status" = 200 ] || die "$SERVICE does not answer $SERVICE_URL/readyz with 200 (HTTP $status): start from a healthy stack"
}
scenario_inject() { run_control_command SHOPSCOPE_KILL_CMD "$SERVICE"; }
scenario_restore() { run_control_command SHOPSCOPE_START_CMD "$SERVICE"; }
scenario_ready() { wait_until_ready "$SERVICE_URL/readyz" 120 "$SERVICE"; }

SCENARIO_TITLE="Crash $SERVICE → ServiceDown"
scenario_links() {
  print_links ServiceDown "$SERVICE" \
    "Grafana overview|$(grafana_link shopscope-overview)|the service's status turns red; its callers' errors rise" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|its panels stop: a dead process sends nothing" \
    "Jaeger|$(jaeger_link frontend)|traces of the callers end in a connection error (ENOTFOUND or ECONNREFUSED)"
}
run_scenario
