#!/usr/bin/env bash
# Installs Node.js and npm from Debian's packages where they are missing, to build the JupyterLab extension
# from its source (tests/packaging/test_labextension.py; learners never need it: the wheel holds the build).
# Run as root (CI) or with sudo. Idempotent: does nothing when npm is there.
set -euo pipefail
if command -v node >/dev/null && command -v npm >/dev/null; then
    echo "node $(node --version) and npm $(npm --version) are already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || { echo "install_node.sh: run as root (or install sudo) to install nodejs" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
echo "installed node $(node --version), npm $(npm --version)"
