#!/usr/bin/env bash
# Builds the deployable artifact: a release binary with the Swift runtime linked in
# (--static-swift-stdlib), and .build/policydesk-VERSION-linux-ARCH.tar.gz holding
#   bin/policydesk, Intents/, Templates/, etc/policydesk.yaml (sample configuration),
#   systemd/policydesk.service, nginx/policydesk.conf, docs/operations.md, README.md
# The target machine needs only Debian 12's libc, libcurl4 and libsqlite3-0 (see docs/operations.md).
# Prints the tarball's path on the last line. Usage: scripts/package.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

if [ "${1:-}" != "--no-build" ]; then
    scripts/setup.sh
    started=$(date +%s)
    swift build -c release --static-swift-stdlib --product policydesk
    echo "release build: $(( $(date +%s) - started )) s" >&2
fi
BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/policydesk"
[ -x "$BIN" ] || { echo "no release binary at $BIN; run without --no-build" >&2; exit 1; }

VERSION="$(git describe --tags --always --dirty 2>/dev/null || echo unversioned)"
ARCH="$(uname -m)"
NAME="policydesk-$VERSION-linux-$ARCH"
STAGE="$ROOT/.build/package/$NAME"
rm -rf "$ROOT/.build/package"
mkdir -p "$STAGE/bin" "$STAGE/etc" "$STAGE/systemd" "$STAGE/nginx" "$STAGE/docs"

install -m 0755 "$BIN" "$STAGE/bin/policydesk"
# Debug info only: the symbol table stays, so a crash backtrace still names functions.
strip --strip-debug "$STAGE/bin/policydesk" 2>/dev/null || true
cp -R Intents Templates "$STAGE/"
install -m 0644 deploy/policydesk.yaml "$STAGE/etc/policydesk.yaml"
install -m 0644 deploy/policydesk.service "$STAGE/systemd/policydesk.service"
install -m 0644 deploy/nginx-policydesk.conf "$STAGE/nginx/policydesk.conf"
install -m 0644 docs/operations.md "$STAGE/docs/operations.md"
install -m 0644 README.md "$STAGE/README.md"
echo "$VERSION" > "$STAGE/VERSION"

TARBALL="$ROOT/.build/$NAME.tar.gz"
tar -C "$ROOT/.build/package" --owner=0 --group=0 --numeric-owner -czf "$TARBALL" "$NAME"
echo "binary: $(stat -c %s "$STAGE/bin/policydesk") bytes (debug info stripped; unstripped $(stat -c %s "$BIN")); tarball: $(stat -c %s "$TARBALL") bytes" >&2
echo "$TARBALL"
