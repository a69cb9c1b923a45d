#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cards through the whole system: meterdesk-cli on a real SQLite file and
a private pcscd (build-aux/pcscd-test.sh) with vpcd and the card emulator,
the simulated meter reading the cards in between. One card profile per run
(MD_CARD_PROFILE: cpu or sle4442).

  - the card's life: init, account open, issue, sell, the meter loads it,
    sell again, card read with the write-back, lost, replace refused before
    the waiting period and allowed after, the meter takes the new card and
    refuses the old one, the old card refused at the counter;
  - reversal of a card sale, with the card present;
  - T09 at the counter: tampered cards refused in card read and sell with
    their own message, an audit event and an alert, no credit;
  - the CLI killed between PENDING and the write, and between the write and
    POSTED (the emulator holds the card still at a chosen APDU), then
    sale recover;
  - doctor, and bad input changing nothing."""

import configparser
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

CLI = os.environ.get("MD_CLI", "meterdesk-cli")
SIM = os.environ.get("MD_SIM", "meterdesk-sim")
PROFILE = os.environ.get("MD_CARD_PROFILE", "cpu")
DATA = os.path.join(os.environ.get("MD_SOURCE_ROOT", "."), "tests", "data", "tariffs")
PORT = os.environ["MD_VPCD_PORT"]
ADMIN_PW = "admin-secret"
STAFF_PW = "staff-secret"
FIN_PW = "finance-secret"
CASH_PW = "cashier-secret"
BOSS_PW = "supervisor-secret"
PASSWORDS = {"admin": ADMIN_PW, "staff": STAFF_PW, "fin": FIN_PW, "cash": CASH_PW,
             "boss": BOSS_PW}
ACCOUNT = "100234"
METER = "202411110002"


class Site:
    """A database, its card key and its cards, at one sales window."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="md-cards-")
        self.db = os.path.join(self.dir, "meterdesk.db")
        self.key = os.path.join(self.dir, "keys", "card-master.key")
        self.reader = None

    def run(self, args, operator=None, terminal="T01", stdin=None, env=None, lang="C.UTF-8"):
        environ = dict(os.environ)
        for name in ("MD_PASSWORD", "MD_OPERATOR", "MD_APPROVER_PASSWORD"):
            environ.pop(name, None)
        environ.update({"MD_DB": self.db, "MD_CARD_KEY": self.key, "MD_TERMINAL": terminal,
                        "LANG": lang, "LC_ALL": lang, "LANGUAGE": ""})
        if operator:
            environ["MD_OPERATOR"] = operator
            environ["MD_PASSWORD"] = PASSWORDS[operator]
        if env:
            environ.update(env)
        proc = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=environ,
                              timeout=60)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
            proc.stderr.decode("utf-8", "replace")

    def ok(self, args, operator="cash", **kw):
        rc, out, err = self.run(["--json"] + args, operator, **kw)
        assert rc == 0, (args, rc, out, err)
        return json.loads(out)

    def fails(self, args, operator="cash", **kw):
        rc, out, err = self.run(["--json"] + args, operator, **kw)
        assert rc == 1, (args, rc, out, err)
        assert len(err.strip().splitlines()) == 1, err
        return json.loads(out)["error"], err.strip()

    def sql(self, query):
        out = subprocess.run(["sqlite3", self.db, query], capture_output=True, check=True,
                             timeout=60)
        return out.stdout.decode().strip()

    def dump(self):
        return subprocess.run(["sqlite3", self.db, ".dump"], capture_output=True, check=True,
                              timeout=60).stdout

    def card_present(self):
        report = self.ok(["doctor"])
        for reader in report["readers"]:
            if reader["reader"].endswith(" 00"):
                self.reader = reader["reader"]
                return reader["card_present"]
        return False

    def wait_card(self, present):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.card_present() == present:
                return
            time.sleep(0.1)
        raise AssertionError("the card did not %s" % ("come" if present else "go"))

    def set_up(self):
        rc, out, err = self.run(["--json", "init", "--admin", "admin"],
                                stdin=ADMIN_PW.encode() + b"\n")
        assert rc == 0, err
        init = json.loads(out)
        assert init["card_key"] == self.key and init["card_key_state"] == "created", init
        assert os.stat(self.key).st_mode & 0o777 == 0o600
        assert os.stat(os.path.dirname(self.key)).st_mode & 0o777 == 0o700
        for name, roles in (("staff", "metering,utilization"), ("fin", "finance"),
                            ("cash", "cashier"), ("boss", "supervisor")):
            self.ok(["operator", "add", name, "--role", roles], "admin",
                    env={"MD_NEW_PASSWORD": PASSWORDS[name]})
        self.ok(["terminal", "add", "T02"], "admin")
        for args in (["site", "add", "MALL", "--name", "购物中心"],
                     ["building", "add", "MALL", "B3", "--name", "3号楼"],
                     ["floor", "add", "MALL", "B3", "F2", "--name", "2层"],
                     ["room", "add", "MALL", "B3", "F2", "205", "--name", "205室"],
                     ["meter", "add", METER, "--model", "ADF400L", "--room", "MALL/B3/F2/205"]):
            self.ok(args, "staff")
        self.ok(["tariff", "set", "--file", os.path.join(DATA, "res-2026.ini")], "fin")
        self.ok(["category", "add", "RES", "--name", "居民生活", "--tariff", "RES-2026"], "fin")
        self.ok(["fee", "set", "card-replacement", "20"], "fin")
        self.ok(["account", "open", "--no", ACCOUNT, "--name", "张三", "--category", "RES",
                 "--meter", METER, "--vend", "money", "--capacity", "8"], "staff")
        self.ok(["account", "open", "--no", "100300", "--name", "李四", "--category", "RES",
                 "--vend", "money"], "staff")
        self.ok(["shift", "open", "--float", "500"], "cash")
        self.ok(["shift", "open", "--float", "0"], "boss", terminal="T02")

    def tear_down(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Card:
    """An emulated card: a state file; in the reader while its emulator runs."""

    def __init__(self, site, name, uid=None):
        self.site = site
        self.state = os.path.join(site.dir, name + ".card")
        self.uid = uid
        self.proc = None

    def insert(self, tear_at=0, pause_at=0, log=None):
        args = [SIM, "card", "--type", PROFILE, "--state", self.state, "--port", PORT]
        if self.uid:
            args += ["--uid", self.uid]
        if tear_at:
            args += ["--tear-at", str(tear_at)]
        if pause_at:
            args += ["--pause-at", str(pause_at)]
        if log:
            args += ["--log", log]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.site.wait_card(True)

    def remove(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc.stdout.close()
            self.proc.stdin.close()
            self.proc = None
        self.site.wait_card(False)

    def meter_reads(self):
        """The customer puts the card into the account's meter."""
        out = subprocess.run([SIM, "card-meter", "--state", self.state, "--meter-state",
                              os.path.join(self.site.dir, "meter.state"), "--key", self.site.key,
                              "--meter-id", METER], capture_output=True, check=True, timeout=60)
        return json.loads(out.stdout)

    def image(self):
        kf = configparser.ConfigParser()
        kf.optionxform = str
        kf.read(self.state)
        return kf

    def save_image(self, kf):
        with open(self.state, "w") as f:
            kf.write(f, space_around_delimiters=False)


def flip(kf, area_offset, byte):
    """Flips one bit of a card's data area in its state file."""
    if PROFILE == "sle4442":
        mem = bytearray.fromhex(kf["sle4442"]["memory"])
        mem[area_offset + byte] ^= 0x01
        kf["sle4442"]["memory"] = mem.hex().upper()
    else:
        key = "ef-%04X" % area_offset
        data = bytearray.fromhex(kf["cpu"][key])
        data[byte] ^= 0x01
        kf["cpu"][key] = data.hex().upper()


# Where the issue record lives: SLE4442 address 0x14, CPU EF 0001.
ISSUE_AREA = 0x14 if PROFILE == "sle4442" else 0x0001
# The first APDU of every card session, and a purchase write.
OPENING = "> 00 A4 08 0C 02 2F 02" if PROFILE == "cpu" else "> FF A4 00 00 01 06"
WRITES = ("> 00 D6 00 00 26", "> 00 D6 00 26 26") if PROFILE == "cpu" else \
    ("> FF D0 00 5C 26", "> FF D0 00 82 26")


def apdus(log):
    with open(log) as f:
        return [line.strip() for line in f if line.startswith("> ")]


class CardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = Site()
        cls.site.set_up()

    @classmethod
    def tearDownClass(cls):
        cls.site.tear_down()

    def sell(self, amount, operator="cash", key=None):
        args = ["sell", "--account", ACCOUNT, "--amount", amount, "--pay", "cash", "--medium",
                "card", "--reader", self.site.reader]
        if key:
            args += ["--key", key]
        return self.site.ok(args, operator)

    def read(self):
        return self.site.ok(["card", "read", "--reader", self.site.reader])

    def books_count(self, uid):
        return int(self.site.sql("SELECT purchase_count FROM card WHERE uid = '%s'" % uid))

    def test_1_lifecycle(self):
        s = self.site
        card = Card(s, "first", "0102030405060708")
        second = Card(s, "second", "0102030405060709")

        # No card in the reader: a clear refusal, nothing else.
        s.card_present()
        error, message = s.fails(["card", "read", "--reader", s.reader])
        self.assertEqual(error["code"], "card.no-card")

        card.insert()
        blank = self.read()
        self.assertEqual(blank["kind"], "blank")
        self.assertEqual(blank["profile"], PROFILE)
        error, message = s.fails(["card", "issue", "--account", ACCOUNT, "--profile",
                                  "sle4442" if PROFILE == "cpu" else "cpu", "--reader", s.reader])
        self.assertEqual(error["code"], "card.wrong-kind")
        issued = s.ok(["card", "issue", "--account", ACCOUNT, "--profile", PROFILE, "--reader",
                       s.reader])
        self.assertEqual(issued["status"], "issued")
        self.assertEqual(issued["account"], ACCOUNT)
        self.assertEqual(issued["unit"], "yuan")
        uid = issued["uid"]

        sale = self.sell("100")
        self.assertEqual(sale["state"], "committed")
        self.assertEqual(sale["purchase_count"], 1)
        self.assertEqual(self.books_count(uid), 1)
        card.remove()
        loaded = card.meter_reads()
        self.assertEqual(loaded["result"], "loaded")
        self.assertEqual(loaded["remaining"], 10000)

        card.insert()
        sale = self.sell("50")
        self.assertEqual(sale["purchase_count"], 2)
        shown = self.read()
        self.assertEqual(shown["meter"], METER)
        self.assertEqual(shown["load_count"], 1)
        self.assertEqual(shown["remaining"], "100.00")
        self.assertEqual(shown["purchase_count"], 2)
        self.assertEqual(shown["credit"], "50.00")
        self.assertEqual(shown["meter_account"], ACCOUNT)
        self.assertEqual(shown["problems"], [])
        self.assertTrue(shown["sellable"])
        # The table output names the fields.
        rc, out, err = s.run(["card", "read", "--reader", s.reader], "cash")
        self.assertEqual(rc, 0, err)
        self.assertIn("Purchase count:", out)
        card.remove()
        self.assertEqual(card.meter_reads()["remaining"], 15000)

        # Lost; a replacement only after the waiting period.
        lost = s.ok(["card", "lost", "--account", ACCOUNT])
        self.assertEqual(lost["uid"], uid)
        second.insert()
        error, message = s.fails(["card", "replace", "--account", ACCOUNT, "--reader", s.reader],
                                 "boss", terminal="T02")
        self.assertEqual(error["code"], "card-register.wait")
        self.assertIn("from", message)
        self.assertEqual(self.read()["kind"], "blank")
        s.ok(["setting", "set", "card.lost-wait-hours", "0"], "admin")
        replaced = s.ok(["card", "replace", "--account", ACCOUNT, "--reader", s.reader], "boss",
                        terminal="T02")
        self.assertEqual(replaced["status"], "replaced")
        self.assertEqual(replaced["replaces"], uid)
        self.assertEqual(replaced["generation"], 1)
        self.assertEqual(replaced["purchase_count"], 2)
        self.assertEqual(replaced["kind"], "replacement")
        self.assertEqual(replaced["fee"]["amount"], "20.00")
        self.assertEqual(replaced["fee"]["state"], "committed")
        new_uid = replaced["uid"]
        second.remove()

        # The meter takes the new card and refuses the old one.
        taken = second.meter_reads()
        self.assertEqual(taken["result"], "nothing-new")
        self.assertEqual(taken["generation"], 1)
        self.assertEqual(card.meter_reads()["result"], "refused-generation")

        # The old card at the counter: refused, with its reason, and alerted.
        card.insert()
        shown = self.read()
        self.assertTrue(shown["blocked"])
        self.assertIn("replaced", shown["problems"][0])
        before = s.sql("SELECT count(*) FROM sale")
        error, message = s.fails(["sell", "--account", ACCOUNT, "--amount", "10", "--pay", "cash",
                                  "--medium", "card", "--reader", s.reader])
        self.assertEqual(error["code"], "card-register.mismatch")
        self.assertIn("replaced", message)
        self.assertEqual(s.sql("SELECT count(*) FROM sale"), before)
        alerts = s.ok(["alert", "list"])
        self.assertIn("card:" + uid, [a["object"] for a in alerts])
        card.remove()

        # The new card sells on; the meter loads it.
        second.insert()
        sale = self.sell("30")
        self.assertEqual(sale["purchase_count"], 3)
        self.assertEqual(self.books_count(new_uid), 3)
        second.remove()
        loaded = second.meter_reads()
        self.assertEqual(loaded["result"], "loaded")
        self.assertEqual(loaded["remaining"], 18000)

        # Reversal of a card sale: the card must be present.
        sale = self.sell_with(second, "12")
        error, message = s.fails(["reverse", str(sale["sale"]), "--reason", "wrong amount",
                                  "--reader", s.reader], "boss", terminal="T02")
        self.assertEqual(error["code"], "card.no-card")
        second.insert()
        reversal = s.ok(["reverse", str(sale["sale"]), "--reason", "wrong amount", "--reader",
                         s.reader], "boss", terminal="T02")
        self.assertEqual(reversal["kind"], "reversal")
        self.assertEqual(reversal["amount"], "-12.00")
        shown = self.read()
        self.assertEqual(shown["purchase_count"], 4)
        self.assertTrue(shown["reversed"])
        self.assertEqual(shown["credit"], "0.00")
        self.assertEqual(self.books_count(new_uid), 4)
        self.assertEqual(shown["problems"], [])
        # Sold again at once: the meter goes past the reversed purchase.
        sale = self.sell("8")
        self.assertEqual(sale["purchase_count"], 5)
        second.remove()
        loaded = second.meter_reads()
        self.assertEqual(loaded["result"], "loaded")
        self.assertEqual(loaded["load_count"], 5)
        self.assertEqual(loaded["remaining"], 18800)

        audit = s.ok(["audit", "verify"], "admin")
        self.assertTrue(audit["ok"], audit)

    def sell_with(self, card, amount):
        card.insert()
        sale = self.sell(amount)
        card.remove()
        return sale

    def test_2_tamper(self):
        s = self.site
        s.ok(["account", "open", "--no", "100400", "--name", "王五", "--category", "RES",
              "--vend", "money"], "staff")
        card = Card(s, "t09", "0A0B0C0D0E0F0001")
        card.insert()
        s.ok(["card", "issue", "--account", "100400", "--reader", s.reader])
        for amount in ("10", "20"):
            s.ok(["sell", "--account", "100400", "--amount", amount, "--pay", "cash", "--medium",
                  "card", "--reader", s.reader])
        card.remove()
        good = card.image()

        def refused(kf, code, reason):
            card.save_image(kf)
            card.insert()
            sales = s.sql("SELECT count(*) FROM sale")
            ledger = s.sql("SELECT count(*) FROM ledger")
            events = int(s.sql("SELECT count(*) FROM audit WHERE action = 'card.tamper' "
                               "AND detail LIKE '%\"" + reason + "\"%'"))
            error, message = s.fails(["card", "read", "--reader", s.reader])
            self.assertEqual(error["code"], code)
            error2, message2 = s.fails(["sell", "--account", "100400", "--amount", "10", "--pay",
                                        "cash", "--medium", "card", "--reader", s.reader])
            self.assertEqual(error2["code"], code)
            self.assertEqual(message, message2)
            self.assertEqual(s.sql("SELECT count(*) FROM sale"), sales)
            self.assertEqual(s.sql("SELECT count(*) FROM ledger"), ledger)
            self.assertEqual(int(s.sql("SELECT count(*) FROM audit WHERE action = 'card.tamper' "
                                       "AND detail LIKE '%\"" + reason + "\"%'")), events + 2)
            alerts = [a for a in s.ok(["alert", "list"]) if a["kind"] == "card.tamper"]
            self.assertTrue(alerts)
            self.assertEqual(alerts[-1]["message"], message.split(": ", 1)[1])
            card.remove()
            return message

        # A bit flipped in the issue record.
        kf = card.image()
        flip(kf, ISSUE_AREA, 20)
        self.assertIn("MAC", refused(kf, "card.bad-mac", "bad-mac"))

        # An older image: after the first sale, where two were sold.
        card.save_image(good)
        card.insert()
        older = card.image()
        s.ok(["sell", "--account", "100400", "--amount", "5", "--pay", "cash", "--medium",
              "card", "--reader", s.reader])
        card.remove()
        newest = card.image()
        self.assertIn("older copy", refused(older, "card.rollback", "rollback"))

        # The data copied onto another card.
        clone = card.image()
        clone["card"]["uid"] = "0A0B0C0D0E0F0002"
        if PROFILE == "sle4442":
            mem = bytearray.fromhex(clone["sle4442"]["memory"])
            mem[8:16] = bytes.fromhex("0A0B0C0D0E0F0002")
            clone["sle4442"]["memory"] = mem.hex().upper()
        else:
            clone["cpu"]["ef-2F02"] = "5A08" + "0A0B0C0D0E0F0002"
        self.assertIn("copy", refused(clone, "card.foreign", "foreign"))

        # The real card still sells.
        card.save_image(newest)
        card.insert()
        sale = s.ok(["sell", "--account", "100400", "--amount", "1", "--pay", "cash", "--medium",
                     "card", "--reader", s.reader])
        self.assertEqual(sale["purchase_count"], 4)
        card.remove()

    def write_points(self, card):
        """The APDU numbers of a clean sale's purchase write and read-back."""
        log = os.path.join(self.site.dir, "clean.log")
        card.insert(log=log)
        self.sell("1")
        card.remove()
        lines = apdus(log)
        os.unlink(log)
        # Four sessions: doctor's look while waiting for the card, then the
        # sale's query, prepare and delivery (the write sequence).
        sessions = [i + 1 for i, line in enumerate(lines) if line == OPENING]
        self.assertEqual(len(sessions), 4, lines)
        write = [i + 1 for i, line in enumerate(lines) if line.startswith(WRITES)]
        self.assertEqual(len(write), 1, lines)
        self.assertGreater(write[0], sessions[3])
        return write[0]

    def killed(self, card, pause_at):
        """Sells with the card held still at APDU pause_at and kills the CLI
        there. The card then carries that APDU out for nobody, and stays in
        the reader until pcscd has cleaned up after the dead program (it
        resets the card; pcscd 1.9.9 loses track of a vpcd reader whose card
        goes away during that reset)."""
        s = self.site
        card.insert(pause_at=pause_at)
        environ = dict(os.environ)
        environ.update({"MD_DB": s.db, "MD_CARD_KEY": s.key, "MD_OPERATOR": "cash",
                        "MD_PASSWORD": CASH_PW, "LC_ALL": "C.UTF-8"})
        seller = subprocess.Popen([CLI, "--json", "sell", "--account", ACCOUNT, "--amount", "7",
                                   "--pay", "cash", "--medium", "card", "--reader", s.reader],
                                  env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([card.proc.stdout], [], [], 30)
        self.assertTrue(ready, "the card did not pause at APDU %d" % pause_at)
        self.assertEqual(card.proc.stdout.readline().strip(), b"paused")
        # PENDING was committed before the card was touched.
        self.assertEqual(s.sql("SELECT state FROM sale ORDER BY id DESC LIMIT 1"), "pending")
        seller.kill()
        seller.communicate(timeout=30)
        card.proc.stdin.write(b"go\n")
        card.proc.stdin.flush()
        s.wait_card(True)
        card.remove()
        return int(s.sql("SELECT id FROM sale ORDER BY id DESC LIMIT 1"))

    def recover(self, card, sale):
        s = self.site
        log = os.path.join(s.dir, "recover.log")
        if os.path.exists(log):
            os.unlink(log)
        card.insert(log=log)
        summary = s.ok(["sale", "recover", "--reader", s.reader])
        mine = [x for x in summary if x["sale"] == sale]
        self.assertEqual(mine[0]["state"], "posted", summary)
        writes = len([a for a in apdus(log) if a.startswith(WRITES)])
        shown = self.read()
        card.remove()
        return writes, shown

    def test_3_killed(self):
        s = self.site
        card = Card(s, "second")   # the account's card since the replacement
        count = self.books_count(s.sql("SELECT uid FROM card WHERE status = 'active' AND "
                                       "account_id = (SELECT id FROM account WHERE no = '%s')"
                                       % ACCOUNT))
        write = self.write_points(card)
        count += 1

        # Killed between PENDING and the write (held at the APDU before
        # it): the card never got it; sale recover writes the same purchase
        # and posts it.
        sale = self.killed(card, write - 1)
        writes, shown = self.recover(card, sale)
        count += 1
        self.assertEqual(writes, 1)
        self.assertEqual(shown["purchase_count"], count)
        self.assertEqual(shown["books_purchase_count"], count)

        # Killed between the write and POSTED: the card has it; sale
        # recover posts it without writing again.
        sale = self.killed(card, write + 1)
        writes, shown = self.recover(card, sale)
        count += 1
        self.assertEqual(writes, 0)
        self.assertEqual(shown["purchase_count"], count)
        self.assertEqual(shown["books_purchase_count"], count)

        self.assertEqual(s.sql("SELECT count(*) FROM sale WHERE state <> 'posted'"), "0")
        audit = s.ok(["audit", "verify"], "admin")
        self.assertTrue(audit["ok"], audit)

    def test_4_doctor_and_bad_input(self):
        s = self.site
        card = Card(s, "second")
        card.insert()
        report = s.ok(["doctor"])
        self.assertEqual(report["pcscd"], "running")
        self.assertEqual(report["card_key"], s.key)
        self.assertEqual(report["card_key_state"], "present")
        mine = [r for r in report["readers"] if r["reader"] == s.reader][0]
        self.assertTrue(mine["card_present"])
        self.assertEqual(mine["profile"], PROFILE)
        self.assertTrue(mine["readable"])
        self.assertEqual(mine["kind"], "replacement")
        if PROFILE == "sle4442":
            self.assertEqual(mine["atr"], "3B 04 A2 13 10 91")
            self.assertEqual(mine["psc_tries"], 3)
        ports = [p["port"] for p in report["serial_ports"]]
        for name in sorted(os.listdir("/dev")):
            if name.startswith(("ttyUSB", "ttyACM", "ttyS")):
                self.assertIn("/dev/" + name, ports)

        # Doctor only reads: the card and the books are as they were.
        with open(card.state, "rb") as f:
            before = f.read()
        dump = s.dump()
        s.ok(["doctor"])
        self.assertEqual(s.dump(), dump)
        card.remove()
        with open(card.state, "rb") as f:
            self.assertEqual(f.read(), before)
        card.insert()

        bad = [
            ["card", "issue"],
            ["card", "issue", "--account", "nobody"],
            ["card", "issue", "--account", "1'; DROP TABLE card;--"],
            ["card", "issue", "--account", ACCOUNT, "--profile", "mifare"],
            ["card", "lost", "--account", "100300"],
            ["card", "read", "--reader", "No Such Reader"],
            ["card", "setting", "--account", ACCOUNT, "--alarm1", "-5"],
            ["card", "setting", "--account", ACCOUNT, "--alarm1", "1.234"],
            ["card", "replace", "--account", ACCOUNT, "--pay", "gold"],
            ["sell", "--account", ACCOUNT, "--amount", "1.005", "--pay", "cash", "--medium",
             "card"],
            ["sell", "--account", "100300", "--amount", "5", "--pay", "cash", "--medium", "card",
             "--reader", s.reader],
            ["setting", "set", "card.lost-wait-hours", "-1"],
            ["setting", "set", "no.such.setting", "1"],
        ]
        for args in bad:
            with self.subTest(args=args):
                dump = s.dump()
                rc, out, err = s.run(args, "cash" if args[0] != "setting" else "admin")
                self.assertIn(rc, (1, 2), (args, out, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertEqual(s.dump(), dump, args)
        # Another site's key file missing: a clear message.
        rc, out, err = s.run(["card", "read", "--reader", s.reader, "--card-key",
                              os.path.join(s.dir, "missing.key")], "cash")
        self.assertEqual(rc, 1)
        self.assertIn("no card master key", err)
        # In Chinese too.
        rc, out, err = s.run(["card", "read", "--reader", s.reader], "cash",
                             lang="zh_CN.UTF-8", env={"LANGUAGE": "zh_CN"})
        self.assertEqual(rc, 0, err)
        self.assertIn("购电次数", out)
        card.remove()


if __name__ == "__main__":
    unittest.main(verbosity=2)
