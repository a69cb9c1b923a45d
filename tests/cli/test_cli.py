#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""meterdesk-cli end to end: the CLI.md contract, bad input leaving the
database unchanged, audit tampering through the sqlite3 tool, backup and
restore. Runs the real binary on a real SQLite file."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("MD_CLI", "meterdesk-cli")
DATA = os.path.join(os.environ.get("MD_SOURCE_ROOT", "."), "tests", "data", "tariffs")
ADMIN_PW = "admin-secret"
STAFF_PW = "staff-secret"
FIN_PW = "finance-secret"
CASH_PW = "cashier-secret"
BOSS_PW = "supervisor-secret"


# init makes the site's card key: here, never in the user's own directory.
KEY_DIR = tempfile.mkdtemp(prefix="md-cli-key-")


def run(db, args, operator=None, password=None, stdin=None, env=None, lang="C.UTF-8"):
    environ = dict(os.environ)
    environ.pop("MD_PASSWORD", None)
    environ.pop("MD_OPERATOR", None)
    environ.update({"MD_DB": db, "LANG": lang, "LC_ALL": lang, "LANGUAGE": "",
                    "MD_CARD_KEY": os.path.join(KEY_DIR, os.path.basename(db) + ".key")})
    if operator:
        environ["MD_OPERATOR"] = operator
        environ["MD_PASSWORD"] = password
    if env:
        environ.update(env)
    proc = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=environ,
                          timeout=60)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def dump(db):
    out = subprocess.run(["sqlite3", db, ".dump"], capture_output=True, check=True, timeout=60)
    return out.stdout


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="md-cli-")
        cls.db = os.path.join(cls.dir, "meterdesk.db")
        rc, out, err = run(cls.db, ["init", "--admin", "admin"], stdin=ADMIN_PW.encode() + b"\n")
        assert rc == 0, err
        for name, roles, pw in (("staff", "metering,utilization", STAFF_PW),
                                ("fin", "finance", FIN_PW),
                                ("cash", "cashier", CASH_PW),
                                ("boss", "supervisor", BOSS_PW)):
            rc, out, err = run(cls.db, ["operator", "add", name, "--role", roles],
                               "admin", ADMIN_PW, env={"MD_NEW_PASSWORD": pw})
            assert rc == 0, err
        cls.staff(["site", "add", "MALL", "--name", "购物中心"])
        cls.staff(["building", "add", "MALL", "B3", "--name", "3号楼"])
        cls.staff(["floor", "add", "MALL", "B3", "F2", "--name", "2层"])
        cls.staff(["room", "add", "MALL", "B3", "F2", "205", "--name", "205室", "--area", "56.50"])
        cls.staff(["bus", "add", "BUS1", "--serial", "/dev/ttyUSB0"])
        cls.staff(["meter", "add", "202411110002", "--model", "ADF400L", "--bus", "BUS1",
                   "--unit", "3", "--room", "MALL/B3/F2/205"])
        rc, out, err = run(cls.db, ["tariff", "set", "--file", os.path.join(DATA, "res-2026.ini")],
                           "fin", FIN_PW)
        assert rc == 0, err
        rc, out, err = run(cls.db, ["category", "add", "RES", "--name", "居民生活",
                                    "--tariff", "RES-2026"], "fin", FIN_PW)
        assert rc == 0, err
        cls.staff(["account", "open", "--no", "100234", "--name", "张三", "--category", "RES",
                   "--meter", "202411110002", "--capacity", "8", "--phone", "13800000000"])
        cls.staff(["account", "open", "--no", "100300", "--name", "李四", "--category", "RES",
                   "--billing", "system"])
        rc, out, err = run(cls.db, ["shift", "open", "--float", "500"], "cash", CASH_PW)
        assert rc == 0, err

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)
        shutil.rmtree(KEY_DIR, ignore_errors=True)

    @classmethod
    def staff(cls, args, expect=0):
        rc, out, err = run(cls.db, args, "staff", STAFF_PW)
        assert rc == expect, (args, rc, out, err)
        return out

    def json(self, args, operator="staff", password=STAFF_PW):
        rc, out, err = run(self.db, ["--json"] + args, operator, password)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_version_and_help(self):
        rc, out, err = run(self.db, ["--version"])
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("meterdesk-cli "))
        rc, out, err = run(self.db, ["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("account open", out)

    def test_account_json(self):
        account = self.json(["account", "show", "100234"])
        self.assertEqual(account["account"], "100234")
        self.assertEqual(account["name"], "张三")
        self.assertEqual(account["capacity_kva"], "8.000")
        self.assertEqual(account["meters"][0]["address"], "202411110002")
        found = self.json(["account", "list", "--search", "205"])
        self.assertEqual([a["account"] for a in found], ["100234"])

    def test_meter_list_json(self):
        meters = self.json(["meter", "list", "--state", "installed"])
        self.assertEqual(meters[0]["address"], "202411110002")
        self.assertEqual(meters[0]["unit_id"], 3)
        self.assertEqual(meters[0]["account"], "100234")

    def test_error_json_and_exit_codes(self):
        rc, out, err = run(self.db, ["--json", "account", "show", "999"], "staff", STAFF_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "register.not-found")
        self.assertEqual(len(err.strip().splitlines()), 1)
        # usage errors exit 2
        for args in (["account", "show"], ["account", "show", "1", "--bogus"], ["frobnicate"],
                     ["meter", "add", "202411110009"], ["--db"]):
            rc, out, err = run(self.db, args, "staff", STAFF_PW)
            self.assertEqual(rc, 2, (args, err))
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_permission_denied(self):
        before = dump(self.db)
        rc, out, err = run(self.db, ["--json", "meter", "add", "202411110077", "--model", "X"],
                           "cash", CASH_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "auth.denied")
        # the denial itself is audited, nothing else changed
        after = dump(self.db)
        self.assertNotEqual(before, after)
        self.assertIn(b"permission.denied", after)
        self.assertNotIn(b"202411110077", after)

    def test_wrong_password(self):
        rc, out, err = run(self.db, ["--json", "account", "show", "100234"], "staff", "nope-nope")
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "auth.bad-credentials")
        run(self.db, ["operator", "unlock", "staff"], "admin", ADMIN_PW)

    def test_password_stdin(self):
        rc, out, err = run(self.db, ["--operator", "staff", "--password-stdin", "account", "show",
                                     "100234"], stdin=STAFF_PW.encode() + b"\n")
        self.assertEqual(rc, 0, err)
        rc, out, err = run(self.db, ["--operator", "staff", "account", "show", "100234"],
                           stdin=b"")
        self.assertEqual(rc, 1)

    BAD = [
        # (operator, args)
        ("staff", ["account", "open", "--no", "", "--name", "x", "--category", "RES"]),
        ("staff", ["account", "open", "--no", "A" * 33, "--name", "x", "--category", "RES"]),
        ("staff", ["account", "open", "--no", "1'; DROP TABLE account;--", "--name", "x",
                   "--category", "RES"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "", "--category", "RES"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "名" * 101, "--category", "RES"]),
        ("staff", ["account", "open", "--no", "100300", "--name", b"\xe5\xbc\xa0\xff",
                   "--category", "RES"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "NOPE"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--capacity", "-5"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--capacity", "8.0001"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--capacity", "abc"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--meter", "20241111000A"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--meter", "202411110002"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--phone", "138;rm -rf"]),
        ("staff", ["account", "open", "--no", "100300", "--name", "x", "--category", "RES",
                   "--billing", "sometimes"]),
        ("staff", ["account", "open", "--no", "100234", "--name", "x", "--category", "RES"]),
        ("staff", ["account", "transfer", "100234", "--name", ""]),
        ("staff", ["account", "transfer", "999999", "--name", "李四"]),
        ("staff", ["account", "change", "100234", "--capacity", "0"]),
        ("staff", ["account", "change", "100234", "--capacity", "1.2345"]),
        ("staff", ["account", "change", "100234", "--category", "RES'--"]),
        ("staff", ["account", "change", "100234"]),
        ("staff", ["meter", "add", "20241111000", "--model", "X"]),
        ("staff", ["meter", "add", "2024111100021", "--model", "X"]),
        ("staff", ["meter", "add", "20241111OOO2", "--model", "X"]),
        ("staff", ["meter", "add", "202411110002", "--model", "X"]),
        ("staff", ["meter", "add", "202411110009", "--model", "X", "--unit", "abc",
                   "--bus", "BUS1"]),
        ("staff", ["meter", "add", "202411110009", "--model", "X", "--unit", "0",
                   "--bus", "BUS1"]),
        ("staff", ["meter", "add", "202411110009", "--model", "X", "--unit", "3",
                   "--bus", "BUS1", "--room", "MALL/B3/F2/205"]),
        ("staff", ["meter", "add", "202411110009", "--model", "X", "--room", "MALL/B3/205"]),
        ("staff", ["meter", "add", "202411110009", "--model", "X", "--utility", "gas"]),
        ("staff", ["meter", "add", "202411110009", "--model", "bad model"]),
        ("staff", ["meter", "install", "202411110002", "--room", "MALL/B3/F2/205"]),
        ("staff", ["meter", "remove", "202411110002"]),
        ("staff", ["meter", "list", "--state", "lost"]),
        ("staff", ["room", "add", "MALL", "B3", "F2", "206", "--name", "x", "--area", "-3"]),
        ("staff", ["room", "add", "MALL", "B3", "F2", "206", "--name", "x", "--area", "1.234"]),
        ("staff", ["room", "add", "MALL", "B9", "F2", "206", "--name", "x"]),
        ("staff", ["site", "add", "MALL", "--name", "again"]),
        ("staff", ["bus", "add", "BUS2", "--serial", "/dev/ttyUSB0", "--baud", "1234"]),
        ("staff", ["bus", "add", "BUS2", "--serial", "/dev/ttyUSB0", "--baud", "96OO"]),
        ("staff", ["bus", "add", "BUS2", "--tcp", "10.0.0.1:99999"]),
        ("staff", ["bus", "add", "BUS2", "--tcp", "10.0.0.1"]),
        ("staff", ["bus", "add", "BUS2", "--serial", "/dev/ttyUSB0", "--protocol", "can"]),
        ("staff", ["site", "import", "/nonexistent/sites.csv"]),
        ("fin", ["category", "add", "RES", "--name", "dup"]),
        ("fin", ["category", "add", "R2", "--name", "x", "--tariff", "RES 2026"]),
        ("fin", ["category", "add", "R2", "--name", "x", "--utility", "steam"]),
        ("admin", ["operator", "add", "newbie", "--role", "king"]),
        ("admin", ["operator", "add", "new bie", "--role", "cashier"]),
        ("admin", ["operator", "add", "cash", "--role", "cashier"]),
        ("admin", ["operator", "passwd", "nobody"]),
        ("admin", ["operator", "deactivate", "admin"]),
        ("admin", ["terminal", "add", "T" * 17]),
        ("admin", ["restore", "/nonexistent/backup.db"]),
    ]

    def test_bad_input_changes_nothing(self):
        passwords = {"staff": STAFF_PW, "fin": FIN_PW, "admin": ADMIN_PW}
        for operator, args in self.BAD:
            with self.subTest(args=args):
                before = dump(self.db)
                environ = dict(os.environ, MD_DB=self.db, MD_OPERATOR=operator,
                               MD_PASSWORD=passwords[operator], LANG="C.UTF-8",
                               LC_ALL="C.UTF-8", MD_NEW_PASSWORD="new-secret-1")
                proc = subprocess.run([CLI] + args, capture_output=True, env=environ, timeout=60)
                err = proc.stderr.decode("utf-8", "replace")
                self.assertEqual(proc.returncode, 1, (args, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertTrue(err.startswith("Error: "), err)
                self.assertEqual(dump(self.db), before, args)

    def test_audit_tamper_with_sqlite3_tool(self):
        work = os.path.join(self.dir, "tamper")
        os.makedirs(work, exist_ok=True)
        # A private copy per case, made by the program's own backup.
        rc, out, err = run(self.db, ["backup", "--out", os.path.join(work, "base.db")],
                           "admin", ADMIN_PW)
        self.assertEqual(rc, 0, err)
        drop = "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"
        cases = [
            ("UPDATE audit SET detail = '{}' WHERE seq = 4;", "4"),
            ("DELETE FROM audit WHERE seq = 6;", "6"),
            ("UPDATE audit SET seq = 1000 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = 7;"
             "UPDATE audit SET seq = 7 WHERE seq = 1000;", "5"),
            ("DELETE FROM audit WHERE seq > 8;", "9"),
        ]
        for sql, row in cases:
            with self.subTest(sql=sql):
                copy = os.path.join(work, "copy.db")
                shutil.copy(os.path.join(work, "base.db"), copy)
                rc, out, err = run(copy, ["audit", "verify"], "admin", ADMIN_PW)
                self.assertEqual(rc, 0, err)
                subprocess.run(["sqlite3", copy, drop + sql], check=True, timeout=60)
                rc, out, err = run(copy, ["--json", "audit", "verify"], "admin", ADMIN_PW)
                self.assertEqual(rc, 1, out)
                report = json.loads(out)
                self.assertFalse(report["ok"])
                self.assertEqual(str(report["broken_seq"]), row)
                self.assertEqual(report["error"]["code"], "audit.broken")
                self.assertIn(row, err)
                os.unlink(copy)

    def test_backup_and_restore(self):
        work = os.path.join(self.dir, "backup")
        os.makedirs(work, exist_ok=True)
        db = os.path.join(work, "live.db")
        shutil.copy(self.db, db)
        backup = os.path.join(work, "good.db")
        rc, out, err = run(db, ["backup", "--out", backup], "admin", ADMIN_PW)
        self.assertEqual(rc, 0, err)
        self.assertEqual(os.stat(backup).st_mode & 0o777, 0o600)

        rc, out, err = run(db, ["site", "add", "LATE", "--name", "晚"], "staff", STAFF_PW)
        self.assertEqual(rc, 0, err)

        # refused: truncated, corrupted, newer schema, not ours — the live db unchanged
        with open(backup, "rb") as f:
            data = f.read()
        truncated = os.path.join(work, "truncated.db")
        with open(truncated, "wb") as f:
            f.write(data[:len(data) // 2])
        corrupt = os.path.join(work, "corrupt.db")
        with open(corrupt, "wb") as f:
            f.write(data[:8192] + bytes(b ^ 0x5A for b in data[8192:12288]) + data[12288:])
        newer = os.path.join(work, "newer.db")
        shutil.copy(backup, newer)
        subprocess.run(["sqlite3", newer, "PRAGMA user_version = 999;"], check=True)
        foreign = os.path.join(work, "foreign.db")
        subprocess.run(["sqlite3", foreign, "CREATE TABLE t (x); INSERT INTO t VALUES (1);"],
                       check=True)
        for bad in (truncated, corrupt, newer, foreign):
            with self.subTest(bad=bad):
                before = dump(db)
                rc, out, err = run(db, ["--json", "restore", bad], "admin", ADMIN_PW)
                self.assertEqual(rc, 1, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertEqual(dump(db), before)

        rc, out, err = run(db, ["restore", backup], "admin", ADMIN_PW)
        self.assertEqual(rc, 0, err)
        sites = self.json_on(db, ["site", "list"])
        self.assertNotIn("LATE", [s["site"] for s in sites])
        rc, out, err = run(db, ["--json", "audit", "verify"], "admin", ADMIN_PW)
        self.assertEqual(rc, 0, err)

    def json_on(self, db, args):
        rc, out, err = run(db, ["--json"] + args, "staff", STAFF_PW)
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    def test_tariff_bad_files(self):
        for name in sorted(os.listdir(DATA)):
            if not name.startswith("bad-"):
                continue
            with self.subTest(file=name):
                with open(os.path.join(DATA, name), "rb") as f:
                    expect = f.readline().decode("utf-8", "replace")
                before = dump(self.db)
                rc, out, err = run(self.db, ["tariff", "set", "--file", os.path.join(DATA, name)],
                                   "fin", FIN_PW)
                self.assertEqual(rc, 1, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                if expect.startswith("; expect: line "):
                    line = expect.split("line ")[1].split(":")[0]
                    self.assertIn("line %s:" % line, err)
                self.assertEqual(dump(self.db), before)

    def test_quote_and_bill(self):
        quote = self.json(["quote", "--account", "100234", "--amount", "200"])
        self.assertEqual(quote["amount"], "200.00")
        self.assertEqual(quote["energy"], "340.144")
        self.assertEqual(quote["tariff"], "RES-2026")
        quote = self.json(["quote", "--account", "100234", "--energy", "80"])
        self.assertEqual(quote["amount"], "47.04")

        csv = os.path.join(self.dir, "readings.csv")
        with open(csv, "w") as f:
            f.write("# start-use=2800.000\n"
                    "timestamp,kwh\n"
                    "2026-03-01T00:00:00+08:00,1000.000\n"
                    "2026-03-01T12:00:00+08:00,1010.000\n"
                    "2026-03-02T00:00:00+08:00,1100.000\n")
        bill = self.json(["tariff", "bill", "--tariff", "RES-2026", "--readings", csv],
                         "fin", FIN_PW)
        self.assertEqual(bill["energy"], "100.000")
        total = sum(int(round(float(x["amount"]) * 100)) for x in bill["lines"])
        self.assertEqual(total, int(round(float(bill["total"]) * 100)))

    PRICING_BAD = [
        ("staff", ["quote", "--account", "100234", "--amount", "1.005"]),
        ("staff", ["quote", "--account", "100234", "--amount", "-5"]),
        ("staff", ["quote", "--account", "100234", "--amount", "0"]),
        ("staff", ["quote", "--account", "100234", "--energy", "1.0001"]),
        ("staff", ["quote", "--account", "nobody", "--amount", "10"]),
        ("fin", ["fee", "set", "card-replacement", "-1"]),
        ("fin", ["fee", "set", "card-replacement", "1.234"]),
        ("fin", ["fee", "set", "card-replacement", "abc"]),
        ("fin", ["fee", "set", "card-replacement", "5", "--basis", "per-day"]),
        ("fin", ["fee", "set", "card-replacement", "5", "--from", "yesterday"]),
        ("fin", ["fee", "set", "rent", "5"]),
        ("fin", ["fee", "set", "bad kind", "5"]),
        ("fin", ["tariff", "set", "--file", "/nonexistent.ini"]),
        ("fin", ["tariff", "show", "NOPE"]),
        ("fin", ["tariff", "bill", "--tariff", "RES-2026", "--readings", "/nonexistent.csv"]),
        ("fin", ["tariff", "bill", "--tariff", "RES-2026", "--readings", "/etc/hostname"]),
        ("fin", ["tariff", "override", "--account", "nobody", "--tariff", "RES-2026"]),
        ("fin", ["tariff", "override", "--account", "100234", "--tariff", "NOPE"]),
    ]

    def test_pricing_bad_input(self):
        passwords = {"staff": STAFF_PW, "fin": FIN_PW}
        for operator, args in self.PRICING_BAD:
            with self.subTest(args=args):
                before = dump(self.db)
                rc, out, err = run(self.db, args, operator, passwords[operator])
                self.assertEqual(rc, 1, (args, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertEqual(dump(self.db), before)

    def cash(self, args):
        rc, out, err = run(self.db, ["--json"] + args, "cash", CASH_PW)
        return rc, (json.loads(out) if out.strip() else None), err

    def test_sell_reverse_flow(self):
        rc, sale, err = self.cash(["sell", "--account", "100300", "--amount", "120", "--pay", "cash",
                                   "--key", "cli-flow-1"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(sale["state"], "committed")
        self.assertEqual(sale["amount"], "120.00")
        self.assertTrue(sale["receipt"].startswith("T01-"))
        # the same key: the same sale, not another
        rc, again, err = self.cash(["sell", "--account", "100300", "--amount", "120", "--pay",
                                    "cash", "--key", "cli-flow-1"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(again["replayed"])
        self.assertEqual(again["sale"], sale["sale"])
        shown = self.json(["sale", "show", str(sale["sale"])], "cash", CASH_PW)
        self.assertEqual(sum(int(round(float(l["delta"]) * 100)) for l in shown["ledger"]), 0)

        # a cashier needs a supervisor for a reversal
        rc, out, err = self.cash(["reverse", str(sale["sale"]), "--reason", "wrong"])
        self.assertEqual(rc, 1)
        self.assertEqual(out["error"]["code"], "auth.denied")
        rc, out, err = run(self.db, ["--json", "reverse", str(sale["sale"]), "--reason", "wrong",
                                     "--approver", "cash"], "cash", CASH_PW,
                           env={"MD_APPROVER_PASSWORD": CASH_PW})
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "auth.approval")
        rc, out, err = run(self.db, ["--json", "reverse", str(sale["sale"]), "--reason", "wrong",
                                     "--approver", "boss"], "cash", CASH_PW,
                           env={"MD_APPROVER_PASSWORD": BOSS_PW})
        self.assertEqual(rc, 0, err)
        reversal = json.loads(out)
        self.assertEqual(reversal["kind"], "reversal")
        self.assertEqual(reversal["amount"], "-120.00")
        reversed_list = self.json(["sale", "list", "--state", "reversed"], "cash", CASH_PW)
        self.assertIn(sale["sale"], [s["sale"] for s in reversed_list])

        report = self.json(["shift", "report", "--x"], "cash", CASH_PW)
        self.assertEqual(report["report"], "X")
        rc, out, err = run(self.db, ["--json", "audit", "verify"], "admin", ADMIN_PW)
        self.assertEqual(rc, 0, err)
        self.assertTrue(json.loads(out)["ok"])

    SALE_BAD = [
        ("cash", ["sell", "--account", "100300", "--amount", "1.005", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "-5", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "0", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "abc", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "99999999999999999", "--pay", "cash"],
         1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "gold"], 1),
        ("cash", ["sell", "--account", "100300", "--energy", "1.0001", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "nobody", "--amount", "10", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100234", "--amount", "10", "--pay", "cash"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "cash", "--key",
                  "bad key"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "cash", "--medium",
                  "card"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "cash", "--fee",
                  "nonexistent-fee"], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "cash",
                  "--pay-ref", "x" * 65], 1),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--energy", "5", "--pay",
                  "cash"], 2),
        ("cash", ["sell", "--account", "100300", "--amount", "10", "--pay", "cash", "--medium",
                  "pigeon"], 2),
        ("cash", ["sale", "show", "abc"], 1),
        ("cash", ["sale", "show", "999999"], 1),
        ("cash", ["sale", "list", "--state", "lost"], 1),
        ("cash", ["sale", "list", "--date", "2026-13-45"], 1),
        ("boss", ["reverse", "999999", "--reason", "x"], 1),
        ("boss", ["reverse", "1", "--reason", ""], 1),
        ("boss", ["refund", "--account", "100300", "--amount", "100000", "--reason", "x"], 1),
        ("boss", ["refund", "--account", "100234", "--amount", "1", "--reason", "x"], 1),
        ("cash", ["shift", "open", "--float", "10"], 1),
        ("cash", ["shift", "open", "--float", "-10"], 1),
        ("cash", ["shift", "cash", "--out", "99999", "--reason", "x"], 1),
        ("cash", ["shift", "cash", "--out", "0.001", "--reason", "x"], 1),
        ("cash", ["shift", "close", "--counted", "-1"], 1),
        ("staff", ["grant", "--account", "100300", "--energy", "10", "--period", "2026-13"], 1),
        ("staff", ["grant", "--account", "100300", "--energy", "-10", "--period", "2026-11"], 1),
    ]

    def test_sale_bad_input(self):
        passwords = {"staff": STAFF_PW, "cash": CASH_PW, "boss": BOSS_PW}
        for operator, args, status in self.SALE_BAD:
            with self.subTest(args=args):
                before = dump(self.db)
                rc, out, err = run(self.db, args, operator, passwords[operator])
                self.assertEqual(rc, status, (args, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertEqual(dump(self.db), before)

    def test_messages_in_chinese(self):
        before = dump(self.db)
        rc, out, err = run(self.db, ["sell", "--account", "100300", "--amount", "1.005", "--pay",
                                     "cash"], "cash", CASH_PW, lang="zh_CN.UTF-8",
                           env={"LANGUAGE": "zh_CN"})
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith("错误："), err)
        self.assertIn("小数", err)
        self.assertEqual(dump(self.db), before)
        rc, out, err = run(self.db, ["account", "show", "100234"], "cash", CASH_PW,
                           lang="zh_CN.UTF-8", env={"LANGUAGE": "zh_CN"})
        self.assertEqual(rc, 0, err)
        self.assertIn("户号：", out)

    def test_init_refuses_existing(self):
        before = dump(self.db)
        rc, out, err = run(self.db, ["init", "--admin", "other"], stdin=b"other-secret\n")
        self.assertEqual(rc, 1)
        self.assertEqual(dump(self.db), before)

    def test_not_initialized(self):
        missing = os.path.join(self.dir, "missing.db")
        rc, out, err = run(missing, ["--json", "account", "list"], "staff", STAFF_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "store.not-initialized")
        self.assertFalse(os.path.exists(missing))

    def test_site_import(self):
        csv = os.path.join(self.dir, "meters.csv")
        with open(csv, "w", encoding="utf-8") as f:
            f.write("address,model,bus,unit,room\n"
                    "202411110101,ADF400L,BUS1,4,MALL/B3/F2/205\n"
                    "202411110102,ADF400L,,,\n")
        out = self.json(["site", "import", csv])
        self.assertEqual(out["meter"], 2)
        bad = os.path.join(self.dir, "rooms.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("site,building,floor,code,name\nMALL,B3,F2,207,x\nMALL,B3,F7,208,y\n")
        before = dump(self.db)
        rc, out, err = run(self.db, ["site", "import", bad], "staff", STAFF_PW)
        self.assertEqual(rc, 1)
        self.assertIn("rooms.csv:3", err)
        self.assertEqual(dump(self.db), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
