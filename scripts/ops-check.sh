#!/usr/bin/env bash
# The operator's checks of docs/operations.md, run against a local server this script starts
# with test secrets: /healthz, /v1/ask, WeCom's URL verification (GET, signature and AES computed
# here with sha1sum and openssl), a DingTalk signed POST, a Feishu url_verification; then the
# operator commands: `policydesk backup` while the server is answering and writing, `policydesk
# reload` and the pid file, `policydesk intents diff`, and `policydesk campaign rehearse`.
# Usage: scripts/ops-check.sh   (POLICYDESK_BIN to use a binary already built; default: debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if [ -z "${POLICYDESK_BIN:-}" ]; then
    swift build --product policydesk
    POLICYDESK_BIN="$(swift build --show-bin-path)/policydesk"
fi
for tool in curl openssl sha1sum base64 od python3 git; do
    command -v "$tool" >/dev/null || { echo "FAIL: needs $tool" >&2; exit 1; }
done

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/server.log" ] && tail -20 "$WORK/server.log" >&2; exit 1; }
PASSED=0
pass() { echo "ok: $*"; PASSED=$((PASSED + 1)); }

# Test secrets, made fresh; the EncodingAESKey is 43 characters of base64 as WeCom makes them.
export WECOM_TOKEN="opscheck$RANDOM"
export WECOM_AES_KEY="$(head -c 32 /dev/urandom | base64 | tr -d '=\n' | tr '+/' 'AB')"
export WECOM_CORP_ID="wwopscheck0001"
export DINGTALK_APP_SECRET="opscheck-dingtalk-$RANDOM$RANDOM"
export FEISHU_APP_ID="cli_opscheck" FEISHU_APP_SECRET="opscheck-feishu-secret" FEISHU_VERIFICATION_TOKEN="opscheck-vt-$RANDOM"
export FEISHU_API_BASE="http://127.0.0.1:9"   # nothing listens: no reply leaves this machine
export POLICYDESK_ADMIN_TOKEN="opscheck-admin-$RANDOM$RANDOM"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export POLICYDESK_PORT="$PORT" POLICYDESK_DB="$WORK/policydesk.sqlite"
export POLICYDESK_INTENTS="$WORK/Intents" POLICYDESK_TEMPLATES="$ROOT/Templates"
cp -R Intents "$WORK/Intents"
BASE="http://127.0.0.1:$PORT"

"$POLICYDESK_BIN" serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited at start"
    sleep 0.2
done

# --- The guide's checks (docs/operations.md, "Check before going live").
[ "$(curl -s "$BASE/healthz")" = ok ] || fail "/healthz"
pass "/healthz answers ok"

ANSWER="$(curl -s -XPOST "$BASE/v1/ask" -d '{"text":"规上企业首次认定高企能拿多少","user":"ops"}')"
echo "$ANSWER" | grep -q '"item":"12.2"' || fail "/v1/ask: $ANSWER"
echo "$ANSWER" | grep -q '"yuan":200000' || fail "/v1/ask amount: $ANSWER"
pass "/v1/ask answers 12.2 with 200000 yuan"

