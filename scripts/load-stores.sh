#!/usr/bin/env bash
# Load on the three ways to run PolicyDesk, in one run, each behind the same nginx upstream as
# deployed (deploy/nginx-policydesk.conf, plain HTTP on 127.0.0.1):
#   sqlite   one instance on an SQLite file (the default)
#   pg×1     one instance on PostgreSQL 15
#   pg×2     two instances on one PostgreSQL 15, one nginx upstream with both
# For POST /v1/ask and POST /webhooks/wecom (pre-built wechatpy-encrypted messages, each MsgId
# once) it measures requests/s and p99 at saturation, p99 at a stated rate, the instances' CPU
# per request and the PostgreSQL server's CPU per request. Durability is as shipped: SQLite in
# WAL with synchronous=NORMAL, PostgreSQL with synchronous_commit=on. The rate limit per user is
# lifted so the answer path is measured, not 429s.
#
# Usage: scripts/load-stores.sh [--duration SECONDS] [--rate PER_SECOND] [--connections N] [--no-build]
#   --duration     seconds per run (default 10); --rate the stated rate (default 200 requests/s)
#   --connections  wrk connections at saturation (default 16); the paced runs use 8
# POLICYDESK_BIN=path runs that binary instead of .build/release/policydesk (and builds nothing).
# Needs wrk and nginx (installed here if missing), postgresql-15 (scripts/lib/postgres.sh) and the
# SDKs of .build/venv (scripts/setup.sh --test). Everything listens on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOAD="$ROOT/scripts/load"
DURATION=10
RATE=200
CONNECTIONS=16
PACED_CONNECTIONS=8
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --rate) RATE="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "load-stores.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

