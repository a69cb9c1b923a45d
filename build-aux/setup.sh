#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's two set-up commands on a fresh Debian 12 machine:
#   build-aux/setup.sh --demo   install, build, start `meterdesk --demo`
#   build-aux/setup.sh --test   install, build with -Werror, run the whole test suite
set -eu

cd "$(dirname "$0")/.."
mode=${1:-}
case "$mode" in
  --demo|--test) ;;
  *) echo "usage: $0 --demo | --test" >&2; exit 2 ;;
esac

if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi

packages=$(grep -v '^#' build-aux/debian-packages.txt | tr '\n' ' ')
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages

# Messages and money are tested in Chinese as well as in C.
if ! locale -a 2>/dev/null | grep -qi '^zh_CN\.utf-\?8$'; then
  $sudo sed -i 's/^# *\(zh_CN.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen || echo 'zh_CN.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen
fi

if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=true
else
  meson configure build -Dwerror=true
fi
ninja -C build

case "$mode" in
  --demo)
    # Run from the build tree: its translations, settings schema and demo.
    MD_LOCALEDIR="$PWD/build/po" GSETTINGS_SCHEMA_DIR="$PWD/build/data" \
      MD_DEMO_TEMPLATE="$PWD/build/src/cli/demo.db" exec build/src/app/meterdesk --demo
    ;;
  --test)
    meson test -C build --no-suite long --print-errorlogs --num-processes 2
    # T12: every wire parser fuzzed for 60 s (clang, ASan+UBSan), two at a time.
    MD_FUZZ_JOBS=2 MD_FUZZ_WERROR=false build-aux/fuzz.sh 60
    ;;
esac