# WeCom: encrypt an echostr as WeCom does (16 random bytes, 4-byte length, message, CorpID; AES-256-CBC
# with the key from EncodingAESKey and its first 16 bytes as IV), sign it, and expect the message back.
wecom_encrypt() {
    local msg="$1" key_hex
    # WeCom pads to 32-byte blocks; openssl pads to 16. Both agree when the length ends 16-31 bytes past a 32 boundary.
    while (( (20 + ${#msg} + ${#WECOM_CORP_ID}) % 32 < 16 )); do msg="${msg}x"; done
    key_hex="$(printf '%s=' "$WECOM_AES_KEY" | base64 -d | od -An -tx1 -v | tr -d ' \n')"
    { head -c 16 /dev/urandom; printf "\\x00\\x00\\x$(printf %02x $(( ${#msg} / 256 )))\\x$(printf %02x $(( ${#msg} % 256 )))"
      printf '%s%s' "$msg" "$WECOM_CORP_ID"; } |
        openssl enc -aes-256-cbc -K "$key_hex" -iv "${key_hex:0:32}" | base64 -w0
    echo " $msg"
}
wecom_signature() { printf '%s\n' "$WECOM_TOKEN" "$@" | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1; }
read -r ECHOSTR ECHO_PLAIN <<< "$(wecom_encrypt "opscheck-$RANDOM")"
TS="$(date +%s)"; NONCE="$RANDOM$RANDOM"
SIG="$(wecom_signature "$TS" "$NONCE" "$ECHOSTR")"
WECOM="$(curl -s -G "$BASE/webhooks/wecom" --data-urlencode "msg_signature=$SIG" --data-urlencode "timestamp=$TS" \
    --data-urlencode "nonce=$NONCE" --data-urlencode "echostr=$ECHOSTR")"
[ "$WECOM" = "$ECHO_PLAIN" ] || fail "WeCom URL verification answered '$WECOM', expected '$ECHO_PLAIN'"
BAD="$(curl -s -o /dev/null -w '%{http_code}' -G "$BASE/webhooks/wecom" --data-urlencode "msg_signature=0000" \
    --data-urlencode "timestamp=$TS" --data-urlencode "nonce=$NONCE" --data-urlencode "echostr=$ECHOSTR")"
[ "$BAD" = 401 ] || fail "WeCom with a wrong signature answered $BAD, expected 401"
pass "WeCom URL verification (GET) answers the decrypted echostr; a wrong signature gets 401"

# DingTalk: timestamp in ms and sign = base64(HMAC-SHA256(AppSecret, timestamp + "\n" + AppSecret)).
TS_MS="$(( $(date +%s) * 1000 ))"
SIGN="$(printf '%s\n%s' "$TS_MS" "$DINGTALK_APP_SECRET" | openssl dgst -sha256 -hmac "$DINGTALK_APP_SECRET" -binary | base64)"
DING_BODY='{"msgtype":"text","text":{"content":" 新认定的高企能拿多少钱"},"msgId":"opscheck-'$RANDOM'","conversationId":"cidOpsCheck==","conversationType":"2","senderStaffId":"opscheck","senderNick":"运维","isInAtList":true,"createAt":'$TS_MS',"sessionWebhook":"http://127.0.0.1:9/robot/sendBySession?session=x","sessionWebhookExpiredTime":'$(( TS_MS + 5400000 ))'}'
DING="$(curl -s -XPOST "$BASE/webhooks/dingtalk" -H 'Content-Type: application/json' -H "timestamp: $TS_MS" -H "sign: $SIGN" -d "$DING_BODY")"
echo "$DING" | grep -q '"msgtype":"markdown"' || fail "DingTalk answered: $DING"
echo "$DING" | grep -q '区工信和科技局' || fail "DingTalk's reply lacks the lead unit: $DING"
BAD="$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$BASE/webhooks/dingtalk" -H "timestamp: $TS_MS" -H "sign: AAAA" -d "$DING_BODY")"
[ "$BAD" = 401 ] || fail "DingTalk with a wrong sign answered $BAD, expected 401"
pass "DingTalk signed POST is answered in Markdown; a wrong sign gets 401"

# Feishu: the url_verification the console's 请求地址 check sends (plain: no Encrypt Key here).
CHALLENGE="opscheck-challenge-$RANDOM"
FEISHU="$(curl -s -XPOST "$BASE/webhooks/feishu" -H 'Content-Type: application/json' \
    -d '{"challenge":"'"$CHALLENGE"'","token":"'"$FEISHU_VERIFICATION_TOKEN"'","type":"url_verification"}')"
[ "$FEISHU" = '{"challenge":"'"$CHALLENGE"'"}' ] || fail "Feishu url_verification answered: $FEISHU"
BAD="$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$BASE/webhooks/feishu" -d '{"challenge":"c","token":"wrong","type":"url_verification"}')"
[ "$BAD" = 401 ] || fail "Feishu with a wrong token answered $BAD, expected 401"
pass "Feishu url_verification echoes the challenge; a wrong token gets 401"

# --- Operations.
# The pid file and reload.
PID_FILE="$WORK/policydesk.pid"
[ "$(cat "$PID_FILE")" = "$SERVER_PID" ] || fail "the pid file does not hold the server's pid"
"$POLICYDESK_BIN" serve > "$WORK/second.log" 2>&1 && fail "a second server on the same database started"
grep -q "another policydesk server (pid $SERVER_PID)" "$WORK/second.log" || fail "the second server said: $(cat "$WORK/second.log")"
"$POLICYDESK_BIN" reload | grep -q "sent SIGHUP to policydesk (pid $SERVER_PID)" || fail "policydesk reload"
for _ in $(seq 1 50); do grep -q "reloaded the knowledge base on SIGHUP" "$WORK/server.log" && break; sleep 0.1; done
grep -q "reloaded the knowledge base on SIGHUP" "$WORK/server.log" || fail "the server did not reload on policydesk reload"
pass "serve writes its pid file, refuses a second server, and policydesk reload makes it reload"

# Backup while the server answers and writes (conversations, dedupe records, unanswered questions).
( for i in $(seq 1 400); do
      curl -s -XPOST "$BASE/v1/ask" -d '{"text":"新认定的高企能拿多少钱","user":"burst'$i'"}' >/dev/null
  done ) &
BURST=$!
sleep 0.3
"$POLICYDESK_BIN" backup "$WORK/backup.sqlite" > "$WORK/backup.txt" || fail "backup: $(cat "$WORK/backup.txt")"
wait "$BURST"
grep -q "integrity ok" "$WORK/backup.txt" || fail "backup: $(cat "$WORK/backup.txt")"
[ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$WORK/backup.sqlite")" = ok ] \
    || fail "the backup fails integrity_check"
"$POLICYDESK_BIN" backup "$WORK/backup.sqlite" > "$WORK/again.txt" 2>&1 && fail "backup replaced an existing file"
grep -q "already exists" "$WORK/again.txt" || fail "backup onto an existing file said: $(cat "$WORK/again.txt")"
"$POLICYDESK_BIN" backup --force "$WORK/backup.sqlite" >/dev/null || fail "backup --force"
pass "backup while the server writes: $(head -1 "$WORK/backup.txt" | sed 's/.*: //')"

# Intents diff: an edit through the admin API shows up against the shipped files; exit 1.
curl -s -H "Authorization: Bearer $POLICYDESK_ADMIN_TOKEN" -H 'X-Admin-User: ops' -XPOST \
    "$BASE/admin/items/12.2/examples" -d '{"text":"运维检查用的问法"}' | grep -q '"action":"add example"' || fail "admin edit"
"$POLICYDESK_BIN" intents diff --against "$ROOT/Intents" > "$WORK/diff.patch" && fail "intents diff exited 0 after an edit"
grep -q '^+      - 运维检查用的问法' "$WORK/diff.patch" || fail "intents diff: $(cat "$WORK/diff.patch")"
grep -q '^+++ b/clauses/12.yaml' "$WORK/diff.patch" || fail "intents diff paths: $(head -3 "$WORK/diff.patch")"
# The patch applies to a git checkout of the shipped files, as the guide's routine does.
mkdir -p "$WORK/checkout" && cp -R "$ROOT/Intents" "$WORK/checkout/Intents"
git -C "$WORK/checkout" init -q && git -C "$WORK/checkout" add -A && git -C "$WORK/checkout" -c user.email=ops@example.com -c user.name=ops commit -qm shipped
git -C "$WORK/checkout" apply --directory=Intents "$WORK/diff.patch" || fail "git apply --directory=Intents"
"$POLICYDESK_BIN" intents diff --intents "$WORK/checkout/Intents" > "$WORK/head.patch" && fail "intents diff against HEAD exited 0"
grep -q '^+      - 运维检查用的问法' "$WORK/head.patch" || fail "intents diff against HEAD: $(cat "$WORK/head.patch")"
"$POLICYDESK_BIN" intents diff --intents "$WORK/checkout/Intents" --against "$WORK/Intents" > /dev/null || fail "the applied patch does not reproduce the edit"
pass "intents diff shows the staff edit (exit 1), and its patch applies with git apply --directory=Intents"

# Graceful stop removes the pid file; reload then says so.
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
[ ! -e "$PID_FILE" ] || fail "the pid file is left after a graceful stop"
"$POLICYDESK_BIN" reload > "$WORK/reload.txt" 2>&1 && fail "reload with no server succeeded"
grep -q "no pid file at" "$WORK/reload.txt" || fail "reload without a server said: $(cat "$WORK/reload.txt")"
pass "a graceful stop removes the pid file; reload then says there is no server"

# Restore as the guide says: server stopped, copy in place, remove stale -wal/-shm, start.
cp "$WORK/backup.sqlite" "$POLICYDESK_DB" && rm -f "$POLICYDESK_DB-wal" "$POLICYDESK_DB-shm"
"$POLICYDESK_BIN" serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
[ "$(curl -s "$BASE/healthz")" = ok ] || fail "the server does not start on the restored database"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
pass "the server starts on the restored backup"

# Campaign rehearsal of the sample roster: every message printed, nothing stored in the database.
REHEARSE_DB="$WORK/campaigns.sqlite"
POLICYDESK_DB="$REHEARSE_DB" "$POLICYDESK_BIN" campaign rehearse Examples/roster-sample.csv --items 12.2,9.3,7.3 \
    --intents "$ROOT/Intents" > "$WORK/rehearse.txt" || fail "rehearse: $(cat "$WORK/rehearse.txt")"
[ "$(grep -c '^=== .*: delivered ===$' "$WORK/rehearse.txt")" = 4 ] || fail "rehearse: $(cat "$WORK/rehearse.txt")"
grep -q "nothing was sent to a real group" "$WORK/rehearse.txt" || fail "rehearse summary"
[ ! -e "$REHEARSE_DB" ] || fail "the rehearsal created the real database"
pass "campaign rehearse prints the 4 messages of the sample roster and stores nothing"

echo "$PASSED passed, 0 failed"
