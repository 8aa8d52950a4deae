#!/usr/bin/env bash
# Installs what the end-to-end tests (tests/e2e/) need: Debian's Chromium.
# Playwright (the Python package) comes with the kit's dev dependencies; its own
# browser downloads are not used (`playwright install` needs the internet).
# Run as root (CI), or with sudo. Idempotent: does nothing when Chromium is there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium is already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || { echo "install_browser.sh: run as root (or install sudo) to install chromium" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
