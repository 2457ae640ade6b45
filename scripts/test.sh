#!/usr/bin/env bash
# Runs every test: the Swift test targets, lint and eval on the shipped policy, and the
# interoperability, restart and crash tests against real processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

swift build --build-tests
swift test

# The shipped policy must lint clean; eval prints its figures for the log.
.build/debug/policydesk lint
.build/debug/policydesk eval Tests/DeskTests/Fixtures/dev.jsonl > .build/eval.txt
head -8 .build/eval.txt

for extra in .ci/interop.sh scripts/crash-test.sh scripts/campaign-crash-test.sh; do
    if [ -x "$extra" ]; then
        echo "== $extra"
        "$extra"
    fi
done
echo "all tests passed"
