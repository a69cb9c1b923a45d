#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds the libFuzzer targets of tests/fuzz with clang in a build directory
# of their own and runs each for SECONDS (T12 in RELIABILITY.md: 60 s per
# target on every PR, 600 s nightly).
#
#   build-aux/fuzz.sh [SECONDS] [TARGET…]
#
# Targets: dlt645 modbus-frame frame-hex meter-profile modbus-reply dlt645-link
# sim-request (all by default). New inputs go to
# $BUILD/fuzz-corpus/TARGET; crashes to $BUILD/fuzz-artifacts. The checked-in
# corpus (tests/fuzz/corpus/TARGET) is only read. To keep a new input as a
# regression, copy it into the checked-in corpus: every build replays it.
# Environment: MD_FUZZ_BUILD_DIR (default build-fuzz), CC (default clang),
# MD_FUZZ_WERROR (default true; false while clang warns where gcc does not),
# MD_FUZZ_JOBS (targets fuzzed side by side, one core each; default 1).
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-dlt645 modbus-frame frame-hex meter-profile modbus-reply dlt645-link sim-request}

src=$(cd "$(dirname "$0")/.." && pwd)
build=${MD_FUZZ_BUILD_DIR:-$src/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CC=${CC:-clang} meson setup "$build" "$src" -Dfuzzing=true -Dwerror="${MD_FUZZ_WERROR:-true}"
fi
for t in $targets; do
  ninja -C "$build" "tests/fuzz/fuzz-$t"
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export G_SLICE=always-malloc G_DEBUG=gc-friendly

# One target for SECONDS; its summary printed when it is done.
fuzz_one() {
  t=$1
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts
  mkdir -p "$corpus" "$artifacts"
  # Longer inputs than a frame (plus noise) only slow the search down.
  case $t in
    dlt645) max_len=600 ;;
    modbus-frame) max_len=260 ;;
    modbus-reply) max_len=260 ;;
    dlt645-link|sim-request) max_len=1200 ;;
    meter-profile) max_len=8192 ;;
    *) max_len=2048 ;;
  esac
  result=0
  if ! "$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -print_final_stats=1 \
         -max_len="$max_len" \
         -artifact_prefix="$artifacts/$t-" "$corpus" "$src/tests/fuzz/corpus/$t" \
         >"$artifacts/$t.log" 2>&1; then
    result=1
  fi
  {
    echo "== fuzz-$t: $seconds s"
    [ $result = 0 ] || echo "fuzz-$t FAILED: see $artifacts/$t.log and $artifacts/$t-*"
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)' \
      "$artifacts/$t.log" | sed "s/^/  fuzz-$t /" || true
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$artifacts/$t.log" | head -5 || true
  } > "$artifacts/$t.summary"
  return $result
}

jobs=${MD_FUZZ_JOBS:-1}
status=0
set -- $targets
while [ $# -gt 0 ]; do
  pids=""
  batch=""
  n=0
  while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
    fuzz_one "$1" &
    pids="$pids $!"
    batch="$batch $1"
    n=$((n + 1))
    shift
  done
  for pid in $pids; do
    wait "$pid" || status=1
  done
  for t in $batch; do
    cat "$build/fuzz-artifacts/$t.summary"
  done
done
exit $status
