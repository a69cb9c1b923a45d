#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the daemon's systemd files. Not a style check: each required line
# below is a promise made in docs/RELIABILITY.md section C, and losing one
# must fail the build's tests.
#
#   check-systemd-files.sh unit UNIT BINDIR SYSTEMD-ANALYZE TRUE
#   check-systemd-files.sh sysusers SYSUSERS TMPFILES SYSTEMD-SYSUSERS

set -eu

fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad ()
{
  echo "FAIL: $*" >&2
  fail=1
}

require_line ()
{
  grep -qxF -- "$2" "$1" || bad "$1: missing line: $2"
}

check_unit ()
{
  unit=$1 bindir=$2 analyze=$3 true_prog=$4

  for line in \
    'Type=simple' \
    'Wants=network-online.target' \
    'After=network-online.target postgresql.service' \
    'Environment=MD_DB=sqlite:/var/lib/meterdesk/meterdesk.db' \
    'EnvironmentFile=-/etc/default/meterdesk-daemon' \
    'Restart=on-failure' \
    'RestartSec=5' \
    'User=meterdesk' \
    'Group=meterdesk' \
    'SupplementaryGroups=dialout' \
    'StateDirectory=meterdesk' \
    'StateDirectoryMode=0700' \
    'UMask=0077' \
    'LimitCORE=0' \
    'NoNewPrivileges=yes' \
    'CapabilityBoundingSet=' \
    'ProtectSystem=strict' \
    'ProtectHome=yes' \
    'PrivateTmp=yes' \
    'ReadWritePaths=/var/lib/meterdesk' \
    'DevicePolicy=closed' \
    'DeviceAllow=char-ttyS rw' \
    'DeviceAllow=char-ttyUSB rw' \
    'DeviceAllow=char-ttyACM rw' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
    'MemoryDenyWriteExecute=yes' \
    'WantedBy=multi-user.target'
  do
    require_line "$unit" "$line"
  done

  # The one writable path is the state directory.
  n=$(grep -c '^ReadWritePaths=' "$unit" || true)
  [ "$n" = 1 ] || bad "$unit: $n ReadWritePaths= lines, expected only the state directory"
  # PrivateDevices=yes would hide the serial ports; the card reader is not
  # the daemon's business.
  if grep -q '^PrivateDevices=yes' "$unit"; then
    bad "$unit: PrivateDevices=yes hides the serial ports"
  fi
  if grep -qiE '^DeviceAllow=.*(pcsc|/dev/bus/usb|char-usb)' "$unit"; then
    bad "$unit: the daemon must not reach the card reader"
  fi
  if grep -q '@[a-z_]*@' "$unit"; then
    bad "$unit: unsubstituted @variable@"
  fi

  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  [ "$(printf '%s\n' "$exec_start" | wc -l)" = 1 ] || bad "$unit: expected one ExecStart="
  case $exec_start in
    "$bindir/meterdesk-daemon --db \${MD_DB}") ;;
    *) bad "$unit: ExecStart=$exec_start, expected $bindir/meterdesk-daemon --db \${MD_DB}" ;;
  esac
  case $bindir in
    /*) ;;
    *) bad "bindir $bindir is not absolute" ;;
  esac

  # systemd-analyze refuses a unit whose program does not exist, and the
  # daemon is not installed when the tests run: verify a copy that starts an
  # existing program instead. Everything else is checked as shipped. With
  # --recursive-errors=no an unknown key or a bad value makes it fail.
  sed "s|^ExecStart=[^ ]*|ExecStart=$true_prog|" "$unit" > "$tmp/meterdesk-daemon.service"
  if ! "$analyze" verify --man=no --generators=no --recursive-errors=no \
         "$tmp/meterdesk-daemon.service" > "$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log" >&2
    bad "$unit: systemd-analyze verify failed"
  elif [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log" >&2
    bad "$unit: systemd-analyze verify printed diagnostics"
  fi
}

check_sysusers ()
{
  sysusers=$1 tmpfiles=$2 sysusers_prog=$3

  # Apply the file to an empty root that has only a dialout group, as on a
  # fresh Debian system, and look at what it made.
  mkdir -p "$tmp/root/etc"
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$tmp/root/etc/passwd"
  printf 'root:x:0:\ndialout:x:20:\n' > "$tmp/root/etc/group"
  if ! "$sysusers_prog" --root="$tmp/root" "$sysusers" > "$tmp/sysusers.log" 2>&1; then
    cat "$tmp/sysusers.log" >&2
    bad "$sysusers: systemd-sysusers failed"
    return
  fi

  entry=$(grep '^meterdesk:' "$tmp/root/etc/passwd" || true)
  [ -n "$entry" ] || bad "$sysusers: no meterdesk user created"
  uid=$(echo "$entry" | cut -d: -f3)
  home=$(echo "$entry" | cut -d: -f6)
  shell=$(echo "$entry" | cut -d: -f7)
  case $uid in
    ''|*[!0-9]*) bad "$sysusers: meterdesk uid '$uid' is not a number" ;;
    *) if [ "$uid" -eq 0 ] || [ "$uid" -ge 1000 ]; then
         bad "$sysusers: meterdesk uid $uid is not a system uid"
       fi ;;
  esac
  [ "$home" = /var/lib/meterdesk ] || bad "$sysusers: home is '$home'"
  case $shell in
    */nologin|/bin/false) ;;
    *) bad "$sysusers: meterdesk has a login shell '$shell'" ;;
  esac
  grep -qE '^dialout:[^:]*:[^:]*:(.*,)?meterdesk(,.*)?$' "$tmp/root/etc/group" ||
    bad "$sysusers: meterdesk is not in dialout"

  # systemd-tmpfiles would need root to chown, so the line is checked as text.
  require_line "$tmpfiles" 'd /var/lib/meterdesk 0700 meterdesk meterdesk -'
  n=$(grep -cvE '^[[:space:]]*(#|$)' "$tmpfiles" || true)
  [ "$n" = 1 ] || bad "$tmpfiles: $n entries, expected only the state directory"
}

case ${1-} in
  unit) shift; [ $# = 4 ] || { echo "usage: $0 unit UNIT BINDIR ANALYZE TRUE" >&2; exit 2; }
        check_unit "$@" ;;
  sysusers) shift; [ $# = 3 ] || { echo "usage: $0 sysusers SYSUSERS TMPFILES SYSUSERS-PROG" >&2; exit 2; }
            check_sysusers "$@" ;;
  *) echo "usage: $0 unit|sysusers …" >&2; exit 2 ;;
esac

exit $fail
