#!/usr/bin/env bash
# Installs what PolicyDesk needs on a fresh Debian machine that already has Swift:
# libcurl (outbound HTTP) and SQLite headers. With --test, also a Python virtual environment
# in .build/venv holding the platforms' SDKs that the interoperability tests play the
# platforms with (Debian's own Python refuses pip installs, and the SDKs stay out of it);
# scripts/test.sh puts .build/venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
apt_install() {
    $sudo_cmd apt-get install -y "$@" || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y "$@"; }
}

# Installs those of the given Debian packages that are not installed yet.
apt_install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
}

apt_install_missing libcurl4-openssl-dev libsqlite3-dev pkg-config

if [ "${1:-}" = "--test" ]; then
    # scripts/postgres-test.sh starts a PostgreSQL 15 of its own in a temporary folder.
    if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
        apt_install postgresql-15
    fi
    VENV=".build/venv"
    if [ ! -x "$VENV/bin/python3" ]; then
        mkdir -p .build
        # Debian splits ensurepip into python3-venv; without it `python3 -m venv` fails.
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv
            python3 -m venv "$VENV"
        fi
    fi
    # The staff pages' browser test (scripts/browser-test.sh): Debian's Chromium and its driver,
    # and CJK fonts so that the screenshots show the Chinese text.
    apt_install_missing chromium chromium-driver fonts-noto-cjk
    if ! "$VENV/bin/python3" -c 'import selenium' 2>/dev/null; then
        "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check selenium==4.51.0
    fi
    if ! "$VENV/bin/python3" -c 'import wechatpy, lark_oapi, cryptography, Crypto' 2>/dev/null; then
        "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check \
            wechatpy==1.8.18 cryptography pycryptodome lark-oapi==1.7.5
    fi
fi
