#!/usr/bin/env bash
# Stops the OpenTelemetry Collector and watches CollectorDown fire and resolve.
# Run with --help for what it does and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<HELP
Usage: scripts/stop-collector.sh [options]

Stops the OpenTelemetry Collector container (\`docker compose stop otel-collector\`),
waits for the CollectorDown alert to fire, starts it again
(\`docker compose up --detach --no-deps otel-collector\`) and waits for the alert to resolve.

What it teaches: the pipeline has to watch itself. With the collector down no trace,
metric or log reaches Jaeger, Prometheus or Loki, and the /readyz probes stop too — so
ServiceDown, error-rate, latency and SLO alerts cannot fire for lack of data, while the
shop keeps working (its SDKs queue, then drop, their telemetry; no request gets slower).
CollectorDown comes from Prometheus's own scrape of the collector, which does not go
through the collector. Look at the collector dashboard (the gap in its graphs), at Jaeger
(no new traces meanwhile) and, after the restart, at the data flowing again.

Expected alert: CollectorDown (critical), after about 1.5 minutes; it resolves at the
next scrape once the collector is back.

$COMMON_HELP
HELP
}

FIRE_TIMEOUT=${ALERT_TIMEOUT:-240}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-180}
parse_common_options "$@"
[ ${#REST_ARGS[@]} -eq 0 ] || die "unknown option '${REST_ARGS[0]}' (see --help)"
load_config

CONTAINER=otel-collector
ALERT=CollectorDown
ALERT_SERVICE=''
TRAFFIC_SERVICE=''
INJECT_WHAT="stopping the collector ($SHOPSCOPE_STOP_CMD $CONTAINER)"
RESTORE_WHAT="starting the collector again ($SHOPSCOPE_START_CMD $CONTAINER)"
RESTORE_HINT="$SHOPSCOPE_START_CMD $CONTAINER"

scenario_check() {
  local status
  status=$(http_status "$COLLECTOR_HEALTH_URL")
  [ "$status" = 200 ] || die "the collector's health check $COLLECTOR_HEALTH_URL answers HTTP $status: start from a healthy stack"
}
scenario_inject() { run_control_command SHOPSCOPE_STOP_CMD "$CONTAINER"; }
scenario_restore() { run_control_command SHOPSCOPE_START_CMD "$CONTAINER"; }
scenario_ready() { wait_until_ready "$COLLECTOR_HEALTH_URL" 120 "the collector"; }

SCENARIO_TITLE="Stop the collector → CollectorDown"
scenario_links() {
  print_links CollectorDown '' \
    "Grafana collector|$(grafana_link shopscope-collector)|its graphs stop; after the restart, data in and out again" \
    "Grafana overview|$(grafana_link shopscope-overview)|every panel flat-lines: no telemetry arrives" \
    "Jaeger|$(jaeger_link frontend)|no new traces while it is down"
}
run_scenario
