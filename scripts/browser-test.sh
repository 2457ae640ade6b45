#!/usr/bin/env bash
# The staff pages in a real browser: Debian's Chromium driven by Selenium (Tests/Browser/staff_pages.py)
# against the built `policydesk serve` on a temporary database and copy of Intents/. Screenshots at
# phone and desktop widths go to .build/screenshots/. Set POLICYDESK_BIN to reuse a built binary.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --test
if [ -z "${POLICYDESK_BIN:-}" ]; then
    swift build --product policydesk
    POLICYDESK_BIN="$(swift build --show-bin-path)/policydesk"
fi
# Selenium must not fetch a browser or driver from the internet: Debian's are used.
export SE_OFFLINE=true
.build/venv/bin/python3 Tests/Browser/staff_pages.py --binary "$POLICYDESK_BIN"
