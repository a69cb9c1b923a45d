#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The daemon's unit: an absolute ExecStart, and every hardening directive
RELIABILITY.md C asks for, with the right value."""
import sys

required = {
    "User": "meterdesk",
    "SupplementaryGroups": "dialout",
    "StateDirectory": "meterdesk",
    "StateDirectoryMode": "0700",
    "UMask": "0077",
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "ReadWritePaths": "/var/lib/meterdesk",
    "MemoryDenyWriteExecute": "yes",
    "LimitCORE": "0",
    "DevicePolicy": "closed",
}
seen = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.strip()
    if "=" in line and not line.startswith("#"):
        key, value = line.split("=", 1)
        seen.setdefault(key, []).append(value)

status = 0
for key, value in required.items():
    if value not in seen.get(key, []):
        print("%s=%s is missing" % (key, value))
        status = 1
exec_start = seen.get("ExecStart", [""])[0]
if not exec_start.startswith("/") or not exec_start.split()[0].endswith("/meterdesk-daemon"):
    print("ExecStart is not an absolute path to meterdesk-daemon: %s" % exec_start)
    status = 1
sys.exit(status)
