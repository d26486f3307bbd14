#!/usr/bin/env bash
# Checks the whole ShopScope pipeline, one line per check, and ends with "N passed, M failed".
# Run with --help for the list of checks and the options.
set -uo pipefail # not -e: a failing check is reported, and the next one runs
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<HELP
Usage: scripts/validate.sh [--no-traffic] [--wait SECONDS]

Checks that the whole stack works, from the shop to the alert e-mails, and prints one
line per check (PASS or FAIL, and what it saw), then "N passed, M failed". The exit
status is 0 only when nothing failed.

First, unless --no-traffic, it places an order through the APIs (a new shopper, one
product, a checkout whose trace id it chooses) and opens two pages of the shop, so
that fresh traces, metrics and logs exist. Then it checks:
  - containers: every service of docker-compose.yml running and healthy
    (\`docker compose ps\`; skipped with SHOPSCOPE_SKIP_CONTAINERS=1 or when the
    SHOPSCOPE_*_CMD commands are overridden, i.e. the stack is not run by compose)
  - each service's /readyz answers 200
  - the checkout through the APIs succeeded
  - Jaeger has traces of each service, and one trace crosses several services
  - Prometheus has the HTTP RED metrics of each service and the recording rules' results,
    and the server metrics of each database (the collector's MySQL receivers)
  - Loki has log lines of each service carrying a trace_id
  - Grafana is up, has every datasource of grafana/provisioning/datasources and every
    dashboard of grafana/dashboards
  - Prometheus loaded every alerting and recording rule of prometheus/rules, none failing
  - Alertmanager answers and receives Prometheus's alerts (the always-firing Watchdog)
  - the collector is healthy, scraped by Prometheus, and refused, dropped or failed to
    export nothing over the last 5 minutes
Telemetry takes a few seconds to arrive (batching, the 10 s metric export, the 15 s
rule evaluation): after the traffic, a check that fails is tried again until --wait
seconds have passed.

Options:
  --no-traffic     check what is there, without placing an order first
  --wait SECONDS   how long checks may wait for data after the traffic (default 60;
                   0 with --no-traffic)
  -h, --help       this help

Environment (defaults suit \`docker compose up\`; ports read from the repository's .env
when it exists, or from SHOPSCOPE_ENV_FILE):
  FRONTEND_URL, USER_SERVICE_URL, PRODUCT_SERVICE_URL, ORDER_SERVICE_URL,
  PROMETHEUS_URL, ALERTMANAGER_URL, JAEGER_URL, LOKI_URL, GRAFANA_URL, COLLECTOR_HEALTH_URL
  GRAFANA_USER, GRAFANA_PASSWORD   credentials for Grafana (anonymous read access
                                   suffices for a compose stack)
  SHOPSCOPE_SKIP_CONTAINERS=1      skip the \`docker compose ps\` check
  NO_COLOR=1                       plain output on a terminal too
HELP
}

TRAFFIC=1
WAIT_SECONDS=''
while [ $# -gt 0 ]; do
  case $1 in
    --no-traffic) TRAFFIC=0 && OPTION_SHIFT=1 ;;
    --wait | --wait=*) option_value --wait "$@" && WAIT_SECONDS=$OPTION_VALUE ;;
    -h | --help) usage && exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
if [ -z "$WAIT_SECONDS" ]; then
  if [ "$TRAFFIC" = 1 ]; then WAIT_SECONDS=60; else WAIT_SECONDS=0; fi
fi
require_int --wait "$WAIT_SECONDS"
load_config

# Services of docker-compose.yml that run once and exit (0 = done), not for ever.
ONE_SHOT_SERVICES=' healthcheck-tools '
# Names of the checkout's services: the trace of the checkout must cross all three.
CHECKOUT_SERVICES=(order-service product-service user-service)
# The databases the collector's MySQL receivers read (otel-collector/config.yaml).
DATABASES=(user-db product-db order-db)

GRAFANA_AUTH=()
if [ -n "${GRAFANA_USER:-}" ]; then GRAFANA_AUTH=(-u "$GRAFANA_USER:${GRAFANA_PASSWORD:-}"); fi

PASSED=0
FAILED=0
# After the traffic, checks that fail are tried again until this $SECONDS value.
DATA_DEADLINE=0
DETAIL=''

# report WORD COLOUR NAME DETAIL: one line of the report.
report() {
  printf '%s%-4s%s  %-40s %s\n' "$2" "$1" "$C_RESET" "$3" "${4//$'\n'/ }"
}

# check NAME FUNCTION [ARGS…]: FUNCTION sets DETAIL and returns 0 when the check passes.
# (Bash variables are visible to the functions called: the check functions declare theirs
# local, and this one's have a prefix of their own.)
check() {
  local _check_name=$1
  shift
  while :; do
    DETAIL=''
    if "$@"; then
      PASSED=$((PASSED + 1))
      report PASS "$C_GREEN" "$_check_name" "$DETAIL"
      return 0
    fi
    [ "$SECONDS" -lt "$DATA_DEADLINE" ] || break
    sleep 3
  done
  FAILED=$((FAILED + 1))
  report FAIL "$C_RED" "$_check_name" "$DETAIL"
}

skip() {
  report SKIP "$C_YELLOW" "$1" "$2"
}

# fetch VAR URL [CURL_ARGS…]: the body of the answer into $VAR (the caller's variable); on
# no answer or a non-2xx one, sets DETAIL to why and returns 1.
fetch() {
  local _fetch_var=$1 _fetch_url=$2 _fetch_out _fetch_status
  shift 2
  _fetch_out=$(curl -sS --max-time 10 -w '\n%{http_code}' "$@" "$_fetch_url" 2>&1)
  _fetch_status=${_fetch_out##*$'\n'}
  _fetch_out=${_fetch_out%$'\n'*}
  printf -v "$_fetch_var" '%s' "$_fetch_out"
  case $_fetch_status in
    2??) return 0 ;;
    000) DETAIL="no answer from $_fetch_url ($(printf '%s' "$_fetch_out" | sed -n 's/^curl: //p' | head -n 1))" ;;
    *) DETAIL="$_fetch_url answered HTTP $_fetch_status: $(printf '%s' "$_fetch_out" | head -c 160)" ;;
  esac
  return 1
}

now_us() { printf '%s000000' "$(date +%s)"; }

# --- containers -------------------------------------------------------------------------

check_containers() {
  local expected ps service name state health code line ok=0 problems=() found
  if ! command -v docker >/dev/null 2>&1; then
    DETAIL="docker not found (set SHOPSCOPE_SKIP_CONTAINERS=1 when the stack does not run in Docker)"
    return 1
  fi
  if ! expected=$(docker compose config --services 2>&1); then
    DETAIL="docker compose config failed: $(printf '%s' "$expected" | head -n 1)"
    return 1
  fi
  if ! ps=$(docker compose ps --all --format '{{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}' 2>&1); then
    DETAIL="docker compose ps failed: $(printf '%s' "$ps" | head -n 1)"
    return 1
  fi
  for service in $expected; do
    found=0
    while IFS='|' read -r name state health code; do
      [ "$name" = "$service" ] || continue
      found=1
      case $state in
        running)
          if [ -z "$health" ] || [ "$health" = healthy ]; then ok=$((ok + 1)); else problems+=("$service $health"); fi
          ;;
        exited)
          if [ "$code" = 0 ] && [ "${ONE_SHOT_SERVICES#* "$service" }" != "$ONE_SHOT_SERVICES" ]; then
            ok=$((ok + 1))
          else
            problems+=("$service exited ($code)")
          fi
          ;;
        *) problems+=("$service $state") ;;
      esac
    done <<<"$ps"
    [ "$found" = 1 ] || problems+=("$service has no container")
  done
  line="$ok containers running and healthy"
  if [ ${#problems[@]} -gt 0 ]; then
    DETAIL="$line; not: ${problems[*]}"
    return 1
  fi
  DETAIL=$line
}

# --- services ---------------------------------------------------------------------------

check_readyz() {
  local url body='' logs=''
  url="$(service_url "$1")/readyz"
  if fetch body "$url"; then
    DETAIL="200"
    return 0
  fi
  # A service that cannot log in to its database never starts listening; its log says why.
  # The commonest cause on a laptop: a password changed in .env after the first start.
  # (Read whole, then matched: `… | grep -q` under pipefail fails at random when grep stops
  # reading early and docker compose dies of SIGPIPE.)
  [ "$CONTAINERS_CHECKED" = 1 ] && logs=$(docker compose logs --tail 50 "$1" 2>/dev/null)
  if [[ $logs == *ER_ACCESS_DENIED_ERROR* ]]; then
    DETAIL="$DETAIL; its database refuses the user and password: was MYSQL_PASSWORD changed in .env after the first start? Put the old value back, or \`docker compose down -v\` (deletes the data); see the README's Troubleshooting"
  fi
  return 1
}

TRACE_ID=''
ORDER_ID=''
# place_order: a shopper's checkout through the APIs, with a trace id chosen here so that
# its trace can be looked up in Jaeger; then two pages of the shop.
place_order() {
  local key product body=''
  key=$(new_api_key) || {
    DETAIL="could not register and log in a shopper at $USER_SERVICE_URL"
    return 1
  }
  fetch body "$PRODUCT_SERVICE_URL/api/product/laptop-pro" || return 1
  product=$(printf '%s' "$body" | json_number id)
  fetch body "$ORDER_SERVICE_URL/api/order/add-item" -X POST -H "Authorization: Bearer $key" \
    -H 'content-type: application/json' -d "{\"product_id\":$product,\"quantity\":1}" || return 1
  TRACE_ID=$(random_hex 16)
  fetch body "$ORDER_SERVICE_URL/api/order/checkout" -X POST -H "Authorization: Bearer $key" \
    -H "traceparent: 00-$TRACE_ID-$(random_hex 8)-01" || return 1
  ORDER_ID=$(printf '%s' "$body" | json_number id)
  fetch body "$FRONTEND_URL/" || return 1
  fetch body "$FRONTEND_URL/product/laptop-pro" || return 1
  # And a page that does not exist: at LOG_LEVEL=info a successful request writes no log
  # line, a refused one does (`request rejected`, with its trace id), so the frontend has a
  # line for the Loki check below even when no order went through the web shop.
  curl -s -o /dev/null --max-time 10 "$FRONTEND_URL/product/validate-sh-no-such-product" || true
  DETAIL="order $ORDER_ID placed (trace $TRACE_ID); 3 pages of the shop opened, one of them missing"
}

# --- Jaeger -------------------------------------------------------------------------------

check_jaeger_traces() {
  local body=''
  fetch body "$JAEGER_URL/api/traces" -G --data-urlencode "service=$1" --data-urlencode limit=1 \
    --data-urlencode "start=$(($(date +%s) - 3600))000000" --data-urlencode "end=$(now_us)" || return 1
  case $body in
    *'"traceID":"'*)
      DETAIL="traces in the last hour, e.g. $(printf '%s' "$body" | json_string traceID)"
      return 0
      ;;
  esac
  DETAIL="no trace of $1 in the last hour"
  return 1
}

# services_per_trace < JAEGER_JSON: the largest number of services in one trace of the
# answer (each trace's "processes" block names its services).
services_per_trace() {
  awk '{ text = text $0 } END {
    n = split(text, parts, /"processes":/)
    for (i = 2; i <= n; i++) {
      split("", seen); count = 0; rest = parts[i]
      while (match(rest, /"serviceName":"[^"]*"/)) {
        name = substr(rest, RSTART, RLENGTH)
        if (!(name in seen)) { seen[name] = 1; count++ }
        rest = substr(rest, RSTART + RLENGTH)
      }
      if (count > best) best = count
    }
    print best + 0
  }'
}

check_trace_crosses_services() {
  local body='' services missing=() s
  if [ -n "$TRACE_ID" ]; then
    fetch body "$JAEGER_URL/api/traces/$TRACE_ID" || return 1
    services=$(printf '%s' "$body" | grep -o '"serviceName":"[^"]*"' | sed 's/.*:"//; s/"$//' | sort -u | tr '\n' ' ')
    for s in "${CHECKOUT_SERVICES[@]}"; do
      case " $services" in *" $s "*) ;; *) missing+=("$s") ;; esac
    done
    if [ ${#missing[@]} -eq 0 ]; then
      DETAIL="the checkout's trace $TRACE_ID crosses ${services% }"
      return 0
    fi
    DETAIL="the checkout's trace $TRACE_ID has ${services:-no span} but not ${missing[*]}"
    return 1
  fi
  # The shop's traces: every one starts with a page request, and most pages call a backend.
  # (Not order-service's: its start-up — migrations, the wait for its database — leaves root
  # traces of SQL spans alone, which can fill the page of 20 Jaeger answers.)
  fetch body "$JAEGER_URL/api/traces" -G --data-urlencode service=frontend --data-urlencode limit=20 \
    --data-urlencode "start=$(($(date +%s) - 3600))000000" --data-urlencode "end=$(now_us)" || return 1
  s=$(printf '%s' "$body" | services_per_trace)
  if [ "$s" -ge 2 ]; then
    DETAIL="the shop's traces of the last hour cross up to $s services"
    return 0
  fi
  DETAIL="no trace of the shop in the last hour crosses two services: open a page of the shop, then run this again"
  return 1
}

# --- Prometheus -----------------------------------------------------------------------

check_red_metrics() {
  local value
  value=$(prom_value "sum(http_server_request_duration_seconds_count{service_name=\"$1\"})") || {
    DETAIL="Prometheus does not answer at $PROMETHEUS_URL"
    return 1
  }
  if [ -n "$value" ] && [ "$value" != 0 ]; then
    DETAIL="http_server_request_duration_seconds_count: $value requests"
    return 0
  fi
  DETAIL="no http_server_request_duration_seconds_count{service_name=\"$1\"}"
  return 1
}

check_recording_rules() {
  local body='' s missing=()
  body=$(prom_query 'service_name:http_server_requests:rate5m') || {
    DETAIL="Prometheus does not answer at $PROMETHEUS_URL"
    return 1
  }
  for s in "${SERVICES[@]}"; do
    case $body in *"\"service_name\":\"$s\""*) ;; *) missing+=("$s") ;; esac
  done
  if [ ${#missing[@]} -eq 0 ]; then
    DETAIL="service_name:http_server_requests:rate5m for the ${#SERVICES[@]} services"
    return 0
  fi
  DETAIL="service_name:http_server_requests:rate5m lacks ${missing[*]}"
  return 1
}

# The collector's MySQL receiver of one database (user-db, product-db, order-db).
check_database_metrics() {
  local value
  value=$(prom_value "max(mysql_uptime_seconds_total{service_name=\"$1\"})") || {
    DETAIL="Prometheus does not answer at $PROMETHEUS_URL"
    return 1
  }
  if [ -n "$value" ]; then
    DETAIL="mysql_uptime_seconds_total: up for $value s"
    return 0
  fi
  DETAIL="no mysql_uptime_seconds_total{service_name=\"$1\"}: see the collector's log (docker compose logs otel-collector | grep mysql/$1); a database created before its monitoring account existed needs \`docker compose down -v\` (deletes the data)"
  return 1
}

check_rules_loaded() {
  local body='' names name missing=() count=0 broken
  fetch body "$PROMETHEUS_URL/api/v1/rules" || return 1
  names=$(sed -n -E 's/^[[:space:]]*-[[:space:]]*(alert|record):[[:space:]]*([^[:space:]#]+).*/\2/p' prometheus/rules/*.yml)
  for name in $names; do
    count=$((count + 1))
    case $body in *"\"name\":\"$name\""*) ;; *) missing+=("$name") ;; esac
  done
  if [ "$count" = 0 ]; then
    DETAIL="no rule found in prometheus/rules/*.yml"
    return 1
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    DETAIL="${#missing[@]} of the $count rules of prometheus/rules are not loaded: ${missing[*]}"
    return 1
  fi
  broken=$(printf '%s' "$body" | grep -o '"health":"err"' | wc -l | tr -d ' ')
  if [ "$broken" != 0 ]; then
    DETAIL="$broken rules fail to evaluate (see $PROMETHEUS_URL/rules)"
    return 1
  fi
  DETAIL="the $count alerting and recording rules of prometheus/rules, none failing"
}

# --- Loki ---------------------------------------------------------------------------------

check_loki_logs() {
  local body=''
  fetch body "$LOKI_URL/loki/api/v1/query_range" -G \
    --data-urlencode "query={service_name=\"$1\"} | trace_id != \"\"" \
    --data-urlencode limit=5 --data-urlencode since=1h || return 1
  if printf '%s' "$body" | grep -Eq '"trace_id":"[0-9a-f]{32}"'; then
    DETAIL="lines with trace_id, e.g. $(printf '%s' "$body" | json_string trace_id)"
    return 0
  fi
  DETAIL="no line of $1 with a trace_id in the last hour (at LOG_LEVEL=info the services log business events, refused and failed requests, not every request: place an order in the shop, or run without --no-traffic)"
  return 1
}

# --- Grafana --------------------------------------------------------------------------

check_grafana_health() {
  local body=''
  fetch body "$GRAFANA_URL/api/health" ${GRAFANA_AUTH[@]+"${GRAFANA_AUTH[@]}"} || return 1
  case $body in
    *'"database":"ok"'*)
      DETAIL="version $(printf '%s' "$body" | json_string version), database ok"
      return 0
      ;;
  esac
  DETAIL="unexpected answer: $body"
  return 1
}

check_grafana_datasource() {
  local body=''
  fetch body "$GRAFANA_URL/api/datasources/uid/$1" ${GRAFANA_AUTH[@]+"${GRAFANA_AUTH[@]}"} || return 1
  case $body in
    *"\"uid\":\"$1\""*)
      DETAIL="$(printf '%s' "$body" | json_string name) ($(printf '%s' "$body" | json_string type))"
      return 0
      ;;
  esac
  DETAIL="unexpected answer: $(printf '%s' "$body" | head -c 160)"
  return 1
}

check_grafana_dashboards() {
  local body='' uid missing=() count=0
  fetch body "$GRAFANA_URL/api/search" -G --data-urlencode type=dash-db --data-urlencode limit=5000 \
    ${GRAFANA_AUTH[@]+"${GRAFANA_AUTH[@]}"} || return 1
  for uid in "${DASHBOARD_UIDS[@]}"; do
    count=$((count + 1))
    case $body in *"\"uid\":\"$uid\""*) ;; *) missing+=("$uid") ;; esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    DETAIL="missing ${missing[*]} (of the $count dashboards of grafana/dashboards)"
    return 1
  fi
  DETAIL="the $count dashboards of grafana/dashboards"
}

# --- Alertmanager -------------------------------------------------------------------------

check_alertmanager() {
  local body=''
  fetch body "$ALERTMANAGER_URL/api/v2/status" || return 1
  case $body in
    *'"config"'*)
      DETAIL="version $(printf '%s' "$body" | json_string version)"
      return 0
      ;;
  esac
  DETAIL="unexpected answer: $(printf '%s' "$body" | head -c 160)"
  return 1
}

check_watchdog_delivered() {
  local body=''
  fetch body "$ALERTMANAGER_URL/api/v2/alerts" -G --data-urlencode 'filter=alertname="Watchdog"' || return 1
  case $body in
    *'"alertname":"Watchdog"'*)
      DETAIL="Prometheus → Alertmanager works: the Watchdog alert is there"
      return 0
      ;;
  esac
  DETAIL="Alertmanager has no Watchdog alert: Prometheus does not deliver alerts to it"
  return 1
}

# --- the collector --------------------------------------------------------------------

check_collector_health() {
  local body=''
  fetch body "$COLLECTOR_HEALTH_URL" || return 1
  DETAIL="health_check: $(printf '%s' "$body" | json_string status)"
}

# The collector's own counters of lost telemetry (prometheus/rules/alerts-pipeline.yml).
COLLECTOR_LOSS_METRICS=()
for kind in receiver_refused exporter_enqueue_failed exporter_send_failed; do
  for signal in spans metric_points log_records; do COLLECTOR_LOSS_METRICS+=("otelcol_${kind}_${signal}_total"); done
done

check_collector_not_dropping() {
  local up metric rate losses=()
  up=$(prom_value 'up{job="otel-collector"}') || {
    DETAIL="Prometheus does not answer at $PROMETHEUS_URL"
    return 1
  }
  if [ "$up" != 1 ]; then
    DETAIL="Prometheus cannot scrape the collector (up{job=\"otel-collector\"} = ${up:-none})"
    return 1
  fi
  for metric in "${COLLECTOR_LOSS_METRICS[@]}"; do
    rate=$(prom_value "sum(rate($metric{job=\"otel-collector\"}[5m]))") || {
      DETAIL="Prometheus refused the query of $metric"
      return 1
    }
    if [ -n "$rate" ] && ! awk -v v="$rate" 'BEGIN { exit !(v + 0 == 0) }'; then losses+=("$metric $rate/s"); fi
  done
  if [ ${#losses[@]} -gt 0 ]; then
    DETAIL="losing telemetry over the last 5 min: ${losses[*]} (see the collector dashboard)"
    return 1
  fi
  DETAIL="scraped; nothing refused, dropped or failed over the last 5 min"
}

# --- the run --------------------------------------------------------------------------

DATASOURCE_UIDS=()
while IFS= read -r uid; do DATASOURCE_UIDS+=("$uid"); done < <(
  sed -n "s/^[[:space:]]*uid:[[:space:]]*[\"']\{0,1\}\([A-Za-z0-9_-]*\).*/\1/p" grafana/provisioning/datasources/*.yaml
)
DASHBOARD_UIDS=()
for file in grafana/dashboards/*.json; do
  # The dashboard's own uid is the first top-level key (two-space indentation).
  uid=$(sed -n 's/^  "uid": *"\([^"]*\)".*/\1/p' "$file" | head -n 1)
  DASHBOARD_UIDS+=("${uid:-${file##*/} has no uid}")
done

say "${C_BOLD}ShopScope pipeline check${C_RESET} — Prometheus $PROMETHEUS_URL, Jaeger $JAEGER_URL, Loki $LOKI_URL, Grafana $GRAFANA_URL"

# 1 once the stack is known to run under docker compose (its logs can then be read).
CONTAINERS_CHECKED=0
if [ "${SHOPSCOPE_SKIP_CONTAINERS:-0}" = 1 ]; then
  skip containers "skipped (SHOPSCOPE_SKIP_CONTAINERS=1)"
elif control_commands_overridden; then
  skip containers "skipped (SHOPSCOPE_*_CMD overridden: the stack is not run by docker compose)"
else
  CONTAINERS_CHECKED=1
  check containers check_containers
fi
for service in "${SERVICES[@]}"; do check "readyz $service" check_readyz "$service"; done

if [ "$TRAFFIC" = 1 ]; then
  check "checkout through the APIs" place_order
fi
DATA_DEADLINE=$((SECONDS + WAIT_SECONDS))

for service in "${SERVICES[@]}"; do check "Jaeger traces $service" check_jaeger_traces "$service"; done
check "Jaeger trace across services" check_trace_crosses_services
for service in "${SERVICES[@]}"; do check "Prometheus RED metrics $service" check_red_metrics "$service"; done
check "Prometheus recording rules" check_recording_rules
for database in "${DATABASES[@]}"; do check "Prometheus database metrics $database" check_database_metrics "$database"; done
for service in "${SERVICES[@]}"; do check "Loki logs with trace_id $service" check_loki_logs "$service"; done
check "Grafana health" check_grafana_health
for uid in "${DATASOURCE_UIDS[@]}"; do check "Grafana datasource $uid" check_grafana_datasource "$uid"; done
check "Grafana dashboards" check_grafana_dashboards
check "Prometheus rules loaded" check_rules_loaded
check "Alertmanager" check_alertmanager
check "Alertmanager receives alerts" check_watchdog_delivered
check "collector health" check_collector_health
check "collector not dropping data" check_collector_not_dropping

say "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
