#!/usr/bin/env bash
# Interop and restart tests of the real `policydesk serve` binary (Tests/Interop/run.py):
# WeCom through wechatpy, DingTalk signed per the doc, Feishu checked with lark-oapi against a
# fake Feishu API on 127.0.0.1, and a kill -9 restart on the same SQLite file.
# Called from .ci/run; set POLICYDESK_BIN to reuse a binary that is already built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python3 -m pip install --quiet --disable-pip-version-check \
    wechatpy==1.8.18 cryptography pycryptodome lark-oapi==1.7.5

if [ -z "${POLICYDESK_BIN:-}" ]; then
    swift build --product policydesk
    POLICYDESK_BIN="$(swift build --show-bin-path)/policydesk"
fi
python3 Tests/Interop/run.py --binary "$POLICYDESK_BIN"
