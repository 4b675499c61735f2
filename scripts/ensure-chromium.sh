#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium: Playwright cannot download its own build
# here. Installs it when missing (as root, from Debian's packages), so `npm test` works on a
# fresh machine; SIGNET_CHROMIUM names another binary instead.
set -euo pipefail
if [ -n "${SIGNET_CHROMIUM:-}" ] || command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the console tests…" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "error: Chromium is missing for the console tests: install it (apt-get install chromium) or set SIGNET_CHROMIUM to its path" >&2
exit 1
