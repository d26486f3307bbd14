# shellcheck shell=bash
# Shared code of the failure scripts (scripts/*.sh) and scripts/validate.sh. Sourced, not
# run. Needs only bash (3.2 too, as on macOS), curl and the usual POSIX tools (sed, grep,
# awk, od); no jq: the few JSON answers read here (Prometheus, Jaeger, Loki, Grafana) are
# compact JSON, matched with grep/sed on fixed key names.
#
# Configuration, in order of precedence: the environment, then the repository's .env (the
# file docker compose reads; SHOPSCOPE_ENV_FILE to read another), then the defaults of
# .env.example. See scripts/README.md.
#
# The scripts that source this file set the scenario's variables (ALERT, …) and read the
# ones set here (OPTION_VALUE, COMMON_HELP, …), which shellcheck cannot see from here:
# shellcheck disable=SC2034,SC2153

SHOPSCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly SHOPSCOPE_ROOT
# docker compose finds docker-compose.yml (and .env) in the current directory.
cd "$SHOPSCOPE_ROOT" || exit 2

SERVICES=(frontend user-service product-service order-service)

# ---------------------------------------------------------------------------------------
# Output: colours on a terminal, plain text otherwise (pipes, CI, NO_COLOR=1).
# ---------------------------------------------------------------------------------------
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  C_BOLD=$'\033[1m' C_DIM=$'\033[2m' C_RED=$'\033[31m' C_GREEN=$'\033[32m' C_YELLOW=$'\033[33m' C_RESET=$'\033[0m'
else
  C_BOLD='' C_DIM='' C_RED='' C_GREEN='' C_YELLOW='' C_RESET=''
fi

say() { printf '%s\n' "$*"; }
step() { printf '%s==> %s%s\n' "$C_BOLD" "$*" "$C_RESET"; }
good() { printf '%s%s%s\n' "$C_GREEN" "$*" "$C_RESET"; }
note() { printf '%s%s%s\n' "$C_DIM" "$*" "$C_RESET"; }
warn() { printf '%sWARNING: %s%s\n' "$C_YELLOW" "$*" "$C_RESET" >&2; }
error() { printf '%sERROR: %s%s\n' "$C_RED" "$*" "$C_RESET" >&2; }
# die MESSAGE: a problem found before anything was changed (bad option, stack not up).
die() {
  error "$*"
  exit 2
}

# ---------------------------------------------------------------------------------------
# Configuration.
# ---------------------------------------------------------------------------------------

ENV_FILE=${SHOPSCOPE_ENV_FILE:-$SHOPSCOPE_ROOT/.env}

