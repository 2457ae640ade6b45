#!/usr/bin/env bash
# Runs the whole Swift test suite under a sanitizer: address (AddressSanitizer: use after free,
# buffer overflows, use of freed or out-of-scope stack memory; leaks are not checked, the Swift
# runtime keeps metadata alive on purpose) or thread (ThreadSanitizer: data races). Every target
# is instrumented, the C ones included (SwiftPM's --sanitize). Each kind has its own build folder
# (.build-asan, .build-tsan), so it does not disturb the normal one; a first build takes 10–25
# minutes on 2 cores.
#
#   scripts/sanitize.sh address|thread [swift test options, e.g. --filter PATTERN]
#
# The tests that start a real `policydesk serve` (AdminSignalTests) are given the sanitized
# binary of the same build (POLICYDESK_BIN), and the Python fakes run on .build/venv as in
# scripts/test.sh. Every process writes its sanitizer reports to files in
# $scratch/sanitizer-reports (log_path), the test process and the servers it starts alike; the
# script fails when any report is written, prints them, and keeps the test output in
# $scratch/sanitize-KIND.log. Tests that wait on the wall clock scale their bounds by
# POLICYDESK_TEST_TIME_SCALE, which this script sets (3 under ASan, 10 under TSan: the slowdowns
# the sanitizers' documentation states are about 2x and 5-15x).
# Known limit (Swift 6.3.1 on Linux): ThreadSanitizer does not see Synchronization.Mutex, so every
# access to state a Mutex guards is reported as a race, as is a task's frame resumed from another
# queue by a continuation; README.md ("Soak and sanitizers") lists what a run reports.
set -uo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
shift || true
case "$kind" in
    address) scratch=.build-asan; scale=3 ;;
    thread) scratch=.build-tsan; scale=10 ;;
    *) echo "usage: scripts/sanitize.sh address|thread [swift test options]" >&2; exit 2 ;;
esac
scripts/setup.sh --test || exit 1
export PATH="$PWD/.build/venv/bin:$PATH"
flags=(--scratch-path "$scratch" --sanitize "$kind")
started=$(date +%s)
swift build --build-tests "${flags[@]}" || exit 1
built=$(date +%s)
echo "sanitizer $kind: build $(( built - started )) s"

reports="$PWD/$scratch/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
# halt_on_error=0 under TSan: report every race and go on, so that one run lists them all.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:log_path=$reports/asan}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:history_size=4:log_path=$reports/tsan}"
export POLICYDESK_BIN="$PWD/$scratch/debug/policydesk"
export POLICYDESK_TEST_TIME_SCALE="${POLICYDESK_TEST_TIME_SCALE:-$scale}"
swift test --skip-build "${flags[@]}" "$@" 2>&1 | tee "$scratch/sanitize-$kind.log"
status=${PIPESTATUS[0]}
echo "sanitizer $kind: tests $(( $(date +%s) - built )) s, exit status $status"
found=$(find "$reports" -type f | sort)
if [ -n "$found" ]; then
    for f in $found; do echo "== $f"; cat "$f"; done
    echo "sanitizer $kind: $(echo "$found" | wc -l) report file(s) above, in $reports"
    exit 1
fi
if grep -qE "(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$scratch/sanitize-$kind.log"; then
    echo "sanitizer $kind: findings in $scratch/sanitize-$kind.log"
    exit 1
fi
[ "$status" = 0 ] && echo "sanitizer $kind: no findings, every test passed"
exit "$status"
