#!/usr/bin/env bash
# Interop and restart tests of the real `policydesk serve` binary (Tests/Interop/run.py):
# WeCom through wechatpy, DingTalk signed per the doc, Feishu checked with lark-oapi against a
# fake Feishu API on 127.0.0.1, and a kill -9 restart on the same SQLite file.
# Runs on the Python of .build/venv (scripts/setup.sh --test makes it).
# Called from .ci/run; set POLICYDESK_BIN to reuse a binary that is already built.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
PYTHON="$PWD/.build/venv/bin/python3"

if [ -z "${POLICYDESK_BIN:-}" ]; then
    swift build --product policydesk
    POLICYDESK_BIN="$(swift build --show-bin-path)/policydesk"
fi
"$PYTHON" Tests/Interop/run.py --binary "$POLICYDESK_BIN"
