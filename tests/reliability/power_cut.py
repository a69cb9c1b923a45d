#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""T02 power-cut VFS (RELIABILITY.md B).

One seller at a time, at one of three terminals, runs over the power-cut
shim (md-powercut-vfs.c): every write stays in the process until xSync of
its file, and the cut loses everything unsynced. The cut is either the
harness's SIGKILL 2–80 ms into the seller's work, or, one time in two, the
shim's own _exit() at a random write (1 … --max-writes). After each cut the
-shm file is removed, the checker runs (INV-1 … INV-6), and the next seller
of that terminal settles its pending sales and resubmits its first key not
ACKed, with the same key.

With synchronous=FULL (the product's setting) not one ACKed sale may be
lost. The negative control runs the same cuts with the store's connection
set to synchronous=NORMAL (MD_TEST_SYNCHRONOUS, read by the seller only): it
must lose at least one ACKed sale over its cuts, or the harness does not
bite and the test fails. Other invariants must hold there too: SQLite keeps
a WAL database whole with NORMAL, it only forgets the last commits.

The seed decides the schedule (terminals, cut kinds, kill times, write
numbers) and is printed. Where a kill lands depends on the machine; with
--only-write-cuts every cut is at a write number and a seed replays the
whole run exactly.
"""

import argparse
import os
import random
import time

import mdrel
from mdrel import Failure, log


def run_mode(args, rng, synchronous, cuts_wanted):
    directory = mdrel.work_dir("md-power-cut-")
    terminals = mdrel.TERMINALS[:3]
    env = {"MD_TEST_SYNCHRONOUS": synchronous} if synchronous != "FULL" else {}
    allow_lost = synchronous != "FULL"
    stats = {"cuts": 0, "by_write": 0, "by_kill": 0, "lost": 0, "in_doubt": 0, "sales": 0,
             "acks": 0, "dbs": 0, "lost_cuts": 0}
    started = time.monotonic()

    while stats["cuts"] < cuts_wanted:
        db = mdrel.fresh_db(directory)
        stats["dbs"] += 1
        book = mdrel.Book()
        next_index = {t: 0 for t in terminals}
        in_doubt = set()

        def spawn():
            t = rng.choice(terminals)
            by_write = rng.random() < 0.5 or args.only_write_cuts
            cut = rng.randint(1, args.max_writes) if by_write else rng.uniform(0.002, 0.080)
            extra = ["--vfs", "powercut"]
            if by_write:
                extra += ["--cut-after-writes", str(cut)]
            s = mdrel.Seller(db, t, next_index[t], 1000000, args=extra, env=env, wait_go=True)
            return s, by_write, cut

        upcoming = spawn()
        for r in range(args.rounds_per_db):
            s, by_write, cut = upcoming

            def kill_at(seller):
                if by_write:
                    return seller.started_at + 30.0   # a cut that never came
                since = seller.working_since()
                return since + cut if since is not None else None

            s.go()
            mdrel.run_sellers([s], timeout=60, kill_at=kill_at)
            if by_write and s.returncode != mdrel.POWERCUT_EXIT:
                raise Failure("the seller was to cut at write %d but ended with %s: %s" %
                              (cut, s.returncode, s.err.decode()))
            if not by_write and s.returncode != -9:
                raise Failure("the seller was to be killed but ended with %s: %s" %
                              (s.returncode, s.err.decode()))
            stats["cuts"] += 1
            stats["by_write" if by_write else "by_kill"] += 1
            book.feed(s.text())
            if book.failures:
                raise Failure("a sale failed without a fault: %s" % book.failures[0][1])
            next_index[s.terminal] = book.next_index(s.terminal, next_index[s.terminal])
            mdrel.remove_shm(db)

            last = r == args.rounds_per_db - 1 or stats["cuts"] >= cuts_wanted
            upcoming = None if last else spawn()
            try:
                report = mdrel.check(db, book, directory, allow_lost=allow_lost)
            except Failure:
                if upcoming:
                    upcoming[0].kill()
                    mdrel.run_sellers([upcoming[0]])
                raise
            if report["lost"]:
                stats["lost"] += len(report["lost"])
                stats["lost_cuts"] += 1
                book.forget_lost(report["lost"])
            in_doubt.update(report["in_doubt"])
            if args.verbose:
                log("%s cut %d (%s %s): %d sales, %d lost, %d in doubt" %
                    (synchronous, stats["cuts"], "write" if by_write else "kill", cut,
                     report["sales"], len(report["lost"]), len(report["in_doubt"])))
            if last:
                break

        # Every terminal settles and finishes its sale in progress, without a
        # cut and without the shim; then nothing may stay pending.
        closing = []
        for t in terminals:
            key = "%s-%d" % (t, next_index[t])
            closing.append(mdrel.Seller(db, t, next_index[t], 1 if key in book.started else 0))
        mdrel.run_sellers(closing)
        for s in closing:
            book.feed(s.text())
            if s.returncode != 0:
                raise Failure("the closing run at %s failed (%d): %s" %
                              (s.terminal, s.returncode, s.err.decode()))
        report = mdrel.check(db, book, directory, final=True, allow_lost=allow_lost)
        if report["lost"]:
            raise Failure("ACKed sales lost without a cut: %s" % report["lost"][:10])
        if not allow_lost and (book.n_acks != report["sales"] or
                               len(book.acked) != report["sales"]):
            raise Failure("%d sales in the database, %d ACKs for %d keys: not one each" %
                          (report["sales"], book.n_acks, len(book.acked)))
        if not allow_lost and in_doubt != book.replayed:
            raise Failure("in doubt but not replayed: %s; replayed but never in doubt: %s" %
                          (sorted(in_doubt - book.replayed)[:10],
                           sorted(book.replayed - in_doubt)[:10]))
        stats["sales"] += report["sales"]
        stats["acks"] += book.n_acks
        stats["in_doubt"] += len(in_doubt)

    stats["seconds"] = time.monotonic() - started
    return stats


def run(args, seed):
    rng = random.Random(seed)
    full = run_mode(args, rng, "FULL", args.cuts)
    log("T02 power-cut, synchronous=FULL: seed %d: %d cuts (%d at a write, %d by kill) on %d "
        "databases, %d sales, each ACKed exactly once (%d ACKs), %d ACKed sales lost, "
        "%d in-doubt resolutions, 0 invariant violations, %.1f s" %
        (seed, full["cuts"], full["by_write"], full["by_kill"], full["dbs"], full["sales"],
         full["acks"], full["lost"], full["in_doubt"], full["seconds"]))
    if full["lost"]:
        raise Failure("synchronous=FULL lost %d ACKed sales" % full["lost"])

    if args.control_cuts == 0:
        return
    normal = run_mode(args, rng, "NORMAL", args.control_cuts)
    log("T02 negative control, synchronous=NORMAL: %d cuts (%d at a write, %d by kill), "
        "%d sales, %d ACKs, %d ACKed sales lost in %d of the cuts, other invariants held, "
        "%.1f s" %
        (normal["cuts"], normal["by_write"], normal["by_kill"], normal["sales"], normal["acks"],
         normal["lost"], normal["lost_cuts"], normal["seconds"]))
    if normal["lost"] == 0:
        raise Failure("the negative control lost no ACKed sale: the power-cut harness does "
                      "not bite")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--cuts", type=int, default=300)
    parser.add_argument("--control-cuts", type=int, default=40)
    parser.add_argument("--max-writes", type=int, default=4000)
    parser.add_argument("--rounds-per-db", type=int, default=50)
    parser.add_argument("--only-write-cuts", action="store_true",
                        help="cut at write numbers only: a seed then replays exactly")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    seed = mdrel.seed_from(args.seed)
    describe = "power_cut.py --cuts %d --control-cuts %d" % (args.cuts, args.control_cuts)
    log("T02 power-cut: seed %d (replay: %s --seed %d)" % (seed, describe, seed))
    mdrel.main_wrapper(lambda: run(args, seed), seed, describe)


if __name__ == "__main__":
    main()
