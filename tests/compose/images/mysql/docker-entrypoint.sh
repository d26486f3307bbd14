#!/bin/bash
# The official mysql image's entrypoint contract (see the Dockerfile), written for MariaDB.
set -euo pipefail

say() { printf '%s [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
fail() { say "ERROR: $*" >&2; exit 1; }

# VAR or VAR_FILE (the file's content), never both.
file_env() {
  local var="$1" default="${2:-}" file_var="${1}_FILE" value
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then fail "both $var and $file_var are set"; fi
  value="$default"
  if [ -n "${!var:-}" ]; then value="${!var}"; elif [ -n "${!file_var:-}" ]; then value="$(<"${!file_var}")"; fi
  export "$var"="$value"
  unset "$file_var"
}

if [ "${1:0:1}" = '-' ]; then set -- mysqld "$@"; fi

# Anything but the server itself (or the server asked for its help or version) runs as given.
if [ "$1" != mysqld ] || printf '%s\n' "$@" | grep -Eq '^(--help|--version|-V|-\?|--print-defaults)$'; then
  exec "$@"
fi

DATADIR=/var/lib/mysql
SOCKET=/var/run/mysqld/mysqld.sock

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$DATADIR" /var/run/mysqld
  find "$DATADIR" /var/run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
  exec gosu mysql "${BASH_SOURCE[0]}" "$@"
fi

file_env MYSQL_ROOT_HOST '%'
file_env MYSQL_DATABASE
file_env MYSQL_USER
file_env MYSQL_PASSWORD
file_env MYSQL_ROOT_PASSWORD

# An existing `mysql` system database means initialised: never touch it again (a password
# changed in the environment afterwards does not reach it, as with the official image).
if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ] && [ -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    fail 'Database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD'
  fi
  [ "$MYSQL_USER" != root ] || fail 'MYSQL_USER="root", MYSQL_USER and MYSQL_PASSWORD are for configuring a regular user and cannot be used for the root user'
  if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then say 'Warning: MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created'; fi

  say 'Initializing database files'
  mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve --default-time-zone=SYSTEM >/dev/null
  say 'Database files initialized'

  say 'Starting temporary server'
  mariadbd --skip-networking --socket="$SOCKET" --datadir="$DATADIR" "${@:2}" &
  temp_pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$temp_pid" 2>/dev/null || fail 'the temporary server exited during initialization'
    sleep 1
  done
  say 'Temporary server started.'

  sql() { mariadb --protocol=socket --socket="$SOCKET" -uroot "$@"; }
  if [ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]; then
    MYSQL_ROOT_PASSWORD="$(head -c 18 /dev/urandom | base64)"
    say "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi
  # Quoting for SQL string literals: ' doubled, \ doubled.
  quote() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\'\'}"; }
  root_pw="$(quote "$MYSQL_ROOT_PASSWORD")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_pw;"
    if [ "$MYSQL_ROOT_HOST" != localhost ]; then
      echo "CREATE USER 'root'@$(quote "$MYSQL_ROOT_HOST") IDENTIFIED BY $root_pw;"
      echo "GRANT ALL ON *.* TO 'root'@$(quote "$MYSQL_ROOT_HOST") WITH GRANT OPTION;"
    fi
    echo "DROP DATABASE IF EXISTS test;"
    [ -z "$MYSQL_DATABASE" ] || echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
    if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
      echo "CREATE USER $(quote "$MYSQL_USER")@'%' IDENTIFIED BY $(quote "$MYSQL_PASSWORD");"
      [ -z "$MYSQL_DATABASE" ] || echo "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO $(quote "$MYSQL_USER")@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  say 'Users and database created'

  export MYSQL_PWD="$MYSQL_ROOT_PASSWORD"
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          say "running $f"
          "$f"
        else
          say "sourcing $f"
          # shellcheck source=/dev/null # the learner's own init script
          . "$f"
        fi
        ;;
      *.sql) say "running $f"; sql ${MYSQL_DATABASE:+--database="$MYSQL_DATABASE"} <"$f" ;;
      *.sql.gz) say "running $f"; gunzip -c "$f" | sql ${MYSQL_DATABASE:+--database="$MYSQL_DATABASE"} ;;
      */\*) ;;
      *) say "ignoring $f" ;;
    esac
  done
  unset MYSQL_PWD

  say 'Stopping temporary server'
  mariadb-admin --socket="$SOCKET" -uroot --password="$MYSQL_ROOT_PASSWORD" shutdown
  wait "$temp_pid" || true
  say 'MySQL init process done. Ready for start up.'
fi

exec "$@"