need() { command -v "$1" >/dev/null || apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx-light
[ -x "$ROOT/.build/venv/bin/python3" ] || "$ROOT/scripts/setup.sh" --test
export PATH="$ROOT/.build/venv/bin:$PATH"

if [ -n "${POLICYDESK_BIN:-}" ]; then
    BIN="$POLICYDESK_BIN"
else
    if [ "$BUILD" = 1 ]; then
        echo "== building policydesk (release)"
        (cd "$ROOT" && swift build -c release --product policydesk 2>&1 | tail -n 3)
    fi
    BIN="$ROOT/.build/release/policydesk"
fi
[ -x "$BIN" ] || { echo "load-stores.sh: $BIN not found; run without --no-build" >&2; exit 2; }

LOADWORK="$(mktemp -d -t policydesk-load-stores.XXXXXX)"
chmod 755 "$LOADWORK"
mkdir -p "$LOADWORK/pg"
INSTANCES=()
NGINX_PID=""
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"
stop_all() {
    local pid
    for pid in "${INSTANCES[@]}" $NGINX_PID; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${INSTANCES[@]}" $NGINX_PID; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    INSTANCES=()
    NGINX_PID=""
}
cleanup() {
    stop_all
    if [ -n "${DATA:-}" ]; then pg_stop; fi
    rm -rf "$LOADWORK"
}
trap cleanup EXIT

pg_cluster_init "$LOADWORK/pg"
echo "== PostgreSQL 15 on 127.0.0.1:$PORT"
CLK_TCK="$(getconf CLK_TCK)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# The secrets the interop harness uses, so that the pre-built WeCom requests verify.
eval "$(cd "$ROOT/Tests/Interop" && python3 -c '
import peers, shlex
for k, v in peers.server_environment().items(): print("export %s=%s" % (k, shlex.quote(v)))
')"
export POLICYDESK_HOST=127.0.0.1 POLICYDESK_INTENTS="$ROOT/Intents" POLICYDESK_TEMPLATES="$ROOT/Templates"
export FEISHU_API_BASE="http://127.0.0.1:9" LOG_LEVEL=error POLICYDESK_QUESTIONS_PER_MINUTE=100000000

# Distinct WeCom messages: enough for a saturated run, then the paced run's share after them.
SATURATED_COUNT="${WECOM_REQUESTS_COUNT:-$(( DURATION * 9000 ))}"
PACED_COUNT=$(( RATE * DURATION * 2 + 1000 ))
echo "== pre-building $(( SATURATED_COUNT + PACED_COUNT )) encrypted WeCom requests (wechatpy)"
python3 "$LOAD/make_wecom_requests.py" $(( SATURATED_COUNT + PACED_COUNT )) "$LOADWORK/wecom-all.tsv"
head -n "$SATURATED_COUNT" "$LOADWORK/wecom-all.tsv" >"$LOADWORK/wecom-saturated.tsv"
tail -n "$PACED_COUNT" "$LOADWORK/wecom-all.tsv" >"$LOADWORK/wecom-paced.tsv"
for target in ask wecom; do cat "$LOAD/$target.lua" "$LOAD/report.lua" >"$LOADWORK/$target.lua"; done

# Starts one `policydesk serve` on database $1 at port $2 and waits for /healthz.
start_instance() {
    local db="$1" port="$2" name="$3"
    POLICYDESK_DB="$db" POLICYDESK_PORT="$port" POLICYDESK_PID_FILE="$LOADWORK/$name.pid" \
        "$BIN" serve >"$LOADWORK/$name.log" 2>&1 &
    INSTANCES+=("$!")
    for _ in $(seq 1 300); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
        kill -0 "${INSTANCES[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "load-stores.sh: instance $name did not start:"; cat "$LOADWORK/$name.log"; exit 1
}

# Starts nginx with one upstream of the given instance ports, proxied as the shipped site does.
start_nginx() {
    local listen="$1"; shift
    local servers="" port
    for port in "$@"; do servers+="        server 127.0.0.1:$port;"$'\n'; done
    local dir="$LOADWORK/nginx-$listen"
    mkdir -p "$dir"
    chmod 777 "$dir"
    cat >"$dir/nginx.conf" <<NGINX
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
daemon off;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    upstream policydesk {
$servers        keepalive 32;
    }
    server {
        listen 127.0.0.1:$listen;
        client_max_body_size 64k;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_request_buffering on;
        location ~ ^/webhooks/(wecom|dingtalk|feishu)\$ { proxy_pass http://policydesk; }
        location = /v1/ask { proxy_pass http://policydesk; }
        location = /healthz { proxy_pass http://policydesk; }
        location / { return 404; }
    }
}
NGINX
    nginx -c "$dir/nginx.conf" -p "$dir" &
    NGINX_PID=$!
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$listen/healthz" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "load-stores.sh: nginx did not start:"; cat "$dir/error.log"; exit 1
}

instances_cpu_ticks() {
    local total=0 pid
    for pid in "${INSTANCES[@]}"; do total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat") )); done
    echo "$total"
}

# One wrk run: $1 store label, $2 target, $3 mode (saturated|paced), $4 nginx port.
measure() {
    local label="$1" target="$2" mode="$3" listen="$4" path connections delay=0
    if [ "$target" = ask ]; then path=/v1/ask; else path=/webhooks/wecom; fi
    connections="$CONNECTIONS"
    export WECOM_REQUESTS="$LOADWORK/wecom-saturated.tsv"
    if [ "$mode" = paced ]; then
        connections="$PACED_CONNECTIONS"
        delay=$(( PACED_CONNECTIONS * 1000 / RATE ))
        export WECOM_REQUESTS="$LOADWORK/wecom-paced.tsv"
    fi
    local pg_before cpu_before
    pg_before="$(pg_cpu_ticks)"
    cpu_before="$(instances_cpu_ticks)"
    WRK_DELAY_MS="$delay" WRK_THREADS=2 wrk -t 2 -c "$connections" -d "${DURATION}s" --timeout 10s \
        -s "$LOADWORK/$target.lua" "http://127.0.0.1:$listen$path" >"$LOADWORK/wrk.out" 2>&1 \
        || { echo "load-stores.sh: wrk failed:"; cat "$LOADWORK/wrk.out"; exit 1; }
    local pg_ticks=$(( $(pg_cpu_ticks) - pg_before )) cpu_ticks=$(( $(instances_cpu_ticks) - cpu_before ))
    echo "$(grep '^RESULT' "$LOADWORK/wrk.out") store=$label target=$target mode=$mode" \
        "instance_ticks=$cpu_ticks pg_ticks=$pg_ticks" >>"$LOADWORK/results.txt"
}

# Busy replies of the running instances (PostgreSQL could not take a claim in time).
busy_replies() {
    local port total=0
    for port in "$@"; do
        total=$(( total + $(curl -fsS "http://127.0.0.1:$port/metrics" \
            | awk '/^policydesk_store_busy_replies_total/ { n += $NF } END { printf "%d", n }') ))
    done
    echo "$total"
}

run_store() {
    local label="$1" db_a="$2" db_b="${3:-}"
    local port_a port_b listen ports
    port_a="$(free_port)"
    start_instance "$db_a" "$port_a" "$label-a"
    ports=("$port_a")
    if [ -n "$db_b" ]; then
        port_b="$(free_port)"
        start_instance "$db_b" "$port_b" "$label-b"
        ports+=("$port_b")
    fi
    listen="$(free_port)"
    start_nginx "$listen" "${ports[@]}"
    echo "== $label: ${#ports[@]} instance(s) behind nginx on 127.0.0.1:$listen"
    for target in ask wecom; do
        for mode in saturated paced; do measure "$label" "$target" "$mode" "$listen"; done
    done
    echo "busy store=$label replies=$(busy_replies "${ports[@]}")" >>"$LOADWORK/results.txt"
    stop_all
}

: >"$LOADWORK/results.txt"
run_store sqlite "$LOADWORK/load.sqlite"
run_store "pg×1" "$PG_URL&schema=load_one"
run_store "pg×2" "$PG_URL&schema=load_two" "$PG_URL&schema=load_two"

python3 - "$LOADWORK/results.txt" "$CLK_TCK" "$RATE" "$DURATION" <<'EOF'
import sys
rows, busy = [], {}
for line in open(sys.argv[1]):
    parts = line.split()
    fields = dict(kv.split("=", 1) for kv in parts[1:])
    if parts[0] == "busy":
        busy[fields["store"]] = int(fields["replies"])
    else:
        rows.append(fields)
tick, rate, duration = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("\n%-6s %-7s %11s %9s %15s %14s %16s %16s" % (
    "store", "target", "sat. req/s", "sat. p99", "rate offered", "p99 at rate", "instances µs/req", "PostgreSQL µs/req"))
by = {(r["store"], r["target"], r["mode"]): r for r in rows}
bad = []
for store in ("sqlite", "pg×1", "pg×2"):
    for target in ("ask", "wecom"):
        s, p = by[(store, target, "saturated")], by[(store, target, "paced")]
        requests = int(s["requests"]) + int(p["requests"])
        per = lambda key: 1e6 * (int(s[key]) + int(p[key])) / tick / requests
        print("%-6s %-7s %11.0f %7.1f ms %8d → %4.0f/s %11.1f ms %16.0f %16s" % (
            store, "/v1/ask" if target == "ask" else "WeCom", float(s["rps"]), float(s["p99_ms"]), rate,
            float(p["rps"]), float(p["p99_ms"]), per("instance_ticks"),
            "-" if store == "sqlite" else "%.0f" % per("pg_ticks")))
        for r in (s, p):
            if int(r["non2xx"]) + int(r["socket_errors"]) > 0:
                bad.append("%s %s %s: %s non-2xx, %s socket errors" % (store, target, r["mode"], r["non2xx"], r["socket_errors"]))
print("\n%ds per run; saturation with the wrk connections given, the stated rate with 8 paced connections." % duration)
print("busy replies (the store could not take a claim in time): " + ", ".join("%s %d" % kv for kv in busy.items()))
for line in bad:
    print("load-stores.sh: " + line)
sys.exit(1 if bad else 0)
EOF
