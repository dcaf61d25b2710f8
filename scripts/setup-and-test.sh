#!/usr/bin/env bash
# Installs everything the tests need (system packages where apt is available, a fresh venv,
# the package with its test extras) and runs the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES="gcc g++ libc6-dev make lld busybox-static qemu-user wine64 xz-utils sqlite3 python3.11 zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev liblua5.4-dev libpcre2-dev"
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq $SYSTEM_PACKAGES >/dev/null
else
    echo "setup: no apt-get; make sure these are installed: $SYSTEM_PACKAGES" >&2
fi

PYTHON="${PYTHON:-python3}"
rm -rf .venv
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

export ELF2NATIVE_CACHE_DIR="${ELF2NATIVE_CACHE_DIR:-$PWD/.venv/elf2native-cache}"
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
