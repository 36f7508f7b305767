#!/usr/bin/env bash
# What the browser tests need from the system: Debian's Chromium (Playwright drives it; CHROMIUM_PATH
# overrides /usr/bin/chromium) and a CJK font so pages render legibly in the screenshots. Installs them
# with apt-get when missing and running as root; otherwise fails naming the Debian packages — the
# browser tests are never skipped silently (tests/conftest.py fails them too when Chromium is missing).
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
PACKAGES=()
[ -x "$CHROMIUM" ] || PACKAGES+=(chromium)
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then PACKAGES+=(fonts-wqy-microhei); fi
[ ${#PACKAGES[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing for the browser tests: ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
  [ -x "$CHROMIUM" ] || { echo "error: $CHROMIUM is still missing after installing chromium" >&2; exit 1; }
else
  echo "error: the browser tests need the Debian packages: ${PACKAGES[*]} (missing: $CHROMIUM or the CJK font)" >&2
  echo "       install them with: sudo apt-get install ${PACKAGES[*]}" >&2
  echo "       (or set CHROMIUM_PATH to a Chromium binary)" >&2
  exit 1
fi