# setting KEY DEFAULT: $KEY from the environment, else from the .env file, else DEFAULT.
# (.env lines as docker compose reads them: KEY=value, optionally quoted, `#` comments.)
setting() {
  local key=$1 default=$2 value=${!1:-} line
  if [ -z "$value" ] && [ -f "$ENV_FILE" ]; then
    line=$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=" "$ENV_FILE" | tail -n 1) || true
    value=${line#*=}
    value=${value%$'\r'}
    value=${value#"${value%%[![:space:]]*}"}
    case $value in
      \"*) value=${value#\"} && value=${value%%\"*} ;;
      \'*) value=${value#\'} && value=${value%%\'*} ;;
      *) value=${value%%[[:space:]]#*} && value=${value%"${value##*[![:space:]]}"} ;;
    esac
  fi
  printf '%s' "${value:-$default}"
}

# load_config: every URL, the admin token and the container commands (exported, so the
# control commands see them too).
load_config() {
  : "${FRONTEND_URL:=http://localhost:$(setting FRONTEND_PORT 8080)}"
  : "${USER_SERVICE_URL:=http://localhost:$(setting USER_SERVICE_PORT 8081)}"
  : "${PRODUCT_SERVICE_URL:=http://localhost:$(setting PRODUCT_SERVICE_PORT 8082)}"
  : "${ORDER_SERVICE_URL:=http://localhost:$(setting ORDER_SERVICE_PORT 8083)}"
  : "${PROMETHEUS_URL:=http://localhost:$(setting PROMETHEUS_PORT 9090)}"
  : "${ALERTMANAGER_URL:=http://localhost:$(setting ALERTMANAGER_PORT 9093)}"
  : "${JAEGER_URL:=http://localhost:$(setting JAEGER_UI_PORT 16686)}"
  : "${GRAFANA_URL:=http://localhost:$(setting GRAFANA_PORT 3000)}"
  : "${LOKI_URL:=http://localhost:$(setting LOKI_PORT 3100)}"
  : "${MAILPIT_URL:=http://localhost:$(setting MAILPIT_UI_PORT 8025)}"
  : "${COLLECTOR_HEALTH_URL:=http://localhost:$(setting COLLECTOR_HEALTH_PORT 13133)/}"
  : "${ADMIN_TOKEN:=$(setting ADMIN_TOKEN shopscope-demo-admin-token)}"
  : "${SHOPSCOPE_KILL_CMD:=docker compose kill}"
  : "${SHOPSCOPE_STOP_CMD:=docker compose stop}"
  # Starts the one container again, as it was: `docker compose start` would also start (and
  # wait for) every container it depends on, so one unhealthy backend could fail a restore.
  : "${SHOPSCOPE_START_CMD:=docker compose up --detach --no-deps --no-build --no-recreate}"
  # Seconds between two looks at Prometheus while waiting, and between progress lines.
  : "${POLL_INTERVAL:=2}"
  : "${PROGRESS_EVERY:=15}"
  FRONTEND_URL=${FRONTEND_URL%/} USER_SERVICE_URL=${USER_SERVICE_URL%/}
  PRODUCT_SERVICE_URL=${PRODUCT_SERVICE_URL%/} ORDER_SERVICE_URL=${ORDER_SERVICE_URL%/}
  PROMETHEUS_URL=${PROMETHEUS_URL%/} ALERTMANAGER_URL=${ALERTMANAGER_URL%/} JAEGER_URL=${JAEGER_URL%/}
  GRAFANA_URL=${GRAFANA_URL%/} LOKI_URL=${LOKI_URL%/} MAILPIT_URL=${MAILPIT_URL%/}
  export FRONTEND_URL USER_SERVICE_URL PRODUCT_SERVICE_URL ORDER_SERVICE_URL PROMETHEUS_URL \
    ALERTMANAGER_URL JAEGER_URL GRAFANA_URL LOKI_URL MAILPIT_URL COLLECTOR_HEALTH_URL ADMIN_TOKEN \
    SHOPSCOPE_KILL_CMD SHOPSCOPE_STOP_CMD SHOPSCOPE_START_CMD
}

# control_commands_overridden: true when a SHOPSCOPE_*_CMD is not the docker default (the
# stack is then not a compose project this script can inspect).
control_commands_overridden() {
  [ "$SHOPSCOPE_KILL_CMD" != "docker compose kill" ] ||
    [ "$SHOPSCOPE_STOP_CMD" != "docker compose stop" ] ||
    [ "$SHOPSCOPE_START_CMD" != "docker compose up --detach --no-deps --no-build --no-recreate" ]
}

# service_url SERVICE: the base URL of one of the four services.
service_url() {
  case $1 in
    frontend) printf '%s' "$FRONTEND_URL" ;;
    user-service) printf '%s' "$USER_SERVICE_URL" ;;
    product-service) printf '%s' "$PRODUCT_SERVICE_URL" ;;
    order-service) printf '%s' "$ORDER_SERVICE_URL" ;;
    *) return 1 ;;
  esac
}

# require_service NAME: dies unless NAME is one of the four services.
require_service() {
  local s
  for s in "${SERVICES[@]}"; do [ "$s" = "$1" ] && return 0; done
  die "unknown service '$1' (one of: ${SERVICES[*]})"
}

# require_int NAME VALUE: dies unless VALUE is a whole number.
require_int() {
  case $2 in
    '' | *[!0-9]*) die "$1 must be a whole number, got '$2'" ;;
  esac
}

