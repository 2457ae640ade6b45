#!/usr/bin/env bash
# Runs every test: the Swift test targets, lint and eval on the shipped policy, the
# interoperability, restart and crash tests against real processes, the operator's checks
# (scripts/ops-check.sh), the PostgreSQL storage and two-instance tests on a PostgreSQL started
# for them (scripts/postgres-test.sh), the deployable artifact's test (scripts/package-test.sh, which
# needs a release build: about 13-20 more minutes on 2 cores) and a 5-minute soak of that
# release binary (scripts/soak.sh; SOAK_MINUTES to change, 0 to skip).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# The Python tests and the fake platform the crash test starts run on the virtual environment's python3.
export PATH="$PWD/.build/venv/bin:$PATH"

# The code is kept in swift-format's shape (.swift-format); a finding fails the run.
swift format lint --strict -r Sources Tests Package.swift
swift build --build-tests
swift test

# The shipped policy must lint clean; eval prints its figures for the log.
.build/debug/policydesk lint
.build/debug/policydesk eval Tests/DeskTests/Fixtures/dev.jsonl > .build/eval.txt
head -8 .build/eval.txt
# The seed imported as a draft knowledge base: lint, the draft flag, the comparison with Intents/.
scripts/import-check.sh

export POLICYDESK_BIN="$PWD/.build/debug/policydesk"
# Each of these must exist: a missing one is a failure, not a test quietly skipped.
for extra in .ci/interop.sh scripts/campaign-crash-test.sh scripts/ops-check.sh scripts/postgres-test.sh \
    scripts/browser-test.sh; do
    echo "== $extra"
    "$extra"
done
unset POLICYDESK_BIN
echo "== scripts/package-test.sh"
scripts/package-test.sh
# The soak reuses the release binary package-test.sh just built: no further build.
# The three stores under load, short: the script works and nothing answers an error (the figures
# in the README come from the 10-second version).
echo "== scripts/load-stores.sh --duration 2 --rate 50"
POLICYDESK_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/policydesk" \
    WECOM_REQUESTS_COUNT=20000 scripts/load-stores.sh --duration 2 --rate 50
if [ "${SOAK_MINUTES:-5}" != 0 ]; then
    echo "== scripts/soak.sh --minutes ${SOAK_MINUTES:-5}"
    scripts/soak.sh --minutes "${SOAK_MINUTES:-5}" \
        --binary "$(swift build -c release --static-swift-stdlib --show-bin-path)/policydesk"
fi
echo "all tests passed"
