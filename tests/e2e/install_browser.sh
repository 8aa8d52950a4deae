#!/usr/bin/env bash
# Installs what the end-to-end tests (tests/e2e/) need: Debian's Chromium, and a
# font that draws Chinese (fonts-wqy-microhei, 4.5 MB) for the Chinese lessons:
# without one the browser draws boxes and matplotlib keeps English labels.
# Playwright (the Python package) comes with the kit's dev dependencies; its own
# browser downloads are not used (`playwright install` needs the internet).
# Run as root (CI), or with sudo. Idempotent: does nothing when both are there.
set -euo pipefail
PACKAGES="chromium fonts-dejavu-core fonts-wqy-microhei"
if [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    echo "chromium and a Chinese font are already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || { echo "install_browser.sh: run as root (or install sudo) to install chromium" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
