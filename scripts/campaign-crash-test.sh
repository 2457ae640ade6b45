#!/usr/bin/env bash
# The campaign crash test: kills a real `policydesk campaign run` at random moments and checks,
# from what the fake platform received, that no message arrived twice and none was lost.
# Needs a debug build (`swift build`) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/campaign-crash-test.py "$@"
