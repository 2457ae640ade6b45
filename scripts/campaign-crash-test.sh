#!/usr/bin/env bash
# The campaign crash test: kills a real `policydesk campaign run` at random moments and checks,
# from what the fake platform received, that no message arrived twice and none was lost; and
# that a run sent SIGHUP stops cleanly (calls in flight finish, nothing left uncertain).
# Needs a debug build (`swift build`); runs on the Python of .build/venv (scripts/setup.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/venv/bin/python3 ] || scripts/setup.sh --test
exec .build/venv/bin/python3 scripts/campaign-crash-test.py "$@"
