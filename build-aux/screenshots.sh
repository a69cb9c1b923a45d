#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The user guides' screenshots, taken under Xvfb from the demo in Chinese
# and in English: docs/images/zh_CN/*.png and docs/images/en/*.png.
#   build-aux/screenshots.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
ninja -C "$build" tests/md-screenshots src/cli/demo.db
for lang in zh_CN en; do
  case $lang in
    zh_CN) locale=zh_CN.UTF-8 ;;
    en) locale=C.UTF-8 ;;
  esac
  out="docs/images/$lang"
  rm -rf "$out"
  LANG=$locale LC_ALL=$locale LANGUAGE= MD_LOCALEDIR="$PWD/$build/po" \
    GSETTINGS_SCHEMA_DIR="$PWD/$build/data" GSETTINGS_BACKEND=memory GTK_A11Y=none \
    MD_DEMO_TEMPLATE="$PWD/$build/src/cli/demo.db" \
    dbus-run-session -- xvfb-run -a -s '-screen 0 1366x768x24' \
    "$build/tests/md-screenshots" "$out"
done
