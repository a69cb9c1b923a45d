#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""meterdesk-daemon end to end, every part a real process: the bus
simulator (`meterdesk-sim bus`, two Modbus TCP gateways), the daemon on a
SQLite file, and meterdesk-cli for the site, sales, batches and settings.

- a remote sale is POSTED only once the meter confirmed the recharge; a
  recharge the meter never received ends the sale not posted;
- alarms go into the outbox and out through the `command` channel, which
  runs the site's program;
- a batch job over several meters keeps one result per meter;
- `poll --once` is refused while the daemon holds the lease, and works
  after the daemon stopped cleanly on SIGTERM;
- bad input gets one translated line and the usage exit status."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

BUILD = os.environ.get("MD_BUILD_ROOT", "build")
CLI = os.environ.get("MD_CLI", os.path.join(BUILD, "src", "cli", "meterdesk-cli"))
DAEMON = os.environ.get("MD_DAEMON", os.path.join(BUILD, "src", "daemon", "meterdesk-daemon"))
SIM = os.environ.get("MD_SIM", os.path.join(BUILD, "src", "sim", "meterdesk-sim"))
DATA = os.path.join(os.environ.get("MD_SOURCE_ROOT", "."), "tests", "data", "tariffs")
ADMIN_PW = "admin-secret"
STAFF_PW = "staff-secret"
CASH_PW = "cashier-secret"
M1, M2, M3 = "202601000001", "202601000002", "202601000003"
SILENT = "202601000009"     # unit 9: the gateway answers for nobody there
M4 = "202602000001"         # on BUS2, whose gateway loses every write
WAIT = 30


def env_for(db, operator=None, password=None, lang="C.UTF-8"):
    environ = dict(os.environ)
    for name in ("MD_PASSWORD", "MD_OPERATOR", "LANGUAGE"):
        environ.pop(name, None)
    environ.update({"MD_DB": db, "LANG": lang, "LC_ALL": lang})
    if operator:
        environ["MD_OPERATOR"] = operator
        environ["MD_PASSWORD"] = password
    return environ


