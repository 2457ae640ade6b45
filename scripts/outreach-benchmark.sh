#!/usr/bin/env bash
# Campaign performance in a release build: planning 10,000 enterprises, and sending 10,000
# messages over 500 robots to the local fake platform against the least time the limits allow.
# Needs python3 for the fake platform.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product OutreachBenchmark
exec .build/release/OutreachBenchmark . "$@"
