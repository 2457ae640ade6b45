#!/usr/bin/env bash
# Installs what PolicyDesk needs on a fresh Debian machine that already has Swift:
# libcurl (outbound HTTP) and SQLite headers; with --test also the Python SDKs the
# interoperability tests play the platforms with.
set -euo pipefail

packages=(libcurl4-openssl-dev libsqlite3-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y "${missing[@]}" || { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y "${missing[@]}"; }
fi

if [ "${1:-}" = "--test" ]; then
    python3 -m pip install --quiet --disable-pip-version-check \
        wechatpy==1.8.18 cryptography pycryptodome lark-oapi==1.7.5
fi
