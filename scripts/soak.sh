#!/usr/bin/env bash
# Soak test: runs `policydesk serve` for N minutes (default 30) on 127.0.0.1 under a mixed load
# of about 25 requests a second (every route; about 10 % bad signatures, malformed and oversized
# bodies; idle, trickling and stalled sockets; staff edits, undos and reloads; a campaign sent
# to a local fake robot platform every 90 s), sampling the server's resident memory, open
# descriptors and error counts every 10 s. Fails on any 5xx or unexpected status, on resident
# memory growing more than 25 % from the warm-up mark (2 minutes, or 40 % of a shorter run) to
# the end, or on more open descriptors once quiet than at the start (bound 12).
# See Tests/Soak/soak.py for the mix and every bound.
#
#   scripts/soak.sh [--minutes N] [--binary PATH] [--out DIR] [soak.py options: --rate, --rss-growth …]
#
# The binary defaults to the release build .build/release/policydesk (built, as scripts/package.sh
# builds it, when absent). The samples (samples.csv), the summary and the server log go to --out
# (default: a new temporary folder, printed first).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MINUTES=30
BINARY=""
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) MINUTES="$2"; shift 2 ;;
        --binary) BINARY="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) PASS+=("$1"); shift ;;
    esac
done
if [ -z "$BINARY" ]; then
    BINARY="$ROOT/.build/release/policydesk"
    if [ ! -x "$BINARY" ]; then
        scripts/setup.sh
        swift build -c release --static-swift-stdlib --product policydesk
    fi
fi
[ -x "$BINARY" ] || { echo "soak.sh: no binary at $BINARY" >&2; exit 2; }
[ -x .build/venv/bin/python3 ] || scripts/setup.sh --test
exec .build/venv/bin/python3 -B -u Tests/Soak/soak.py --binary "$BINARY" --minutes "$MINUTES" ${PASS[@]+"${PASS[@]}"}
