#!/usr/bin/env bash
# The receiver's browser tests (apps/receiver/test/ui/inspector.test.ts) drive the distribution's Chromium
# through playwright-core. Installs it when /usr/bin/chromium is missing; does nothing otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends chromium
