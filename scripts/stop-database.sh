#!/usr/bin/env bash
# Stops a service's database and watches DatabaseUnavailable fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/stop-database.sh [--service NAME] [options]

Stops the MySQL container of a service (\`docker compose stop <service's db>\`: user-db,
product-db or order-db), waits for the DatabaseUnavailable alert to fire, starts the
database again (\`docker compose up --detach --no-deps <db>\`) and waits for the alert to resolve.

What it teaches: a running service that lost its database is not a dead service. Its
/readyz answers 503 naming the database, so the collector's probe tells the two apart:
DatabaseUnavailable fires, not ServiceDown. Both are cause alerts that silence the
service's symptoms. Requests that need the database fail with a 503; in Jaeger their
traces end in a failed SQL span or connection error; the service dashboard shows the
errors and the status of the probe.

Options:
  --service NAME   user-service | product-service | order-service, whose database is
                   stopped (default: order-service → order-db; the frontend has none)

Expected alert: DatabaseUnavailable{service_name="<service>"} (critical), within about a
minute; it resolves about 30 s after the database is back.

$COMMON_HELP
EOF
}

SERVICE=order-service
FIRE_TIMEOUT=${ALERT_TIMEOUT:-180}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-240}
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
[ "$SERVICE" != frontend ] || die "the frontend has no database: choose user-service, product-service or order-service"
load_config

# The compose service of each database: user-service → user-db, and so on.
DATABASE=${SERVICE%-service}-db
ALERT=DatabaseUnavailable
ALERT_SERVICE=$SERVICE
TRAFFIC_SERVICE=''
SERVICE_URL=$(service_url "$SERVICE")
INJECT_WHAT="stopping $DATABASE, the database of $SERVICE ($SHOPSCOPE_STOP_CMD $DATABASE)"
RESTORE_WHAT="starting $DATABASE again ($SHOPSCOPE_START_CMD $DATABASE)"
RESTORE_HINT="$SHOPSCOPE_START_CMD $DATABASE"

scenario_check() {
  local status
  status=$(http_status "$SERVICE_URL/readyz")
  [ "$status" = 200 ] || die "$SERVICE does not answer $SERVICE_URL/readyz with 200 (HTTP $status): start from a healthy stack"
}
scenario_inject() { run_control_command SHOPSCOPE_STOP_CMD "$DATABASE"; }
scenario_restore() { run_control_command SHOPSCOPE_START_CMD "$DATABASE"; }
# The service reconnects by itself: ready again means its /readyz is 200 again.
scenario_ready() { wait_until_ready "$SERVICE_URL/readyz" 180 "$SERVICE (with its database)"; }

SCENARIO_TITLE="Stop $DATABASE → DatabaseUnavailable for $SERVICE"
scenario_links() {
  print_links DatabaseUnavailable "$SERVICE" \
    "Grafana service|$(grafana_link shopscope-service "$SERVICE")|errors (503) and the database status of $SERVICE" \
    "Jaeger|$(jaeger_link "$SERVICE")|failed requests whose SQL span or connection fails" \
    "Grafana logs|$(grafana_link shopscope-logs "$SERVICE")|the database errors $SERVICE logs"
}
run_scenario
