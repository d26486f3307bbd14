# shellcheck shell=bash
# The account the collector's MySQL receiver signs in with (otel-collector/config.yaml,
# receivers mysql/*), created once, when a database starts on an empty volume.
#
# docker-compose.yml mounts this folder at /docker-entrypoint-initdb.d of each *-db
# container; the mysql image's entrypoint sources *.sh files found there (this file is not
# executable on purpose: sourced, it sees the entrypoint's $SOCKET of the temporary
# server, which listens on no network yet). The native stack (tools/stack/mariadb.ts)
# runs it against its MariaDB the same way.
#
# Least privilege: the receiver reads SHOW GLOBAL STATUS (PROCESS lets it see every
# thread's counters), replica status (REPLICATION CLIENT; MariaDB, which the tests' images
# run, calls that SLAVE MONITOR: the /*M! … */ comment is read by MariaDB only, MySQL
# skips it) and a few performance_schema tables (SELECT on that schema only). It can read
# no table of the shop's data and opens at most five connections (three receivers share
# one server in the native test). The password is MYSQL_MONITOR_PASSWORD, a documented
# demo default in .env.example; like MYSQL_PASSWORD, a changed one reaches an existing
# volume only after `docker compose down -v`.

monitoring_user_sql() {
  # SQL string literals: backslashes and single quotes doubled, as the entrypoint does.
  local user="${MYSQL_MONITOR_USER:-shopscope_monitor}" password="${MYSQL_MONITOR_PASSWORD:?MYSQL_MONITOR_PASSWORD is not set}"
  user="${user//\\/\\\\}" password="${password//\\/\\\\}"
  user="'${user//\'/\'\'}'@'%'" password="'${password//\'/\'\'}'"
  cat <<SQL
CREATE USER IF NOT EXISTS $user IDENTIFIED BY $password WITH MAX_USER_CONNECTIONS 5;
GRANT PROCESS, REPLICATION CLIENT /*M!100509 , SLAVE MONITOR */ ON *.* TO $user;
GRANT SELECT ON performance_schema.* TO $user;
SQL
}

monitoring_user_sql | MYSQL_PWD="${MYSQL_ROOT_PASSWORD:-}" mysql --protocol=socket ${SOCKET:+--socket="$SOCKET"} -uroot
