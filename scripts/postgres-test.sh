#!/usr/bin/env bash
# Runs the PostgreSQL tests against a real PostgreSQL 15 started in a temporary folder:
#   1. the storage contract suite with PostgreSQL as one more kind, the cross-instance tests and the
#      shared Intents edits (ServerTests SharedIntentsTests), the campaign store contract and a campaign
#      sent from the staff page under the advisory lock;
#   2. two real `policydesk serve` processes sharing that database (scripts/postgres-two-instances.py),
#      ending with PostgreSQL stopped and started again under them;
#   3. `policydesk campaign run` on that database: one runner at a time (an advisory lock), a kill -9
#      of the holder frees it, nothing sent twice (scripts/postgres-campaign-lock.py);
#   4. pg_dump and pg_restore of that database as docs/operations.md says, read back by `campaign list`;
#   5. a second `policydesk serve` on one SQLite file refused while the first runs.
# Installs Debian's postgresql if it is missing. Needs a build (`swift build --build-tests`);
# POLICYDESK_BIN names another policydesk binary. Stops PostgreSQL and removes the folder on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${POLICYDESK_BIN:-$PWD/.build/debug/policydesk}"
PY="python3"
[ -x .build/venv/bin/python3 ] && PY=".build/venv/bin/python3"

# shellcheck source=scripts/lib/postgres.sh
. scripts/lib/postgres.sh
cleanup() {
    if [ -n "${DATA:-}" ]; then pg_stop; fi
    if [ -n "${WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
started=$SECONDS
pg_cluster_init "$(mktemp -d /tmp/policydesk-pg.XXXXXX)"
echo "== PostgreSQL 15 on 127.0.0.1:$PORT ready in $((SECONDS - started)) s"

export POLICYDESK_TEST_POSTGRES_URL="$PG_URL"
echo "== storage and campaign store contract suites over every kind, PostgreSQL included; the cross-instance and shared-edit tests"
if ! swift test --skip-build --filter "StorageTests|SharedIntentsTests|CampaignStoreTests|StaffCampaignSendingPostgresTests" >"$WORK/storage-tests.log" 2>&1; then
    grep -E "✘|error" "$WORK/storage-tests.log" | head -n 60
    tail -n 5 "$WORK/storage-tests.log"
    exit 1
fi
echo "  $(grep -c 'kind → postgres' "$WORK/storage-tests.log") PostgreSQL contract cases; $(grep -E 'Test run with' "$WORK/storage-tests.log")"

echo "== two instances on one database"
# The two-instance check stops and starts this PostgreSQL under the running servers.
for verb in start stop; do
    { echo "#!/usr/bin/env bash"; declare -f as_owner "pg_$verb"; echo "pg_$verb"; } >"$WORK/pg-$verb.sh"
    sed -i "2i PG_BIN='$PG_BIN' DATA='$DATA' WORK='$WORK' PORT='$PORT'" "$WORK/pg-$verb.sh"
    chmod +x "$WORK/pg-$verb.sh"
done
"$PY" scripts/postgres-two-instances.py --binary "$BIN" \
    --db "postgres://policydesk@127.0.0.1:$PORT/policydesk_test?sslmode=disable&schema=two_instances" \
    --pg-stop "$WORK/pg-stop.sh" --pg-start "$WORK/pg-start.sh"

echo "== one campaign runner at a time on the shared database (advisory lock), kill -9 of the holder"
"$PY" scripts/postgres-campaign-lock.py --binary "$BIN" \
    --db "postgres://policydesk@127.0.0.1:$PORT/policydesk_test?sslmode=disable&schema=campaign_lock"

echo "== pg_dump and pg_restore as docs/operations.md says: the campaign and its ledger come back whole"
LOCK_DB="postgres://policydesk@127.0.0.1:$PORT/policydesk_test?sslmode=disable&schema=campaign_lock"
as_owner "$PG_BIN/pg_dump" -h "$WORK" -p "$PORT" -U policydesk --format=custom --schema=campaign_lock \
    --file="$WORK/policydesk.dump" policydesk_test
as_owner "$PG_BIN/createdb" -h "$WORK" -p "$PORT" -U policydesk policydesk_restored
as_owner "$PG_BIN/pg_restore" -h "$WORK" -p "$PORT" -U policydesk --dbname=policydesk_restored --no-owner \
    --role=policydesk "$WORK/policydesk.dump"
RESTORED_DB="postgres://policydesk@127.0.0.1:$PORT/policydesk_restored?sslmode=disable&schema=campaign_lock"
original="$(POLICYDESK_DB="$LOCK_DB" "$BIN" campaign list)"
restored="$(POLICYDESK_DB="$RESTORED_DB" "$BIN" campaign list)"
if [ "$original" != "$restored" ] || [ -z "$original" ]; then
    echo "FAILED: the restored database lists other campaigns:"; echo "$original"; echo "---"; echo "$restored"
    exit 1
fi
echo "  restored: $restored"

echo "== staff accounts on the shared database"
STAFF_DB="postgres://policydesk@127.0.0.1:$PORT/policydesk_test?sslmode=disable&schema=staff_cli"
printf 'correct horse battery\n' | "$BIN" staff add 王芳 --db "$STAFF_DB" >/dev/null
"$BIN" staff list --db "$STAFF_DB" | grep -q "王芳" || { echo "FAIL: staff list on PostgreSQL does not show the account" >&2; exit 1; }
printf 'another long password\n' | "$BIN" staff add 王芳 --db "$STAFF_DB" >/dev/null 2>&1 && { echo "FAIL: a second account of one name was added" >&2; exit 1; }
"$BIN" staff remove 王芳 --db "$STAFF_DB" >/dev/null
echo "  added, listed, refused twice, removed through policydesk staff"

echo "== a second server on one SQLite file is refused"
SQLITE_DIR="$WORK/sqlite"
mkdir -p "$SQLITE_DIR"
first_port="$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
POLICYDESK_DB="$SQLITE_DIR/policydesk.sqlite" POLICYDESK_PORT="$first_port" POLICYDESK_PID_FILE="$SQLITE_DIR/first.pid" \
    "$BIN" serve >"$SQLITE_DIR/first.log" 2>&1 &
first=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$first_port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
set +e
POLICYDESK_DB="$SQLITE_DIR/policydesk.sqlite" POLICYDESK_PORT="$((first_port + 1))" \
    POLICYDESK_PID_FILE="$SQLITE_DIR/second.pid" "$BIN" serve >"$SQLITE_DIR/second.log" 2>&1
second_status=$?
set -e
kill "$first"
wait "$first" || true
if [ "$second_status" -eq 0 ] || ! grep -q "pid $first" "$SQLITE_DIR/second.log" \
    || ! grep -q "postgres://" "$SQLITE_DIR/second.log"; then
    echo "FAILED: the second server was not refused naming pid $first and PostgreSQL (exit $second_status):"
    cat "$SQLITE_DIR/second.log"
    exit 1
fi
echo "  refused (exit $second_status): $(grep -o 'Another policydesk serve[^.]*' "$SQLITE_DIR/second.log" | head -1)"
echo "postgres tests passed"
