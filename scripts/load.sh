#!/usr/bin/env bash
# Load test of `policydesk serve` (release build) on 127.0.0.1 with wrk.
#
# Measures requests/s, p50/p99 latency and the server's resident memory for
#   GET  /healthz            (the floor: routing and HTTP only)
#   POST /v1/ask             (rotating questions, one user per request)
#   POST /webhooks/wecom     (pre-built wechatpy-encrypted messages, one MsgId and sender each)
# and prints a table and the ratios /v1/ask : /healthz and WeCom : /healthz.
#
# Usage: scripts/load.sh [--duration SECONDS] [--connections N] [--threads N]
#                        [--memory [SECONDS]] [--no-build]
#   --duration     seconds per target (default 10, env LOAD_DURATION)
#   --connections  wrk connections (default 16), --threads wrk threads (default 2)
#   --memory       memory-flatness mode: /v1/ask and WeCom alternately for SECONDS (default
#                  300), sampling the server's RSS every 10 s; prints the samples and the growth
#   --no-build     use the existing .build/release/policydesk
# POLICYDESK_BIN=path runs that binary instead (and builds nothing).
# Needs wrk (apt-get install -y wrk) and python3 with wechatpy==1.8.18 and cryptography.
# Every request goes to 127.0.0.1 only; every wrk run is bounded by --duration.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOAD="$ROOT/scripts/load"
DURATION="${LOAD_DURATION:-10}"
CONNECTIONS=16
THREADS=2
MEMORY_SECONDS=0
BUILD=1

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --memory)
            if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9]+$ ]]; then MEMORY_SECONDS="$2"; shift 2; else MEMORY_SECONDS=300; shift; fi ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "load.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

command -v wrk >/dev/null || { echo "load.sh: wrk is not installed (apt-get install -y wrk)" >&2; exit 2; }
# The Python of .build/venv (scripts/setup.sh --test) holds the SDKs; python3 below is that one.
[ -x "$ROOT/.build/venv/bin/python3" ] || "$ROOT/scripts/setup.sh" --test
export PATH="$ROOT/.build/venv/bin:$PATH"
python3 -c "import wechatpy, cryptography" 2>/dev/null \
    || { echo "load.sh: the SDKs are missing from .build/venv; run scripts/setup.sh --test" >&2; exit 2; }

if [ -n "${POLICYDESK_BIN:-}" ]; then
    BIN="$POLICYDESK_BIN"
else
    if [ "$BUILD" = 1 ]; then
        echo "== building policydesk (release)"
        (cd "$ROOT" && swift build -c release --product policydesk 2>&1 | tail -n 3)
    fi
    BIN="$ROOT/.build/release/policydesk"
fi
[ -x "$BIN" ] || { echo "load.sh: $BIN not found; run without --no-build" >&2; exit 2; }

WORK="$(mktemp -d -t policydesk-load.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"

# The secrets the interop harness uses, so that the pre-built WeCom requests verify.
eval "$(cd "$ROOT/Tests/Interop" && python3 -c '
import peers, shlex
for k, v in peers.server_environment().items(): print("export %s=%s" % (k, shlex.quote(v)))
')"
export POLICYDESK_HOST=127.0.0.1 POLICYDESK_PORT="$PORT" POLICYDESK_DB="$WORK/load.sqlite"
export POLICYDESK_INTENTS="$ROOT/Intents" POLICYDESK_TEMPLATES="$ROOT/Templates"
export FEISHU_API_BASE="http://127.0.0.1:9" LOG_LEVEL=error
# The rate limit would turn most of a load run into cheap 429s; measure the answer path instead.
export POLICYDESK_QUESTIONS_PER_MINUTE=100000000

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "load.sh: the server exited:"; cat "$WORK/server.log"; exit 1; }
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "load.sh: the server did not start"; cat "$WORK/server.log"; exit 1; }

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }
RSS_IDLE="$(rss_kib)"

# Enough distinct WeCom messages that none repeats: generously above what a run can send.
WECOM_COUNT="${WECOM_REQUESTS_COUNT:-$(( DURATION * 12000 ))}"
if [ "$MEMORY_SECONDS" -gt 0 ]; then WECOM_COUNT=$(( WECOM_COUNT > 200000 ? WECOM_COUNT : 200000 )); fi
echo "== pre-building $WECOM_COUNT encrypted WeCom requests (wechatpy)"
python3 "$LOAD/make_wecom_requests.py" "$WECOM_COUNT" "$WORK/wecom.tsv"
export WECOM_REQUESTS="$WORK/wecom.tsv" WRK_THREADS="$THREADS"

# One self-contained wrk script per target: the target's own part plus the shared report.
for target in healthz ask wecom; do cat "$LOAD/$target.lua" "$LOAD/report.lua" >"$WORK/$target.lua"; done

