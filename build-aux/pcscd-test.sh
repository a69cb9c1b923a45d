#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one test command against a private pcscd with a vpcd reader:
#   build-aux/pcscd-test.sh COMMAND [ARGS...]
#
# pcsc-lite 1.9.9's client library honours PCSCLITE_CSOCK_NAME, but its
# pcscd does not (it always binds /run/pcscd/pcscd.comm and writes
# /run/pcscd/pcscd.pid, and refuses to start beside another pcscd). So the
# test runs in a mount namespace of its own where a private directory is
# mounted over /run/pcscd; pcscd gets a reader.conf directory of its own
# (pcscd -c) whose vpcd reader listens on a free port pair. Several tests
# therefore run in parallel, and never touch the system's pcscd.
#
# The command sees:
#   PCSCLITE_CSOCK_NAME  the private pcscd's socket
#   MD_VPCD_PORT         where the emulated card connects (slot 0; slot 1 is +1)
#   MD_PCSCD_DIR         the test's directory (pcscd.log, scratch space)
#   MD_PCSCD_START       a command that (re)starts pcscd, e.g. after a test killed it
#   MD_PCSCD_STOP        a command that stops it
# pcscd is stopped afterwards, also on failure. This never skips: when pcscd
# cannot start, the test fails and shows pcscd's log.
set -u

if [ $# -lt 1 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if [ -z "${MD_PCSCD_NS:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    exec unshare --mount --propagation private env MD_PCSCD_NS=1 "$0" "$@"
  else
    exec unshare --user --map-root-user --mount --propagation private \
      env MD_PCSCD_NS=1 "$0" "$@"
  fi
  echo "pcscd-test: cannot make a private mount namespace (unshare)" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/md-pcscd.XXXXXX") || exit 1
mkdir -p "$dir/run" "$dir/conf"
chmod 755 "$dir" "$dir/run"
mkdir -p /run/pcscd 2>/dev/null
if ! mount --bind "$dir/run" /run/pcscd; then
  echo "pcscd-test: cannot mount a private /run/pcscd" >&2
  exit 1
fi

free_pair() {
  /usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randrange(20000, 30000, 2)
    socks = []
    try:
        for p in (port, port + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("0.0.0.0", p))
            socks.append(s)
        print(port)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
PY
}

pcscd_pid=""
start_pcscd() {
  : > "$dir/pcscd.log"
  pcscd --foreground --debug --config "$dir/conf" >> "$dir/pcscd.log" 2>&1 &
  pcscd_pid=$!
  echo "$pcscd_pid" > "$dir/pcscd.pid"
  for _ in $(seq 1 100); do
    if ! kill -0 "$pcscd_pid" 2>/dev/null; then
      return 1
    fi
    if grep -q "daemon ready" "$dir/pcscd.log" && [ -S "$dir/run/pcscd.comm" ]; then
      if grep -q "Could not initialize connection to virtual ICC" "$dir/pcscd.log"; then
        return 1
      fi
      return 0
    fi
    sleep 0.05
  done
  return 1
}

stop_pcscd() {
  if [ -n "$pcscd_pid" ] && kill -0 "$pcscd_pid" 2>/dev/null; then
    kill "$pcscd_pid" 2>/dev/null
    for _ in $(seq 1 100); do
      kill -0 "$pcscd_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -9 "$pcscd_pid" 2>/dev/null
  fi
  wait "$pcscd_pid" 2>/dev/null
  pcscd_pid=""
}

cleanup() {
  stop_pcscd
  umount /run/pcscd 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=0
for attempt in 1 2 3 4 5; do
  port=$(free_pair)
  if [ -z "$port" ]; then
    continue
  fi
  cat > "$dir/conf/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$port
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    $port
CONF
  if start_pcscd; then
    started=1
    break
  fi
  stop_pcscd
done
if [ "$started" != 1 ]; then
  echo "pcscd-test: pcscd did not start; its log:" >&2
  cat "$dir/pcscd.log" >&2
  exit 1
fi

# Helpers the test may call to kill and bring back the service.
cat > "$dir/start-pcscd" <<HELP
#!/bin/sh
: > "$dir/pcscd.log.restart"
pcscd --foreground --debug --config "$dir/conf" >> "$dir/pcscd.log.restart" 2>&1 &
echo \$! > "$dir/pcscd.pid"
for i in \$(seq 1 100); do
  if grep -q "daemon ready" "$dir/pcscd.log.restart" && [ -S "$dir/run/pcscd.comm" ]; then exit 0; fi
  sleep 0.05
done
exit 1
HELP
cat > "$dir/stop-pcscd" <<HELP
#!/bin/sh
pid=\$(cat "$dir/pcscd.pid")
kill -9 "\$pid" 2>/dev/null
for i in \$(seq 1 100); do kill -0 "\$pid" 2>/dev/null || exit 0; sleep 0.05; done
exit 0
HELP
chmod +x "$dir/start-pcscd" "$dir/stop-pcscd"

export PCSCLITE_CSOCK_NAME="$dir/run/pcscd.comm"
export MD_VPCD_PORT="$port"
export MD_PCSCD_DIR="$dir"
export MD_PCSCD_START="$dir/start-pcscd"
export MD_PCSCD_STOP="$dir/stop-pcscd"

"$@"
rc=$?

# A test that restarted pcscd leaves it running under another pid.
if [ -f "$dir/pcscd.pid" ] && [ "$(cat "$dir/pcscd.pid")" != "$pcscd_pid" ]; then
  restarted=$(cat "$dir/pcscd.pid")
  kill "$restarted" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$restarted" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$restarted" 2>/dev/null
fi
if [ "$rc" != 0 ]; then
  echo "pcscd-test: the test failed ($rc); the end of pcscd's log:" >&2
  tail -n 60 "$dir/pcscd.log" >&2
fi
exit "$rc"
