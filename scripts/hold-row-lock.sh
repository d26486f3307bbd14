#!/usr/bin/env bash
# Holds a product's row lock from a second database connection while shoppers check it
# out, and watches DatabaseRowLockWaits fire and resolve. Run with --help for what it does
# and teaches.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat <<EOF
Usage: scripts/hold-row-lock.sh [--product SLUG] [options]

Opens a transaction on product-db from a second connection (\`docker compose exec
product-db mysql\`, as a learner debugging by hand or a stuck batch job would), locks one
product's row with SELECT … FOR UPDATE and keeps the transaction open. Meanwhile
throwaway shoppers buy that product through the API, one checkout every 2 s: each
checkout's stock reservation waits for the lock. The script waits for the
DatabaseRowLockWaits alert to fire, kills the holding connection (its transaction rolls
back and the lock is free), and waits for the alert to resolve.

What it teaches: a lock held too long is invisible in the service that holds it and shows
up in everyone else's latency. In Jaeger a checkout's trace ends in product-service's
SQL span of SELECT … FOR UPDATE, waiting about 2 s (the services' lock wait timeout,
services/common/src/db.ts) and failing with "Lock wait timeout exceeded", retried, then
answered 503; the catalogue itself stays fast (reads take no row locks). The Databases
dashboard shows product-db's row lock waits and time climbing; the cause is found in the
database, not in the services: SELECT * FROM information_schema.innodb_trx.

Options:
  --product SLUG   the product whose row is held (default: laptop-pro)

Expected alert: DatabaseRowLockWaits{service_name="product-db"} (warning), after about
2 minutes; it resolves about 2 minutes after the lock is released.

Environment, beside the common one below:
  SHOPSCOPE_PRODUCT_SQL_CMD  the shell command reading SQL on its standard input as the
                   database's root (default: docker compose exec -T product-db sh -c
                   'MYSQL_PWD="\$MYSQL_ROOT_PASSWORD" exec mysql -uroot product_db')

$COMMON_HELP
EOF
}

PRODUCT=laptop-pro
FIRE_TIMEOUT=${ALERT_TIMEOUT:-300}
RESOLVE_TIMEOUT=${RESOLVE_TIMEOUT:-300}
parse_common_options "$@"
set -- ${REST_ARGS[@]+"${REST_ARGS[@]}"}
while [ $# -gt 0 ]; do
  case $1 in
    --product | --product=*) option_value --product "$@" && PRODUCT=$OPTION_VALUE ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift "$OPTION_SHIFT"
done
[[ "$PRODUCT" =~ ^[a-z0-9-]{1,80}$ ]] || die "--product must be a product's slug (lower-case letters, digits and -), not '$PRODUCT'"
load_config
# The root password stays inside the container: MYSQL_PWD from its own environment.
# shellcheck disable=SC2016 # expanded by the container's shell, not this one
: "${SHOPSCOPE_PRODUCT_SQL_CMD:=docker compose exec -T product-db sh -c 'MYSQL_PWD=\"\$MYSQL_ROOT_PASSWORD\" exec mysql -uroot product_db'}"

ALERT=DatabaseRowLockWaits
ALERT_SERVICE=product-db
TRAFFIC_SERVICE=''
# Names the holding statement (a column alias: the mysql client may strip comments), so the
# restore finds it in the process list, also one a killed run left behind.
TAG=shopscope_hold_row_lock
# The lock ends by itself after this long even if nothing restores it (kill -9 of the script).
HOLD_SECONDS=$((FIRE_TIMEOUT + RESOLVE_TIMEOUT + 120))
INJECT_WHAT="holding the row of $PRODUCT in product-db (SELECT … FOR UPDATE in an open transaction) while shoppers check it out"
RESTORE_WHAT="killing the holding connection (its transaction rolls back, the lock is free)"
RESTORE_HINT="docker compose exec product-db mysql -uroot -p -e \"SELECT id, info FROM information_schema.processlist WHERE info LIKE '%$TAG%'\", then KILL <id>"
HOLDER_PID=''
CHECKOUTS_PID=''

product_sql() { bash -c "$SHOPSCOPE_PRODUCT_SQL_CMD"; }

# Connection ids of the tagged holding statements (not of the query looking for them).
holder_ids() {
  product_sql <<<"SELECT id FROM information_schema.processlist WHERE info LIKE '%$TAG%' AND id <> CONNECTION_ID();" |
    grep -E '^[0-9]+$' || true
}

scenario_check() {
  local body
  body=$(curl -fsS --max-time 10 "$PRODUCT_SERVICE_URL/api/product/$PRODUCT") ||
    die "product-service does not know the product '$PRODUCT' ($PRODUCT_SERVICE_URL/api/product/$PRODUCT): choose one from $PRODUCT_SERVICE_URL/api/products"
  PRODUCT_ID=$(json_number id <<<"$body")
  [ -n "$PRODUCT_ID" ] || die "no id in product-service's answer for '$PRODUCT'"
  product_sql <<<'SELECT 1;' >/dev/null ||
    die "cannot reach product-db's SQL console with: $SHOPSCOPE_PRODUCT_SQL_CMD"
  [ -z "$(holder_ids)" ] || die "a row lock of an earlier run is still held: $RESTORE_HINT"
}

# One throwaway shopper buying PRODUCT_ID; quiet, bounded by curl's own timeouts.
checkout_once() {
  local key
  key=$(new_api_key) && [ -n "$key" ] || return 0
  curl -s -o /dev/null --max-time 15 -H "Authorization: Bearer $key" -H 'content-type: application/json' \
    -d "{\"product_id\":$PRODUCT_ID,\"quantity\":1}" "$ORDER_SERVICE_URL/api/order/add-item" || true
  curl -s -o /dev/null --max-time 15 -H "Authorization: Bearer $key" -X POST "$ORDER_SERVICE_URL/api/order/checkout" || true
}

start_checkouts() {
  note "    checkouts of $PRODUCT: one every 2 s, each by a new shopper through $ORDER_SERVICE_URL"
  (
    # shellcheck disable=SC2046 # one pid per word
    trap 'kill $(jobs -p) 2>/dev/null; exit 0' TERM
    end=$((SECONDS + HOLD_SECONDS))
    while [ "$SECONDS" -lt "$end" ] && kill -0 "$$" 2>/dev/null; do
      checkout_once &
      sleep 2
    done
  ) </dev/null >/dev/null 2>&1 &
  CHECKOUTS_PID=$!
}

stop_checkouts() {
  if [ -n "$CHECKOUTS_PID" ]; then
    kill "$CHECKOUTS_PID" 2>/dev/null || true
    wait "$CHECKOUTS_PID" 2>/dev/null || true
    CHECKOUTS_PID=''
  fi
}

scenario_inject() {
  local waited=0
  # The client keeps its session (and with it the transaction and the lock) until SLEEP
  # ends or the restore kills the connection.
  printf '%s\n' 'START TRANSACTION;' \
    "SELECT id FROM products WHERE slug = '$PRODUCT' FOR UPDATE;" \
    "SELECT SLEEP($HOLD_SECONDS) AS $TAG;" | product_sql >/dev/null 2>&1 &
  HOLDER_PID=$!
  until [ -n "$(holder_ids)" ]; do
    waited=$((waited + 1))
    [ "$waited" -le 30 ] || { error "the holding transaction did not start within 30 s"; return 1; }
    sleep 1
  done
  note "    the row of $PRODUCT is held by connection $(holder_ids | tr '\n' ' ')"
  start_checkouts
}

scenario_restore() {
  local id
  stop_checkouts
  for id in $(holder_ids); do
    note "    KILL $id"
    product_sql <<<"KILL $id;" >/dev/null || return 1
  done
  if [ -n "$HOLDER_PID" ]; then
    wait "$HOLDER_PID" 2>/dev/null || true
    HOLDER_PID=''
  fi
  [ -z "$(holder_ids)" ]
}

SCENARIO_TITLE="Hold a row lock on product-db → DatabaseRowLockWaits"
scenario_links() {
  print_links DatabaseRowLockWaits product-db \
    "Grafana databases|$(grafana_link shopscope-databases)|row lock waits and time of product-db" \
    "Jaeger|$(jaeger_link order-service)|checkouts answered 503; product-service's SELECT … FOR UPDATE span waits ~2 s" \
    "Grafana service|$(grafana_link shopscope-service product-service)|product-service's reservations fail while the catalogue stays fast"
}
run_scenario