# Runs wrk on one target for $2 seconds while sampling RSS each second; prints RESULT and rss_max.
run_target() {
    local target="$1" seconds="$2" path="$3"
    local max=0 rss
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${seconds}s" --timeout 10s -s "$WORK/$target.lua" "$BASE$path" \
        >"$WORK/$target.out" 2>&1 &
    local wrk_pid=$!
    while kill -0 "$wrk_pid" 2>/dev/null; do
        rss="$(rss_kib)"; [ "${rss:-0}" -gt "$max" ] && max="$rss"
        sleep 1
    done
    wait "$wrk_pid" || { echo "load.sh: wrk failed on $target:"; cat "$WORK/$target.out"; exit 1; }
    grep '^RESULT' "$WORK/$target.out" | sed "s/\$/ rss_max_kib=$max target=$target/"
}

if [ "$MEMORY_SECONDS" -gt 0 ]; then
    echo "== memory mode: ${MEMORY_SECONDS}s of /v1/ask and WeCom, RSS every 10 s"
    : >"$WORK/rss.txt"
    start=$(date +%s)
    round=0
    while [ $(( $(date +%s) - start )) -lt "$MEMORY_SECONDS" ]; do
        if [ $(( round % 2 )) = 0 ]; then target=ask; path=/v1/ask; else target=wecom; path=/webhooks/wecom; fi
        wrk -t "$THREADS" -c "$CONNECTIONS" -d 10s --timeout 10s -s "$WORK/$target.lua" "$BASE$path" >/dev/null 2>&1
        echo "$(( $(date +%s) - start )) $(rss_kib)" | tee -a "$WORK/rss.txt"
        round=$(( round + 1 ))
    done
    python3 - "$WORK/rss.txt" "$RSS_IDLE" <<'EOF'
import sys
samples = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
idle = int(sys.argv[2])
print("RSS idle %.1f MiB; samples (s, MiB): %s" % (idle / 1024, ", ".join("%d:%.1f" % (t, r / 1024) for t, r in samples)))
if len(samples) >= 6:
    first = max(r for _, r in samples[: len(samples) // 3])
    last = max(r for _, r in samples[-(len(samples) // 3):])
    print("peak of the first third %.1f MiB, of the last third %.1f MiB, growth %+.1f%%"
          % (first / 1024, last / 1024, 100.0 * (last - first) / first))
EOF
    exit 0
fi

echo "== ${DURATION}s per target, $CONNECTIONS connections, $THREADS threads, 127.0.0.1:$PORT"
{
    run_target healthz "$DURATION" /healthz
    run_target ask "$DURATION" /v1/ask
    run_target wecom "$DURATION" /webhooks/wecom
} >"$WORK/results.txt"
RSS_AFTER="$(rss_kib)"
curl -fsS "$BASE/metrics" >"$WORK/metrics.txt"

python3 - "$WORK/results.txt" "$RSS_IDLE" "$RSS_AFTER" "$WECOM_COUNT" "$WORK/metrics.txt" <<'EOF'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    rows[fields["target"]] = fields
idle, after, pool = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
names = {"healthz": "GET /healthz", "ask": "POST /v1/ask", "wecom": "POST /webhooks/wecom"}
print("%-22s %10s %10s %10s %10s %8s %12s" % ("target", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "RSS max MiB"))
for key in ("healthz", "ask", "wecom"):
    r = rows[key]
    print("%-22s %10.0f %10.2f %10.2f %10s %8s %12.1f" % (names[key], float(r["rps"]), float(r["p50_ms"]),
          float(r["p99_ms"]), r["requests"], int(r["non2xx"]) + int(r["socket_errors"]), int(r["rss_max_kib"]) / 1024))
h = float(rows["healthz"]["rps"])
print("ratio /v1/ask : /healthz = %.3f" % (float(rows["ask"]["rps"]) / h))
print("ratio WeCom   : /healthz = %.3f" % (float(rows["wecom"]["rps"]) / h))
print("RSS idle %.1f MiB, after the runs %.1f MiB" % (idle / 1024, after / 1024))
computed = {}
for line in open(sys.argv[5]):
    if line.startswith("policydesk_match_outcomes_total{"):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
        key = (labels.get("channel"), labels.get("outcome"))
        computed[key] = computed.get(key, 0) + float(line.rsplit(" ", 1)[1])
print("answers computed (channel/outcome): " + ", ".join("%s/%s %d" % (c, o, n) for (c, o), n in sorted(computed.items())))
if int(rows["wecom"]["requests"]) > pool:
    print("note: WeCom sent %s requests from a pool of %d; repeats were answered from the dedupe store"
          % (rows["wecom"]["requests"], pool))
bad = [k for k in rows if int(rows[k]["non2xx"]) + int(rows[k]["socket_errors"]) > 0]
if bad:
    print("load.sh: non-2xx responses or socket errors on %s" % ", ".join(bad))
    sys.exit(1)
EOF
