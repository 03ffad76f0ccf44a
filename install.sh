#!/usr/bin/env bash
# Set crmkit up on this machine: the system packages it needs, then the Python package.
#
#   bash install.sh         a CJK font for the charts and reports, then `pip install -e .`
#   bash install.sh test    also Debian's chromium (browser tests, PDF reports) and poppler-utils
#                           (the tests look at PDF pages as images), then `pip install -e '.[test]'`
#
# System packages come from apt-get where there is one (Debian/Ubuntu; with sudo unless root);
# macOS and Windows already have a CJK font, and elsewhere the missing ones are named.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
fc-list 2>/dev/null | grep -qiE "Noto Sans CJK|Source Han Sans|WenQuanYi" || missing+=(fonts-noto-cjk)
if [ "${1:-}" = "test" ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "install.sh: installing ${missing[*]} (apt-get)" >&2
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  elif [ "$(uname)" != "Darwin" ]; then
    echo "install.sh: please install ${missing[*]} with your system's package manager" >&2
  fi
fi

if [ "${1:-}" = "test" ]; then
  python3 -m pip install -q -e '.[test]'
else
  python3 -m pip install -q -e .
fi
