#!/usr/bin/env bash
# What the document renderer (WeasyPrint) needs from the system: Pango and a CJK font, embedded in
# every generated PDF. Installs them with apt-get when missing and running as root; otherwise
# fails naming the Debian packages. pdftoppm (poppler-utils) renders pages to PNG in the tests.
set -euo pipefail
PACKAGES=()
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so.0" || PACKAGES+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || PACKAGES+=(libpangoft2-1.0-0)
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then PACKAGES+=(fonts-wqy-microhei); fi
command -v pdftoppm >/dev/null 2>&1 || PACKAGES+=(poppler-utils)
[ ${#PACKAGES[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing for the document renderer: ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
else
  echo "error: the document renderer needs the Debian packages: ${PACKAGES[*]}" >&2
  echo "       install them with: sudo apt-get install ${PACKAGES[*]}" >&2
  exit 1
fi
