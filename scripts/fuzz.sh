#!/usr/bin/env bash
# Builds the libFuzzer targets in FuzzTesting/ and runs each for a set time, one after another.
#
#   scripts/fuzz.sh [--seconds N] [target…]     (default: 600 seconds, every target)
#
# Targets: wecom feishu dingtalk ask roster intents numbers. Each starts from the committed seeds
# in FuzzTesting/Corpus/<target>/ plus what earlier runs found (kept under FuzzTesting/.build/fuzz/,
# never committed). A crash, leak, timeout or out-of-memory input is minimized into
# FuzzTesting/FailCases/<target>/, which `swift test` (FuzzReplayTests) replays; the script then
# exits non-zero. Prints executions per second for each target.
set -euo pipefail
cd "$(dirname "$0")/.."
# libFuzzer and the address sanitizer report crashes themselves; the Swift backtracer would only slow them.
export SWIFT_BACKTRACE=enable=no

seconds=600
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --seconds=*) seconds="${1#--seconds=}"; shift ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
all=(wecom feishu dingtalk ask roster intents numbers)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

product() {
    case "$1" in
        wecom) echo FuzzWeCom ;; feishu) echo FuzzFeishu ;; dingtalk) echo FuzzDingTalk ;; ask) echo FuzzAsk ;;
        roster) echo FuzzRoster ;; intents) echo FuzzIntents ;; numbers) echo FuzzNumbers ;;
        *) echo "unknown fuzz target '$1' (targets: ${all[*]})" >&2; exit 2 ;;
    esac
}

build=(swift build --package-path FuzzTesting --scratch-path FuzzTesting/.build -c debug
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
for target in "${targets[@]}"; do
    echo "== building $(product "$target")"
    "${build[@]}" --product "$(product "$target")"
done
bin="$("${build[@]}" --show-bin-path)"

found=0
summary=()
for target in "${targets[@]}"; do
    exe="$bin/$(product "$target")"
    work="FuzzTesting/.build/fuzz/$target"
    mkdir -p "$work/corpus" "$work/artifacts" "FuzzTesting/FailCases/$target"
    rm -f "$work/artifacts/"*
    echo "== fuzzing $target for ${seconds}s (log: $work/log)"
    status=0
    "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "FuzzTesting/Corpus/$target" >"$work/log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
    units=$(find "$work/corpus" -type f | wc -l)
    line="$target: ${rate:-?} exec/s, ${runs:-?} runs, $units inputs in its grown corpus"
    for artifact in "$work/artifacts/"*; do
        [ -e "$artifact" ] || continue
        found=1
        name="$(basename "$artifact")"
        kept="FuzzTesting/FailCases/$target/$name"
        # Minimize crashes; keep other findings (timeouts, leaks, out of memory) as found.
        if [[ "$name" == crash-* ]] && "$exe" -minimize_crash=1 -max_total_time=60 -timeout=10 \
            -exact_artifact_path="$kept" "$artifact" >"$work/minimize.log" 2>&1 && [ -s "$kept" ]; then
            :
        else
            cp "$artifact" "$kept"
        fi
        line="$line; FINDING $kept"
        grep -m3 -E 'Fatal error|ERROR: |SUMMARY' "$work/log" | sed 's/^/    /' || true
    done
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
        found=1
        line="$line; the fuzzer exited with $status (see $work/log)"
    fi
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$found"
