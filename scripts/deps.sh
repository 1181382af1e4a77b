#!/usr/bin/env bash
# Installs what Racecraft needs that a fresh machine of our kind may lack: Node packages for the web UI and,
# with --browser, Debian's Chromium for the browser tests. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "installing Debian's chromium"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
