#!/usr/bin/env bash
# Runs the whole Swift test suite under a sanitizer: address (AddressSanitizer: use after free,
# overflows, leaks at exit are not checked by Swift's runtime) or thread (ThreadSanitizer: data
# races). Each has its own build folder (.build-asan, .build-tsan), so it does not disturb the
# normal one; a first build takes 10–20 minutes on 2 cores.
#
#   scripts/sanitize.sh address [--filter PATTERN]
#   scripts/sanitize.sh thread  [--filter PATTERN]
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
shift || true
case "$kind" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "usage: scripts/sanitize.sh address|thread [--filter PATTERN]" >&2; exit 2 ;;
esac
scripts/setup.sh
flags=(--scratch-path "$scratch" -Xswiftc -sanitize="$kind" -Xswiftc -g)
swift build --build-tests "${flags[@]}"
# The route tests that start the real binary look for it beside the test bundle.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
swift test --skip-build "${flags[@]}" "$@" 2>&1 | tee "$scratch/sanitize-$kind.log"
status=${PIPESTATUS[0]}
if grep -qE "^(==[0-9]+==ERROR: AddressSanitizer|WARNING: ThreadSanitizer)" "$scratch/sanitize-$kind.log"; then
    echo "sanitizer $kind: findings above (full log in $scratch/sanitize-$kind.log)"
    exit 1
fi
exit "$status"
