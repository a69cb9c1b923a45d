#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""meterdesk-cli receipts and reports end to end: receipts read back with
pdftotext (copies, number, amounts, names, every word inside its page) and
zbarimg (the QR code), reprints on the audit chain, CSV and XLSX of one
report giving the same rows, totals against the ledger, and bad input
refused with one line, exit status 1 and the database unchanged."""

import csv
import datetime
import io
import json
import math
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import unittest

import openpyxl

CLI = os.environ.get("MD_CLI", "meterdesk-cli")
ICON = os.path.join(os.environ.get("MD_SOURCE_ROOT", "."), "data", "icons", "hicolor",
                    "scalable", "apps", "org.meterdesk.Meterdesk.svg")
ADMIN_PW = "admin-secret"
STAFF_PW = "staff-secret"
CASH_PW = "cashier-secret"
TEMPLATES = ["a4-3part", "a5-3part", "dotmatrix-241", "thermal-80", "thermal-58"]
TARIFF = """[tariff]
id=FLAT-2020
name=一般电价
unit=kWh
valid-from=2020-01-01T00:00:00+08:00
timezone=Asia/Shanghai
[rates]
flat=0.5000
"""


def run(db, args, operator=None, password=None, stdin=None, env=None, lang="C.UTF-8"):
    environ = dict(os.environ)
    environ.pop("MD_PASSWORD", None)
    environ.pop("MD_OPERATOR", None)
    environ.update({"MD_DB": db, "LANG": lang, "LC_ALL": lang, "LANGUAGE": ""})
    if operator:
        environ["MD_OPERATOR"] = operator
        environ["MD_PASSWORD"] = password
    if env:
        environ.update(env)
    proc = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=environ,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")


def dump(db):
    out = subprocess.run(["sqlite3", db, ".dump"], capture_output=True, check=True, timeout=60)
    return out.stdout


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")


def pdf_words_outside(path):
    """Words whose box leaves their page, from pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, check=True,
                          timeout=60).stdout.decode("utf-8")
    outside, width, height, words = [], 0.0, 0.0, 0
    for line in html.splitlines():
        line = line.strip()
        if line.startswith("<page "):
            width = float(line.split('width="')[1].split('"')[0])
            height = float(line.split('height="')[1].split('"')[0])
        elif line.startswith("<word "):
            words += 1
            box = [float(line.split(k + '="')[1].split('"')[0])
                   for k in ("xMin", "yMin", "xMax", "yMax")]
            if box[0] < -0.5 or box[1] < -0.5 or box[2] > width + 0.5 or box[3] > height + 0.5:
                outside.append((line, width, height))
    return words, outside


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", head
    return struct.unpack(">II", head[16:24])


class ReportCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="md-cli-report-")
        cls.db = os.path.join(cls.dir, "meterdesk.db")
        rc, out, err = run(cls.db, ["init", "--admin", "admin"], stdin=ADMIN_PW.encode() + b"\n")
        assert rc == 0, err
        for name, roles, pw in (("staff", "cashier,supervisor,finance,utilization,metering",
                                 STAFF_PW),
                                ("cash", "cashier", CASH_PW)):
            rc, out, err = run(cls.db, ["operator", "add", name, "--role", roles],
                               "admin", ADMIN_PW, env={"MD_NEW_PASSWORD": pw})
            assert rc == 0, err
        tariff = os.path.join(cls.dir, "flat.ini")
        with open(tariff, "w", encoding="utf-8") as f:
            f.write(TARIFF)
        for args in (["site", "add", "MALL", "--name", "购物中心"],
                     ["building", "add", "MALL", "B3", "--name", "3号楼"],
                     ["floor", "add", "MALL", "B3", "F2", "--name", "2层"],
                     ["room", "add", "MALL", "B3", "F2", "205", "--name", "205室"],
                     ["line", "add", "L1", "--name", "一号线"],
                     ["area", "add", "TA1", "--name", "一号台区", "--line", "L1"],
                     ["meter", "add", "202411110002", "--model", "ADF400L", "--room",
                      "MALL/B3/F2/205", "--area", "TA1"],
                     ["tariff", "set", "--file", tariff],
                     ["category", "add", "RES", "--name", "居民生活", "--tariff", "FLAT-2020"],
                     ["account", "open", "--no", "100300", "--name", "李四", "--category", "RES",
                      "--billing", "system", "--meter", "202411110002"],
                     ["account", "open", "--no", "100301", "--name", "王五", "--category", "RES",
                      "--billing", "system"],
                     ["shift", "open", "--float", "500"]):
            cls.staff(args)
        cls.sales = []
        for account, amount, pay in (("100300", "200", "cash"), ("100300", "100.50", "wechat"),
                                     ("100301", "80", "alipay")):
            out = cls.staff(["--json", "sell", "--account", account, "--amount", amount,
                             "--pay", pay])
            cls.sales.append(json.loads(out))
        cls.staff(["refund", "--account", "100301", "--amount", "30", "--reason", "moving"])
        today = datetime.date.today()
        cls.range = ["--from", (today - datetime.timedelta(days=2)).isoformat(),
                     "--to", (today + datetime.timedelta(days=2)).isoformat()]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    @classmethod
    def staff(cls, args, expect=0):
        rc, out, err = run(cls.db, args, "staff", STAFF_PW)
        assert rc == expect, (args, rc, out, err)
        return out.decode("utf-8")

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_help_lists_commands(self):
        rc, out, err = run(self.db, ["--help"])
        self.assertEqual(rc, 0)
        for command in ("receipt print", "report sales", "report energy", "report trail"):
            self.assertIn(command, out.decode("utf-8"))

    def test_receipt_every_template(self):
        sale = self.sales[0]
        for template in TEMPLATES:
            with self.subTest(template=template):
                pdf = self.path("r-%s.pdf" % template)
                out = self.staff(["--json", "receipt", "print", str(sale["sale"]), "--out", pdf,
                                  "--template", template])
                self.assertEqual(json.loads(out)["receipt"], sale["receipt"])
                text = pdf_text(pdf)
                for expected in (sale["receipt"], "¥200.00", "李四", "客户联", "202411110002"):
                    self.assertIn(expected, text)
                if not template.startswith("thermal"):
                    for expected in ("财务联", "存根联", "居民生活", "贰佰元整"):
                        self.assertIn(expected, text)
                words, outside = pdf_words_outside(pdf)
                self.assertGreater(words, 20)
                self.assertEqual(outside, [])
                png = self.path("r-%s.png" % template)
                self.staff(["receipt", "print", str(sale["sale"]), "--out", png, "--format", "png",
                            "--template", template])
                width, height = png_size(png)
                if template.startswith("thermal-80"):
                    self.assertEqual(width, math.ceil(80 / 25.4 * 203))

    def test_qr_code_verifies(self):
        sale = self.sales[1]
        png = self.path("qr.png")
        self.staff(["receipt", "print", str(sale["sale"]), "--out", png, "--format", "png",
                    "--template", "thermal-58", "--dpi", "300"])
        proc = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, timeout=60)
        codes = [l for l in proc.stdout.decode("utf-8").splitlines()
                 if l.startswith("meterdesk:")]
        with sqlite3.connect(self.db) as conn:
            audit = conn.execute("SELECT hash FROM audit WHERE action = 'sale.post' AND object = ?",
                                 ("sale:%d" % sale["sale"],)).fetchone()[0]
        self.assertEqual(codes, ["meterdesk:receipt?no=%s&amount=100.50&audit=%s"
                                 % (sale["receipt"], audit)])

    def test_reprint_recorded(self):
        sale = self.sales[2]
        pdf = self.path("reprint.pdf")
        for n in (1, 2):
            out = json.loads(self.staff(["--json", "receipt", "print", str(sale["sale"]), "--out",
                                         pdf, "--reprint"]))
            self.assertEqual(out["reprint"], n)
            self.assertEqual(out["receipt"], sale["receipt"])
            text = pdf_text(pdf)
            self.assertIn("补打", text)
            self.assertIn(sale["receipt"], text)
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute("SELECT operator_id, detail FROM audit WHERE action = "
                                "'receipt.reprint' AND object = ?",
                                ("sale:%d" % sale["sale"],)).fetchall()
        self.assertEqual(len(rows), 2)
        self.assertEqual(json.loads(rows[1][1])["receipt"], sale["receipt"])
        # a cashier may print, and reprint
        rc, out, err = run(self.db, ["receipt", "print", str(sale["sale"]), "--out", pdf], "cash",
                           CASH_PW)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("补打", pdf_text(pdf))

    def test_account_and_shift_documents(self):
        pdf = self.path("open.pdf")
        self.staff(["receipt", "account", "100300", "--out", pdf])
        text = pdf_text(pdf)
        self.assertIn("开户凭证", text)
        self.assertIn("202411110002", text)
        self.staff(["receipt", "shift", "--x", "--out", pdf])
        self.assertIn("X 报表", pdf_text(pdf))
        rc, out, err = run(self.db, ["receipt", "shift", "--z", "--out", pdf], "staff", STAFF_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_csv_and_xlsx_same_rows(self):
        csv_path, xlsx_path = self.path("sales.csv"), self.path("sales.xlsx")
        args = ["report", "sales"] + self.range + ["--by", "payment"]
        self.staff(args + ["--format", "csv", "--out", csv_path])
        self.staff(args + ["--format", "xlsx", "--out", xlsx_path])
        report = json.loads(self.staff(args + ["--format", "json"]))
        with open(csv_path, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        sheet = openpyxl.load_workbook(xlsx_path).worksheets[0]
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        types = [c["type"] for c in report["columns"]]
        decimals = {"money": 2, "energy": 3, "volume": 3, "price": 4, "percent": 2}

        def text(value, kind):
            if value is None:
                return ""
            if kind in decimals:
                return "%.*f" % (decimals[kind], value)
            if kind == "count":
                return str(int(value))
            return str(value)

        self.assertEqual(len(cells), len(rows))
        self.assertEqual([str(v) for v in cells[0]], rows[0])
        for xrow, crow in zip(cells[1:], rows[1:]):
            self.assertEqual([text(v, k) for v, k in zip(xrow, types)], crow)
        self.assertEqual(len(rows), 1 + len(report["rows"]) + 1)
        net = [c["key"] for c in report["columns"]].index("net")
        self.assertEqual(rows[-1][net], report["totals"]["net"])
        # the ledger took in what the report says
        with sqlite3.connect(self.db) as conn:
            taken = conn.execute(
                "SELECT SUM(l.delta) FROM ledger l JOIN sale s ON s.id = l.sale_id "
                "WHERE s.state = 'posted' AND (l.account LIKE 'cash:%' OR l.account IN "
                "('bank-card', 'transfer', 'wechat', 'alipay', 'other'))").fetchone()[0]
        self.assertEqual(report["totals"]["net"], "%d.%02d" % divmod(taken, 100))
        self.assertEqual(report["totals"]["net"], "350.50")

    def test_other_reports(self):
        for args in (["report", "energy", "--account", "100300", "--period", "day"] + self.range,
                     ["report", "trail", "--account", "100301", "--period", "month"] + self.range,
                     ["report", "shifts"] + self.range,
                     ["report", "audit", "--action", "sale."] + self.range,
                     ["report", "alerts", "--open"] + self.range,
                     ["report", "offline", "--days", "3"]):
            with self.subTest(args=args):
                pdf = self.path("other.pdf")
                out = json.loads(self.staff(["--json"] + args + ["--format", "pdf", "--out",
                                                                 pdf]))
                self.assertGreaterEqual(out["pages"], 1)
                self.assertEqual(pdf_words_outside(pdf)[1], [])
                shown = self.staff(args)
                self.assertIn("\n", shown)
        trail = json.loads(self.staff(["report", "trail", "--account", "100301", "--format",
                                       "json"] + self.range))
        self.assertEqual(trail["totals"]["closing"], "50.00")

    def test_empty_period(self):
        out = json.loads(self.staff(["--json", "report", "sales", "--from", "2001-01-01", "--to",
                                     "2001-01-31"]))
        self.assertEqual(out["rows"], [])
        pdf = self.path("empty.pdf")
        self.staff(["report", "sales", "--from", "2001-01", "--to", "2001-01", "--format",
                    "pdf", "--out", pdf])
        self.assertIn("Nothing was recorded", pdf_text(pdf))

    def test_bad_input_changes_nothing(self):
        bad_key = self.path("bad-key.ini")
        with open(bad_key, "w", encoding="utf-8") as f:
            f.write("[page]\npaper=a4\ncolour=red\n")
        no_logo = self.path("no-logo.ini")
        with open(no_logo, "w", encoding="utf-8") as f:
            f.write("[content]\nlogo=missing-logo.png\n")
        out = self.path("never.pdf")
        sale = str(self.sales[0]["sale"])
        cases = [
            ["report", "sales", "--from", "2026-03-01", "--to", "2026-02-01"],
            ["report", "sales", "--from", "2026-02-30", "--to", "2026-03-01"],
            ["report", "sales", "--from", "yesterday", "--to", "2026-03-01"],
            ["report", "sales", "--from", "2026-01", "--to", "2026-02", "--by", "street"],
            ["report", "sales", "--from", "2026-01", "--to", "2026-02", "--period", "week"],
            ["report", "sales", "--from", "2026-01", "--to", "2026-02", "--format", "docx"],
            ["report", "energy", "--account", "999999", "--from", "2026-01", "--to", "2026-02"],
            ["report", "audit", "--from", "2026-01", "--to", "2026-02", "--who", "nobody"],
            ["report", "offline", "--days", "-3"],
            ["receipt", "print", sale, "--out", out, "--template", "no-such-template"],
            ["receipt", "print", sale, "--out", out, "--template", bad_key],
            ["receipt", "print", sale, "--out", out, "--template", no_logo],
            ["receipt", "print", sale, "--out", out, "--format", "gif"],
            ["receipt", "print", "999999", "--out", out],
            ["receipt", "print", sale, "--out", os.path.join(self.dir, "no", "such", "dir.pdf")],
            ["receipt", "account", "999999", "--out", out],
        ]
        for args in cases:
            with self.subTest(args=args):
                before = dump(self.db)
                rc, stdout, err = run(self.db, ["--json"] + args, "staff", STAFF_PW)
                self.assertEqual(rc, 1, (args, err))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertTrue(err.startswith("Error: "), err)
                code = json.loads(stdout)["error"]["code"]
                self.assertRegex(code, r"^(input|register|cli)\.")
                self.assertEqual(dump(self.db), before, args)
                self.assertFalse(os.path.exists(out))
        # the messages name what is wrong
        rc, stdout, err = run(self.db, ["report", "sales", "--from", "2026-03-01", "--to",
                                        "2026-02-01"], "staff", STAFF_PW)
        self.assertIn("2026-02-01", err)
        rc, stdout, err = run(self.db, cases[10], "staff", STAFF_PW)
        self.assertIn("colour", err)
        rc, stdout, err = run(self.db, cases[11], "staff", STAFF_PW)
        self.assertIn("missing-logo.png", err)
        rc, stdout, err = run(self.db, cases[3], "staff", STAFF_PW)
        self.assertIn("street", err)

    def test_usage_and_permissions(self):
        for args in (["report", "sales"],
                     ["report", "sales", "--from", "2026-01", "--to", "2026-02", "--format",
                      "pdf"],
                     ["report", "energy", "--from", "2026-01", "--to", "2026-02"],
                     ["receipt", "print", "1"],
                     ["receipt", "shift", "--out", self.path("x.pdf")]):
            with self.subTest(args=args):
                rc, out, err = run(self.db, args, "staff", STAFF_PW)
                self.assertEqual(rc, 2, err)
        rc, out, err = run(self.db, ["--json", "report", "sales"] + self.range, "cash", CASH_PW)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["error"]["code"], "auth.denied")


if __name__ == "__main__":
    unittest.main(verbosity=2)
