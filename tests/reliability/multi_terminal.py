#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""T06 multi-terminal lock (RELIABILITY.md B).

--terminals sellers (T1…T4) sell --sales each at the same time on one SQLite
file, to the same three accounts. No sale may fail: not one "database is
locked" (MD_STORE_ERROR_BUSY) may reach a cashier, every sale is ACKed, the
receipts of each terminal are 1…N without a gap, and INV-1 … INV-6 hold.

Negative control (md-deferred-begin.c, raw sqlite3, NOT the product's code
path): the same number of processes run transactions on a copy of the same
schema that read first and write after, under a deferred BEGIN with the
store's busy_timeout. They must meet SQLITE_BUSY (RELIABILITY A10); the same
program with BEGIN IMMEDIATE, the store's way, must not.

There is no randomness here beyond the operating system's scheduling; --seed
is accepted and printed for uniformity.
"""

import argparse
import os
import re
import subprocess
import time

import mdrel
from mdrel import Failure, log

CONTROL = os.environ.get("MD_DEFERRED_BEGIN", os.path.join(mdrel.BUILD, "tests", "reliability",
                                                            "md-deferred-begin"))


def control(directory, n, txns, immediate):
    db = mdrel.fresh_db(directory, "control.db")
    procs = [subprocess.Popen([CONTROL, "--db", db, "--terminal", "T%d" % (i + 1),
                               "--txns", str(txns)] + (["--immediate"] if immediate else []),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in range(n)]
    totals = {"committed": 0, "busy": 0, "busy_snapshot": 0}
    first = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        if p.returncode != 0:
            raise Failure("the control program failed: %s" % err.decode())
        m = re.search(r"DONE committed=(\d+) busy=(\d+) busy_snapshot=(\d+) first_busy=(.*)",
                      out.decode())
        if not m:
            raise Failure("the control program printed %r" % out)
        totals["committed"] += int(m.group(1))
        totals["busy"] += int(m.group(2))
        totals["busy_snapshot"] += int(m.group(3))
        if int(m.group(2)):
            first.append(m.group(4).strip())
    totals["first"] = first[0] if first else "none"
    return totals


def run(args, seed):
    directory = mdrel.work_dir("md-multi-terminal-")
    db = mdrel.fresh_db(directory)
    terminals = mdrel.TERMINALS[:args.terminals]
    book = mdrel.Book()

    started = time.monotonic()
    sellers = [mdrel.Seller(db, t, 0, args.sales) for t in terminals]
    mdrel.run_sellers(sellers, timeout=600)
    elapsed = time.monotonic() - started
    for s in sellers:
        book.feed(s.text())
    busy = [line for _, line in book.failures if "BUSY" in line or "locked" in line]
    if busy:
        raise Failure("%d sales met a busy database, the first: %s" % (len(busy), busy[0]))
    if book.failures:
        raise Failure("%d sales failed, the first: %s" % (len(book.failures),
                                                          book.failures[0][1]))
    for s in sellers:
        if s.returncode != 0:
            raise Failure("seller %s ended with %d: %s" % (s.terminal, s.returncode,
                                                           s.err.decode()))
    for t in terminals:
        receipts = sorted(int(r.rsplit("-", 1)[1]) for k, r in book.acked.items()
                          if mdrel.key_terminal(k) == t)
        if receipts != list(range(1, args.sales + 1)):
            raise Failure("the receipts printed at %s are not 1…%d" % (t, args.sales))
    report = mdrel.check(db, book, directory, final=True)
    if report["posted"] != args.terminals * args.sales:
        raise Failure("%d sales posted, not %d" % (report["posted"], args.terminals * args.sales))
    log("T06 multi-terminal: %d processes × %d sales on one file: %d ACKed, 0 busy, receipts "
        "gapless at every terminal, 0 invariant violations, %.1f s (%.0f sales/s)" %
        (args.terminals, args.sales, len(book.acked), elapsed, len(book.acked) / elapsed))

    if args.control_txns == 0:
        return
    deferred = control(directory, args.terminals, args.control_txns, False)
    immediate = control(directory, args.terminals, args.control_txns, True)
    log("T06 negative control (raw sqlite3, not the product): %d processes × %d transactions "
        "that read, then write: deferred BEGIN: %d committed, %d SQLITE_BUSY (%d of them "
        "BUSY_SNAPSHOT; first: %s) despite busy_timeout=5000; BEGIN IMMEDIATE: %d committed, "
        "%d SQLITE_BUSY" %
        (args.terminals, args.control_txns, deferred["committed"], deferred["busy"],
         deferred["busy_snapshot"], deferred["first"], immediate["committed"],
         immediate["busy"]))
    if deferred["busy"] == 0:
        raise Failure("the negative control met no SQLITE_BUSY with deferred BEGIN")
    if immediate["busy"] != 0:
        raise Failure("BEGIN IMMEDIATE met SQLITE_BUSY %d times" % immediate["busy"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--terminals", type=int, default=4)
    parser.add_argument("--sales", type=int, default=2000)
    parser.add_argument("--control-txns", type=int, default=2000)
    args = parser.parse_args()
    seed = mdrel.seed_from(args.seed)
    describe = "multi_terminal.py --terminals %d --sales %d" % (args.terminals, args.sales)
    log("T06 multi-terminal: seed %d (%s)" % (seed, describe))
    mdrel.main_wrapper(lambda: run(args, seed), seed, describe)


if __name__ == "__main__":
    main()
