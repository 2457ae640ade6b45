#!/usr/bin/env bash
# Starts PolicyDesk with the bundled policy (Intents/, Templates/) and an embedded SQLite
# database (policydesk.sqlite), on 127.0.0.1:8080 unless POLICYDESK_HOST/PORT say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product policydesk
exec .build/release/policydesk serve "$@"
