# A throwaway PostgreSQL 15 cluster in a temporary folder, for scripts that test or measure on it.
# Source this file, then:   pg_cluster_init "$WORK"   (sets PG_BIN, DATA, PORT, PG_URL; starts it)
#                           pg_stop / pg_start        (stop and start it again under running servers)
# Installs Debian's postgresql-15 if it is missing. As root the cluster belongs to the postgres
# system user, since initdb refuses to run as root. No system service is assumed.

PG_BIN=/usr/lib/postgresql/15/bin

pg_install() {
    [ -x "$PG_BIN/initdb" ] && return 0
    local sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y postgresql-15 || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y postgresql-15; }
}

as_owner() { "$@"; }

pg_start() { as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$WORK/postgres.log" -w -t 60 \
    -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; }
pg_stop() { as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true; }

# Creates and starts a cluster under $1 with the database policydesk_test, owned by policydesk
# with trust authentication on 127.0.0.1 only; PG_URL is its URL without a schema.
pg_cluster_init() {
    WORK="$1"
    pg_install
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres "$WORK"
        as_owner() { runuser -u postgres -- "$@"; }
    fi
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    DATA="$WORK/data"
    as_owner "$PG_BIN/initdb" -D "$DATA" -U policydesk --auth=trust -E UTF8 --no-locale >"$WORK/initdb.log"
    pg_start
    as_owner "$PG_BIN/createdb" -h "$WORK" -p "$PORT" -U policydesk policydesk_test
    PG_URL="postgres://policydesk@127.0.0.1:$PORT/policydesk_test?sslmode=disable"
}

# The PostgreSQL server's processes' CPU time so far, in clock ticks (utime + stime of the
# postmaster and every backend it started).
pg_cpu_ticks() {
    local postmaster
    postmaster="$(head -n 1 "$DATA/postmaster.pid")"
    local total=0 pid
    for pid in "$postmaster" $(ps -o pid= --ppid "$postmaster"); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") ))
    done
    echo "$total"
}
