#!/usr/bin/env bash
# Runs every test: the Swift test targets, lint and eval on the shipped policy, the
# interoperability, restart and crash tests against real processes, the operator's checks
# (scripts/ops-check.sh) and the deployable artifact's test (scripts/package-test.sh, which
# needs a release build: about 13-20 more minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# The Python tests and the fake platform the crash test starts run on the virtual environment's python3.
export PATH="$PWD/.build/venv/bin:$PATH"

swift build --build-tests
swift test

# The shipped policy must lint clean; eval prints its figures for the log.
.build/debug/policydesk lint
.build/debug/policydesk eval Tests/DeskTests/Fixtures/dev.jsonl > .build/eval.txt
head -8 .build/eval.txt

export POLICYDESK_BIN="$PWD/.build/debug/policydesk"
# Each of these must exist: a missing one is a failure, not a test quietly skipped.
for extra in .ci/interop.sh scripts/campaign-crash-test.sh scripts/ops-check.sh; do
    echo "== $extra"
    "$extra"
done
unset POLICYDESK_BIN
echo "== scripts/package-test.sh"
scripts/package-test.sh
echo "all tests passed"