# require_decimal NAME VALUE MAX: dies unless VALUE is a number (such as 0.5) above 0 and at
# most MAX.
require_decimal() {
  case $2 in
    '' | *[!0-9.]* | *.*.* | .) die "$1 must be a number such as 0.5, got '$2'" ;;
  esac
  awk -v v="$2" -v max="$3" 'BEGIN { exit !(v + 0 > 0 && v + 0 <= max + 0) }' ||
    die "$1 must be more than 0 and at most $3, got $2"
}

# require_route PATTERN: dies unless PATTERN is empty or a path pattern the fault API takes.
require_route() {
  case $1 in
    '') ;;
    /*) case $1 in *[!A-Za-z0-9_/:.*-]*) die "--route may only hold letters, digits and _ - / : . * (got '$1')" ;; esac ;;
    *) die "--route must start with / (e.g. '/api/products*'), got '$1'" ;;
  esac
}

# ---------------------------------------------------------------------------------------
# HTTP.
# ---------------------------------------------------------------------------------------

# http_status URL [CURL_ARGS…]: the HTTP status of a GET (000 when nothing answers).
http_status() {
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time "${HTTP_TIMEOUT:-5}" "$@" "$url" || true
}

# http_get URL [CURL_ARGS…]: the body of a GET on stdout; fails unless the answer is 2xx.
http_get() {
  local url=$1
  shift
  curl -fsS --max-time "${HTTP_TIMEOUT:-10}" "$@" "$url"
}

# random_hex BYTES: that many random bytes as lowercase hex.
random_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# json_string KEY < JSON: the first string value of KEY ("KEY":"value").
json_string() {
  grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | sed 's/^[^:]*:"//; s/"$//'
}

# json_number KEY < JSON: the first number value of KEY ("KEY":123).
json_number() {
  grep -o "\"$1\":[0-9][0-9]*" | head -n 1 | sed 's/.*://'
}

# new_api_key: registers a throwaway shopper through user-service and prints its API key.
new_api_key() {
  local user password body
  user="script_$(random_hex 5)"
  password="pw-$(random_hex 8)"
  curl -fsS --max-time 15 -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"email\":\"$user@shopscope.local\",\"password\":\"$password\",\"first_name\":\"Script\",\"last_name\":\"Shopper\"}" \
    "$USER_SERVICE_URL/api/user/create" || return 1
  body=$(curl -fsS --max-time 15 -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" "$USER_SERVICE_URL/api/user/login") || return 1
  printf '%s' "$body" | json_string api_key
}

# ---------------------------------------------------------------------------------------
# The fault API of every service: GET|PUT|DELETE /admin/faults with the admin token
# (docs/api.md). Faults live in the process's memory: a restart clears them too.
# ---------------------------------------------------------------------------------------

# fault_api METHOD SERVICE [JSON]: calls it and prints the answer; fails unless 2xx.
fault_api() {
  local method=$1 url
  url="$(service_url "$2")/admin/faults"
  local -a args=(-fsS --max-time 10 -X "$method" -H "Authorization: Bearer $ADMIN_TOKEN")
  if [ -n "${3:-}" ]; then args+=(-H 'content-type: application/json' -d "$3"); fi
  curl "${args[@]}" "$url"
}

# check_fault_api SERVICE: dies unless the fault API answers with the token (nothing changed).
check_fault_api() {
  local url status
  url="$(service_url "$1")/admin/faults"
  status=$(http_status "$url" -H "Authorization: Bearer $ADMIN_TOKEN")
  case $status in
    200) ;;
    000) die "$1 does not answer at $url: is the stack up? (docker compose up -d)" ;;
    401) die "$1 refused ADMIN_TOKEN: set it to the ADMIN_TOKEN of your .env (default shopscope-demo-admin-token)" ;;
    403) die "$1 has its fault API disabled (no ADMIN_TOKEN in its environment)" ;;
    *) die "$1 answered HTTP $status to GET $url" ;;
  esac
  if fault_api GET "$1" | grep -Eq '"(latency_ms|jitter_ms|error_rate)":[1-9]|"error_rate":0\.[0-9]*[1-9]|"(memory_leak|cpu_burn|event_loop_block)":'; then
    warn "$1 already has a fault set ($(fault_api GET "$1")); it will be replaced, then cleared"
  fi
}

# ---------------------------------------------------------------------------------------
# Prometheus.
# ---------------------------------------------------------------------------------------

# prom_query EXPR: the JSON answer of an instant query; fails if Prometheus does not answer.
prom_query() {
  curl -fs --max-time 10 --get --data-urlencode "query=$1" "$PROMETHEUS_URL/api/v1/query"
}

# prom_has_result EXPR: returns 0 when the query finds at least one series, 1 when it finds
# none, 2 when Prometheus did not answer or refused the query (never "none" by mistake).
prom_has_result() {
  local body
  body=$(prom_query "$1") || return 2
  case $body in *'"status":"success"'*) ;; *) return 2 ;; esac
  case $body in
    *'"result":[]'*) return 1 ;;
    *'"result":[{'*) return 0 ;;
    *) return 2 ;;
  esac
}

# prom_value EXPR: the value of the first series of an instant query (empty if none).
prom_value() {
  prom_query "$1" | sed -n 's/^[^[]*"result":\[{[^]]*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}

# alert_selector ALERT [SERVICE]: the label matchers of that alert in the ALERTS series.
alert_selector() {
  if [ -n "${2:-}" ]; then
    printf 'alertname="%s",service_name="%s"' "$1" "$2"
  else
    printf 'alertname="%s"' "$1"
  fi
}

# alert_state ALERT [SERVICE]: firing, pending, inactive, or unknown (Prometheus unreachable).
alert_state() {
  local selector rc=0
  selector=$(alert_selector "$1" "${2:-}")
  prom_has_result "ALERTS{$selector,alertstate=\"firing\"}" || rc=$?
  case $rc in 0) echo firing && return ;; 2) echo unknown && return ;; esac
  rc=0
  prom_has_result "ALERTS{$selector,alertstate=\"pending\"}" || rc=$?
  case $rc in 0) echo pending ;; 1) echo inactive ;; *) echo unknown ;; esac
}

# wait_for_alert ALERT SERVICE WANT TIMEOUT SINCE: polls until the alert is `firing`
# (WANT=firing) or gone (WANT=resolved), printing its state every PROGRESS_EVERY seconds.
# SINCE is the $SECONDS value the elapsed time counts from. Sets WAIT_ELAPSED; returns 1
# when TIMEOUT seconds after SINCE have passed without it.
wait_for_alert() {
  local alert=$1 service=$2 want=$3 timeout=$4 since=$5 state last_report=-1 label
  label=$alert${service:+ for $service}
  while :; do
    state=$(alert_state "$alert" "$service")
    WAIT_ELAPSED=$((SECONDS - since))
    if [ "$want" = firing ] && [ "$state" = firing ]; then return 0; fi
    if [ "$want" = resolved ] && [ "$state" = inactive ]; then return 0; fi
    if [ "$WAIT_ELAPSED" -ge "$timeout" ]; then
      LAST_ALERT_STATE=$state
      return 1
    fi
    if [ "$last_report" -lt 0 ] || [ $((WAIT_ELAPSED - last_report)) -ge "$PROGRESS_EVERY" ]; then
      note "    ${WAIT_ELAPSED} s: $label is $state"
      last_report=$WAIT_ELAPSED
    fi
    sleep "$POLL_INTERVAL"
  done
}

# ---------------------------------------------------------------------------------------
# Background traffic: some alerts need requests to judge (HighErrorRate and HighLatencyP95
# ignore a service with less than 0.1 request/s). A loop in the background sends
# TRAFFIC_RPS requests per second, each in its own curl bounded by --max-time, so slow
# answers do not slow the pace. It stops with stop_traffic, when the script exits, or by
# itself once the script is gone or TRAFFIC_MAX_SECONDS have passed.
# ---------------------------------------------------------------------------------------

TRAFFIC_PID=''

# traffic_paths SERVICE: the requests the traffic sends to SERVICE, one per line — cheap,
# read-only calls a shopper's visit makes.
traffic_paths() {
  case $1 in
    frontend) printf '%s\n' / /product/laptop-pro /product/gaming-mouse ;;
    user-service) printf '%s\n' /api/user/admin/exists ;;
    product-service) printf '%s\n' /api/products /api/product/laptop-pro /api/product/webcam-hd ;;
    order-service) printf '%s\n' /api/order /api/orders ;;
  esac
}

# start_traffic SERVICE: starts the background traffic to SERVICE.
start_traffic() {
  local service=$1 base interval line paths=() auth=() key
  base=$(service_url "$service")
  while IFS= read -r line; do paths+=("$line"); done < <(traffic_paths "$service")
  if [ "$service" = order-service ]; then
    # order-service's API needs a shopper's key; without one the requests are 401s, which
    # still count as traffic.
    if key=$(new_api_key) && [ -n "$key" ]; then
      auth=(-H "Authorization: Bearer $key")
    else
      warn "could not register a shopper for the traffic; order-service will answer 401"
    fi
  fi
  interval=$(awk -v rps="${TRAFFIC_RPS:-2}" 'BEGIN { if (rps <= 0) rps = 2; printf "%.3f", 1 / rps }')
  note "    background traffic: ${TRAFFIC_RPS:-2} requests/s to $base (${paths[*]})"
  (
    # shellcheck disable=SC2046 # one pid per word
    trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
    end=$((SECONDS + ${TRAFFIC_MAX_SECONDS:-1800}))
    i=0
    while [ "$SECONDS" -lt "$end" ] && kill -0 "$$" 2>/dev/null; do
      curl -s -o /dev/null --max-time 10 ${auth[@]+"${auth[@]}"} "$base${paths[i % ${#paths[@]}]}" &
      i=$((i + 1))
      sleep "$interval"
    done
  ) </dev/null &
  TRAFFIC_PID=$!
}

stop_traffic() {
  if [ -n "$TRAFFIC_PID" ]; then
    kill "$TRAFFIC_PID" 2>/dev/null || true
    wait "$TRAFFIC_PID" 2>/dev/null || true
    TRAFFIC_PID=''
  fi
}

# ---------------------------------------------------------------------------------------
# Where to look: links printed by every script.
# ---------------------------------------------------------------------------------------

# grafana_link UID [SERVICE]: a dashboard of grafana/dashboards (by its uid).
grafana_link() {
  printf '%s/d/%s%s' "$GRAFANA_URL" "$1" "${2:+?var-service=$2}"
}

jaeger_link() {
  printf '%s/search?service=%s' "$JAEGER_URL" "$1"
}

# print_links ALERT SERVICE LINE…: the places to watch; each LINE is "Label|URL|why".
print_links() {
  local alert=$1 service=$2 entry label url why
  shift 2
  step "Where to look while it runs"
  for entry in "$@" \
    "Prometheus alerts|$PROMETHEUS_URL/alerts|$alert goes inactive → pending → firing, then back" \
    "Alertmanager|$ALERTMANAGER_URL|the alert${service:+ for $service}, once firing, with its receiver" \
    "Mailpit|$MAILPIT_URL|the e-mail Alertmanager sends" \
    "Runbook|docs/runbooks/$alert.md|what the alert means and what to do"; do
    IFS='|' read -r label url why <<<"$entry"
    printf '    %-18s %s\n' "$label" "$url"
    printf '    %-18s %s\n' '' "${C_DIM}$why${C_RESET}"
  done
}

# ---------------------------------------------------------------------------------------
# The scenario every failure script runs. The script sets:
#   SCENARIO_TITLE, ALERT, ALERT_SERVICE (empty for alerts without service_name),
#   FIRE_TIMEOUT, RESOLVE_TIMEOUT, TRAFFIC_SERVICE (empty: no traffic needed),
#   INJECT_WHAT, RESTORE_WHAT, RESTORE_HINT (the command to restore by hand)
# and defines:
#   scenario_check    fails (die) when the stack is not in a state to start from
#   scenario_links    prints where to look (print_links)
#   scenario_inject   breaks something; returns non-zero if it could not
#   scenario_restore  undoes it; safe to call twice; returns non-zero if it could not
#   scenario_ready    waits until what was restored works again (optional)
# ---------------------------------------------------------------------------------------

RESTORE_PENDING=0

# run_control_command VAR NAME: runs the command in $VAR (e.g. "docker compose stop") on NAME.
run_control_command() {
  local -a command
  read -r -a command <<<"${!1}"
  note "    \$ ${command[*]} $2"
  "${command[@]}" "$2"
}

# restore_now: restores once (RESTORE_PENDING guards against doing it twice).
restore_now() {
  [ "$RESTORE_PENDING" = 1 ] || return 0
  step "Restoring: $RESTORE_WHAT"
  if scenario_restore; then
    RESTORE_PENDING=0
    RESTORED_AT=$SECONDS
    return 0
  fi
  error "could not restore. Do it by hand: $RESTORE_HINT"
  return 1
}

on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_traffic
  if [ "$RESTORE_PENDING" = 1 ]; then
    restore_now || rc=1
  fi
  exit "$rc"
}

on_signal() {
  say ''
  warn "interrupted: restoring before exiting"
  exit 130
}

run_scenario() {
  local fired=0 status state

  step "$SCENARIO_TITLE"
  status=$(http_status "$PROMETHEUS_URL/-/ready")
  [ "$status" = 200 ] || die "Prometheus does not answer at $PROMETHEUS_URL (HTTP $status). Is the stack up? (docker compose up -d)"
  state=$(alert_state "$ALERT" "$ALERT_SERVICE")
  if [ "$state" = pending ]; then
    # E.g. right after `docker compose up`, the first /readyz probes ran before the services
    # were up: give a passing hiccup time to clear rather than measure from the middle of it.
    note "    $ALERT${ALERT_SERVICE:+ for $ALERT_SERVICE} is pending already: waiting up to 90 s for it to clear"
    if wait_for_alert "$ALERT" "$ALERT_SERVICE" resolved 90 "$SECONDS"; then state=inactive; else state=$LAST_ALERT_STATE; fi
  fi
  if [ "$state" != inactive ]; then
    die "$ALERT${ALERT_SERVICE:+ for $ALERT_SERVICE} is already $state: wait until it is over (see $PROMETHEUS_URL/alerts), then run this again"
  fi
  scenario_check
  scenario_links

  trap on_exit EXIT
  trap on_signal INT TERM
  if [ -n "${TRAFFIC_SERVICE:-}" ]; then
    step "Starting background traffic (the alert needs requests to judge)"
    TRAFFIC_MAX_SECONDS=$((FIRE_TIMEOUT + RESOLVE_TIMEOUT + 120))
    start_traffic "$TRAFFIC_SERVICE"
  fi

  step "Injecting: $INJECT_WHAT"
  RESTORE_PENDING=1
  local injected_at=$SECONDS
  scenario_inject || {
    error "the failure could not be injected"
    exit 1
  }

  step "Waiting for $ALERT${ALERT_SERVICE:+ (service_name=$ALERT_SERVICE)} to fire (at most $FIRE_TIMEOUT s)"
  if wait_for_alert "$ALERT" "$ALERT_SERVICE" firing "$FIRE_TIMEOUT" "$injected_at"; then
    good "$ALERT fired after $WAIT_ELAPSED s"
    fired=1
  else
    error "$ALERT did not fire within $FIRE_TIMEOUT s (it is $LAST_ALERT_STATE). Restoring anyway."
  fi

  restore_now || exit 1
  if declare -F scenario_ready >/dev/null; then
    scenario_ready || exit 1
  fi
  [ "$fired" = 1 ] || exit 1

  step "Waiting for $ALERT to resolve (at most $RESOLVE_TIMEOUT s)"
  if wait_for_alert "$ALERT" "$ALERT_SERVICE" resolved "$RESOLVE_TIMEOUT" "$RESTORED_AT"; then
    good "$ALERT resolved after $WAIT_ELAPSED s"
  else
    error "$ALERT did not resolve within $RESOLVE_TIMEOUT s after the restore (it is $LAST_ALERT_STATE)"
    exit 1
  fi
  stop_traffic
  good "Done: $ALERT fired and resolved."
}

# wait_until_ready URL TIMEOUT WHAT: polls URL until it answers 200; prints how long it took.
wait_until_ready() {
  local url=$1 timeout=$2 what=$3 since=$SECONDS status
  while :; do
    status=$(http_status "$url")
    if [ "$status" = 200 ]; then
      say "    $what answers again after $((SECONDS - since)) s"
      return 0
    fi
    if [ $((SECONDS - since)) -ge "$timeout" ]; then
      error "$what still does not answer $url after $timeout s (HTTP $status)"
      return 1
    fi
    sleep 1
  done
}

# parse_common_options "$@": handles the options every failure script takes; the rest is left
# in REST_ARGS for the script.
parse_common_options() {
  REST_ARGS=()
  while [ $# -gt 0 ]; do
    case $1 in
      --timeout)
        [ $# -ge 2 ] || die "--timeout needs a number of seconds"
        require_int --timeout "$2"
        FIRE_TIMEOUT=$2
        shift 2
        ;;
      --timeout=*)
        require_int --timeout "${1#*=}"
        FIRE_TIMEOUT=${1#*=}
        shift
        ;;
      --resolve-timeout)
        [ $# -ge 2 ] || die "--resolve-timeout needs a number of seconds"
        require_int --resolve-timeout "$2"
        RESOLVE_TIMEOUT=$2
        shift 2
        ;;
      --resolve-timeout=*)
        require_int --resolve-timeout "${1#*=}"
        RESOLVE_TIMEOUT=${1#*=}
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        REST_ARGS+=("$1")
        shift
        ;;
    esac
  done
}

# option_value OPTION ARGS…: for "--opt value" and "--opt=value"; sets OPTION_VALUE and
# OPTION_SHIFT (how many arguments it used).
option_value() {
  local option=$1
  shift
  case $1 in
    "$option"=*)
      OPTION_VALUE=${1#*=}
      OPTION_SHIFT=1
      ;;
    *)
      [ $# -ge 2 ] || die "$option needs a value"
      OPTION_VALUE=$2
      OPTION_SHIFT=2
      ;;
  esac
}

# Text shared by every --help.
COMMON_HELP="Common options:
  --timeout SECONDS          how long to wait for the alert to fire (env ALERT_TIMEOUT)
  --resolve-timeout SECONDS  how long to wait for it to resolve after the restore
                             (env RESOLVE_TIMEOUT)
  -h, --help                 this help

Environment (defaults suit \`docker compose up\` on this machine; ports and ADMIN_TOKEN
are read from the repository's .env when it exists, or from SHOPSCOPE_ENV_FILE):
  PROMETHEUS_URL (http://localhost:9090)   ALERTMANAGER_URL (http://localhost:9093)
  GRAFANA_URL (http://localhost:3000)      JAEGER_URL (http://localhost:16686)
  MAILPIT_URL (http://localhost:8025)      COLLECTOR_HEALTH_URL (http://localhost:13133/)
  FRONTEND_URL, USER_SERVICE_URL, PRODUCT_SERVICE_URL, ORDER_SERVICE_URL (:8080-:8083)
  ADMIN_TOKEN (shopscope-demo-admin-token) the fault API's token
  SHOPSCOPE_KILL_CMD (docker compose kill), SHOPSCOPE_STOP_CMD (docker compose stop),
  SHOPSCOPE_START_CMD (docker compose up --detach --no-deps --no-build --no-recreate): run as '<command> <container name>' from
  the repository root
  TRAFFIC_RPS (2)   requests per second of the background traffic, where one is needed
  POLL_INTERVAL (2) seconds between two looks at Prometheus
  NO_COLOR=1        plain output on a terminal too

Exit status: 0 the alert fired and resolved; 1 it did not fire or did not resolve in time
(what was broken is restored in every case, Ctrl-C included); 2 nothing was done (bad
option, stack not reachable, alert already active); 130 interrupted (restored)."