def run(db, args, operator=None, password=None, stdin=None, extra=None, lang="C.UTF-8"):
    environ = env_for(db, operator, password, lang)
    if extra:
        environ.update(extra)
    proc = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=environ,
                          timeout=120)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def start_sim(directory, name, extra):
    ready = os.path.join(directory, name + ".json")
    proc = subprocess.Popen([SIM, "bus", "--gateways", "1", "--load", "0",
                             "--ready-file", ready] + extra,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WAIT
    while not os.path.exists(ready):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "simulator not ready"
        time.sleep(0.05)
    time.sleep(0.1)
    with open(ready, encoding="utf-8") as f:
        port = json.load(f)["ports"][0]["port"]
    return proc, port


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class DaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="md-daemon-")
        cls.db = os.path.join(cls.dir, "meterdesk.db")
        cls.daemon = None
        # Meters 1-3 answer on BUS1 with ¥100.00 each; BUS2's meter answers
        # reads, but its gateway drops every write.
        cls.sim1, port1 = start_sim(cls.dir, "bus1", ["--meters", "3",
                                                      "--address-base", M1])
        cls.sim2, port2 = start_sim(cls.dir, "bus2", ["--meters", "1", "--address-base", M4,
                                                      "--fault", "drop=1",
                                                      "--fault-scope", "writes"])
        rc, out, err = run(cls.db, ["init", "--admin", "admin"], stdin=ADMIN_PW.encode() + b"\n")
        assert rc == 0, err
        for name, roles, pw in (("staff", "metering,utilization,finance", STAFF_PW),
                                ("cash", "cashier", CASH_PW)):
            rc, out, err = run(cls.db, ["operator", "add", name, "--role", roles],
                               "admin", ADMIN_PW, extra={"MD_NEW_PASSWORD": pw})
            assert rc == 0, err
        cls.staff(["tariff", "set", "--file", os.path.join(DATA, "res-2026.ini")])
        cls.staff(["category", "add", "RES", "--name", "居民", "--tariff", "RES-2026"])
        # The site in one import: a building, two buses, five meters in rooms.
        site = os.path.join(cls.dir, "site.csv")
        meters = ((M1, "BUS1", 1), (M2, "BUS1", 2), (M3, "BUS1", 3), (SILENT, "BUS1", 9),
                  (M4, "BUS2", 1))
        with open(site, "w", encoding="utf-8") as f:
            f.write("type,site,building,floor,code,name,host,port,address,model,bus,unit,room\n"
                    "site,,,,S,Site,,,,,,,\n"
                    "building,S,,,B1,B1,,,,,,,\n"
                    "floor,S,B1,,F1,F1,,,,,,,\n"
                    "bus,,,,,BUS1,127.0.0.1,%d,,,,,\n"
                    "bus,,,,,BUS2,127.0.0.1,%d,,,,,\n" % (port1, port2))
            for i, (address, bus, unit) in enumerate(meters):
                room = "10%d" % (i + 1)
                f.write("room,S,B1,F1,%s,%s,,,,,,,\n" % (room, room))
                f.write("meter,,,,,,,,%s,meterdesk-sim,%s,%d,S/B1/F1/%s\n"
                        % (address, bus, unit, room))
        cls.staff(["site", "import", site])
        cls.staff(["account", "open", "--no", "A1", "--name", "张三", "--category", "RES",
                   "--meter", M1, "--phone", "13800000001", "--vend", "money"])
        cls.staff(["account", "open", "--no", "A4", "--name", "王五", "--category", "RES",
                   "--meter", M4, "--phone", "13800000004", "--vend", "money"])
        # The site's notification program: arguments and standard input.
        cls.out = os.path.join(cls.dir, "notified")
        cls.script = os.path.join(cls.dir, "notify.sh")
        with open(cls.script, "w", encoding="utf-8") as f:
            f.write('#!/bin/sh\nprintf "%%s|%%s|%%s|%%s|%%s\\n" "$1" "$2" "$3" "$4" "$(cat)" '
                    '>> "%s"\n' % cls.out)
        os.chmod(cls.script, 0o700)
        for key, value in (("poll.offline-after", "2"), ("notify.channels", "log,command"),
                           ("notify.command", cls.script), ("notify.staff", "13900000000"),
                           ("notify.retry-seconds", "1"), ("remote.wait-seconds", "15"),
                           ("dlt645.password", "pw-9876")):
            rc, out, err = run(cls.db, ["setting", "set", key, value], "admin", ADMIN_PW)
            assert rc == 0, err
        rc, out, err = run(cls.db, ["shift", "open", "--float", "500"], "cash", CASH_PW)
        assert rc == 0, err

    @classmethod
    def tearDownClass(cls):
        if cls.daemon is not None:
            stop(cls.daemon)
        stop(cls.sim1)
        stop(cls.sim2)
        shutil.rmtree(cls.dir)

    @classmethod
    def staff(cls, args, expect=0):
        rc, out, err = run(cls.db, args, "staff", STAFF_PW)
        assert rc == expect, (args, rc, out, err)
        return out

    def json(self, args, operator="staff", password=STAFF_PW, expect=0):
        rc, out, err = run(self.db, ["--json"] + args, operator, password)
        self.assertEqual(rc, expect, (args, out, err))
        return json.loads(out)

    def sql(self, query, *params):
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def wait_sql(self, query, params, expected):
        deadline = time.monotonic() + WAIT
        while True:
            rows = self.sql(query, *params)
            if rows == expected:
                return
            self.assertLess(time.monotonic(), deadline, (query, rows, expected))
            time.sleep(0.1)

    def start_daemon(self):
        cls = type(self)
        cls.daemon_log = open(os.path.join(self.dir, "daemon.log"), "wb")
        cls.daemon = subprocess.Popen([DAEMON, "--db", self.db, "--interval", "1",
                                       "--stats", "1"],
                                      env=env_for(self.db), stdout=subprocess.DEVNULL,
                                      stderr=cls.daemon_log)
        deadline = time.monotonic() + WAIT
        while self.json(["service", "status"])["state"] != "hosted":
            self.assertIsNone(cls.daemon.poll())
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)

    def test_daemon(self):
        self.start_daemon()
        status = self.json(["service", "status"])
        self.assertTrue(status["host"].startswith("daemon:"), status)

        # The poller: every meter read, the silent one offline with one alert.
        self.wait_sql("SELECT ms.online FROM meter_state ms JOIN meter m ON m.id = ms.meter_id "
                      "WHERE m.address = ?", (M3,), [(1,)])
        self.wait_sql("SELECT count(*) FROM alert WHERE kind = 'offline' AND object = ?",
                      ("meter:" + SILENT,), [(1,)])

        # Only one host: `poll --once` is refused while the daemon runs.
        rc, out, err = run(self.db, ["poll", "--once"], "staff", STAFF_PW)
        self.assertEqual(rc, 1, err)
        self.assertIn("already run in daemon:", err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

        # A remote sale through the daemon: posted, and the meter has it.
        before = self.json(["meter", "read", M1])
        rc, out, err = run(self.db, ["--json", "sell", "--account", "A1", "--amount", "50",
                                     "--pay", "cash", "--medium", "remote"], "cash", CASH_PW)
        self.assertEqual(rc, 0, err)
        sale = json.loads(out)
        self.assertEqual(sale["state"], "committed", sale)
        after = self.json(["meter", "read", M1])
        self.assertEqual(after["purchase_count"], before["purchase_count"] + 1)
        self.assertEqual(float(after["credit"]) - float(before["credit"]), 50.0,
                         (before, after))
        # Posted after the daemon's recharge (its read-back) was done.
        rows = self.sql("SELECT c.state, c.started_at, s.state, s.posted_at FROM meter_command c "
                        "JOIN sale s ON s.id = c.sale_id WHERE c.op = 'recharge'")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][0], "done")
        self.assertEqual(rows[0][2], "posted")
        self.assertLessEqual(rows[0][1], rows[0][3])
        # The daemon recorded the meter's read-back with the new credit.
        new_credit = round(float(before["credit"]) * 100) + 5000
        confirmed = self.sql("SELECT min(r.at) FROM meter_reading r JOIN meter m "
                             "ON m.id = r.meter_id WHERE m.address = ? AND r.credit = ?",
                             M1, new_credit)[0][0]
        self.assertIsNotNone(confirmed)

        # BUS2's gateway loses the write: the meter never confirms, so the
        # sale is not posted and the meter's credit is unchanged.
        before4 = self.json(["meter", "read", M4])
        rc, out, err = run(self.db, ["--json", "sell", "--account", "A4", "--amount", "30",
                                     "--pay", "cash", "--medium", "remote"], "cash", CASH_PW)
        self.assertEqual(rc, 1, (out, err))
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        states = self.sql("SELECT s.state FROM sale s JOIN account a ON a.id = s.account_id "
                          "WHERE a.no = 'A4'")
        self.assertEqual(len(states), 1, states)
        self.assertNotIn(states[0][0], ("posted", "delivered"), states)
        after4 = self.json(["meter", "read", M4])
        self.assertEqual(after4["credit"], before4["credit"])
        self.assertEqual(after4["purchase_count"], before4["purchase_count"])

        # Controls through the queue: trip and close M3.
        self.json(["meter", "control", M3, "trip"])
        self.assertEqual(self.json(["meter", "read", M3])["relay"], "tripped")
        self.json(["meter", "control", M3, "close"])
        self.assertEqual(self.json(["meter", "read", M3])["relay"], "closed")

        # A batch over the bus: a result per meter, the silent one failed.
        batch = self.json(["batch", "create", "read", "--bus", "BUS1", "--name", "sweep"])
        self.assertEqual(batch["meters"], 4)
        deadline = time.monotonic() + WAIT
        while True:
            shown = self.json(["batch", "show", str(batch["batch"])])
            if shown["state"] == "finished":
                break
            self.assertLess(time.monotonic(), deadline, shown)
            time.sleep(0.2)
        results = {item["meter"]: item["state"] for item in shown["items"]}
        self.assertEqual(results, {M1: "done", M2: "done", M3: "done", SILENT: "failed"})
        self.assertEqual((shown["done"], shown["failed"]), (3, 1))
        listed = self.json(["batch", "list"])
        self.assertIn(batch["batch"], [b["batch"] for b in listed])
        csv = os.path.join(self.dir, "batch.csv")
        self.json(["batch", "show", str(batch["batch"]), "--csv", csv])
        with open(csv, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 5, lines)
        # Trip two meters at once, then close them again.
        for op, relay in (("trip", "tripped"), ("close", "closed")):
            job = self.json(["batch", "create", op, "--meter", M2, "--meter", M3])
            self.assertEqual(job["meters"], 2)
            self.wait_sql("SELECT count(*) FROM meter_command WHERE batch_id = ? AND "
                          "state = 'done'", (job["batch"],), [(2,)])
            self.assertEqual(self.json(["meter", "read", M2])["relay"], relay)

        # Alarms through the outbox: the command channel ran the program
        # once per alert, with the message on its standard input.
        self.wait_sql("SELECT count(*) FROM notification WHERE channel = 'command' "
                      "AND state <> 'sent'", (), [(0,)])
        sent = self.sql("SELECT id, kind, object, recipient, message FROM notification "
                        "WHERE channel = 'command' ORDER BY id")
        self.assertGreaterEqual(len(sent), 1)
        with open(self.out, encoding="utf-8") as f:
            lines = f.read().splitlines()
        self.assertEqual(sorted(lines), sorted("%d|%s|%s|%s|%s" % (i, k, o, r, m)
                                               for i, k, o, r, m in sent))
        self.assertTrue(any(line.split("|")[1:4] == ["offline", "meter:" + SILENT,
                                                     "13900000000"] for line in lines), lines)

        # SIGTERM: stops cleanly, releases the lease.
        self.daemon.send_signal(signal.SIGTERM)
        self.assertEqual(self.daemon.wait(timeout=WAIT), 0)
        self.daemon_log.close()
        with open(os.path.join(self.dir, "daemon.log"), encoding="utf-8") as f:
            log = f.read()
        self.assertIn("stopped", log)
        self.assertNotIn("WARNING", log)
        self.assertNotIn("CRITICAL", log)
        self.assertEqual(self.json(["service", "status"])["state"], "not-hosted")
        self.assertEqual(self.sql("SELECT count(*) FROM meter_command "
                                  "WHERE state IN ('queued', 'running')"), [(0,)])

        # Nobody hosts now: `poll --once` reads every bus here, and a
        # remote sale goes to the meter directly.
        doctor = self.json(["doctor", "--probe"])["meters"]
        self.assertEqual(doctor["hosted_by"], "")
        buses = {b["bus"]: b for b in doctor["buses"]}
        self.assertEqual(sorted(buses["BUS1"]["answering"]), [M1, M2, M3])
        self.assertEqual(buses["BUS1"]["silent"], [SILENT])
        stats = self.json(["poll", "--once"])
        self.assertEqual(stats["buses"], 2)
        self.assertGreaterEqual(stats["reads"], 4)
        rc, out, err = run(self.db, ["--json", "sell", "--account", "A1", "--amount", "10",
                                     "--pay", "cash", "--medium", "remote"], "cash", CASH_PW)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["state"], "committed")
        self.assertEqual(self.json(["meter", "read", M1])["purchase_count"],
                         before["purchase_count"] + 2)

    def test_settings(self):
        listed = {s["key"]: s["value"] for s in self.json(["setting", "list"])}
        self.assertEqual(listed["notify.command"], self.script)
        self.assertEqual(listed["poll.offline-after"], 2)
        # A password is never shown, nor kept in the audit chain.
        self.assertEqual(listed["dlt645.password"], "********")
        self.assertEqual(self.sql("SELECT count(*) FROM audit WHERE detail LIKE '%pw-9876%'"),
                         [(0,)])
        rc, out, err = run(self.db, ["setting", "set", "poll.offline-after", "0"], "admin",
                           ADMIN_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_bad_input(self):
        cases = [
            (["batch", "create", "read"], 2),
            (["batch", "create", "read", "--all", "--bus", "BUS1"], 2),
            (["batch", "create", "melt", "--all"], 1),
            (["batch", "create", "set-params", "--all", "--set", "alarm_1"], 2),
            (["batch", "create", "set-params", "--all", "--set", "alarm_1=abc"], 1),
            (["batch", "create", "read", "--all", "--at", "yesterday-ish"], 1),
            (["batch", "show", "abc"], 1),
            (["batch", "show", "999"], 1),
            (["batch", "cancel", "0"], 1),
            (["meter", "control", M1, "explode"], 1),
            (["meter", "read", "12"], 1),
            (["meter", "read", "202699999999"], 1),
            (["poll", "--interval", "0"], 1),
            (["poll", "--bogus"], 2),
        ]
        before = self.sql("SELECT count(*) FROM meter_command")
        for args, expected in cases:
            rc, out, err = run(self.db, args, "staff", STAFF_PW)
            self.assertEqual(rc, expected, (args, out, err))
            self.assertEqual(len(err.strip().splitlines()), 1, (args, err))
        self.assertEqual(self.sql("SELECT count(*) FROM meter_command"), before)
        # The cashier may not start batches.
        rc, out, err = run(self.db, ["--json", "batch", "create", "trip", "--all"], "cash",
                           CASH_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "auth.denied")
        # In the operator's language.
        rc, out, err = run(self.db, ["meter", "control", M1, "explode"], "staff", STAFF_PW,
                           lang="zh_CN.UTF-8")
        self.assertEqual(rc, 1)
        self.assertTrue(any("\u4e00" <= ch <= "\u9fff" for ch in err), err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
