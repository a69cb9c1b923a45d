#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""T01 crash-kill (RELIABILITY.md B).

Rounds of 1–3 sellers, each at its own terminal, on one SQLite file. Each is
killed with SIGKILL at a uniform random time 2–80 ms after it is ready
(logged in, shift open; its recovery and resubmission run in that window),
or, one time in five, 2–80 ms after it was started. The next seller of that
terminal settles its pending sales and resubmits the first key it was not
told about, with the same key. After every round the checker runs (INV-1 …
INV-6, md-rel-check.c). Every --rounds-per-db rounds, and at the end, each
terminal settles once without a kill, the check runs with nothing allowed
pending, and a new database is started from the template.

In-doubt resolutions: keys started but not ACKed before a kill and present
in the database after it. Each must come back, when resubmitted, as the
same sale ("ACK … replayed"), and no other key may.

The seed decides the schedule (terminals, kill times, modes) and is printed;
the moment a kill lands in the seller's work still depends on the machine.
"""

import argparse
import random
import sys
import time

import mdrel
from mdrel import Failure, log


def run(args, seed):
    rng = random.Random(seed)
    directory = mdrel.work_dir("md-crash-kill-")
    terminals = mdrel.TERMINALS[:3]
    kills = 0
    rounds = 0
    dbs = 0
    sales = 0
    acks = 0
    in_doubt_total = 0
    killed_before_ready = 0
    started = time.monotonic()

    while kills < args.kills:
        db = mdrel.fresh_db(directory)
        dbs += 1
        book = mdrel.Book()
        next_index = {t: 0 for t in terminals}
        in_doubt = set()

        def spawn_round():
            """The next round's sellers, started ahead so that they log in
            while the last round is checked; each waits for GO."""
            chosen = rng.sample(terminals, rng.randint(1, 3))
            plan = {}
            for t in chosen:
                delay = rng.uniform(0.002, 0.080)
                from_start = rng.random() < 0.2
                plan[mdrel.Seller(db, t, next_index[t], 1000000, wait_go=True)] = \
                    (delay, from_start)
            return plan

        def kill_at(s):
            delay, from_start = plan[s]
            if from_start:
                return s.started_at + delay
            since = s.working_since()
            return since + delay if since is not None else None

        upcoming = spawn_round()
        for r in range(args.rounds_per_db):
            rounds += 1
            plan = upcoming
            sellers = list(plan)
            for s in sellers:
                delay, from_start = plan[s]
                if from_start and s.started_at + delay <= time.monotonic():
                    s.kill()
                else:
                    s.go()
            mdrel.run_sellers(sellers, timeout=60, kill_at=kill_at)
            for s in sellers:
                if not s.killed or s.returncode != -9:
                    raise Failure("round %d: seller %s was not killed but ended with %s: %s" %
                                  (rounds, s.terminal, s.returncode, s.err.decode()))
                if s.working_since() is None:
                    killed_before_ready += 1
                kills += 1
                book.feed(s.text())
                if book.failures:
                    raise Failure("round %d: a sale failed without any fault: %s" %
                                  (rounds, book.failures[0][1]))
                next_index[s.terminal] = book.next_index(s.terminal, next_index[s.terminal])

            last = r == args.rounds_per_db - 1 or kills >= args.kills
            upcoming = {} if last else spawn_round()
            try:
                report = mdrel.check(db, book, directory)
            except Failure:
                for s in upcoming:
                    s.kill()
                mdrel.run_sellers(list(upcoming))
                raise
            in_doubt.update(report["in_doubt"])
            if args.verbose:
                log("round %d: %s killed, %d sales, %d in doubt" %
                    (rounds, ",".join(s.terminal for s in sellers), report["sales"],
                     len(report["in_doubt"])))
            if last:
                break

        # The day ends: each terminal's cashier finishes the sale in progress
        # (its pending sales are settled first), without a kill. Then nothing
        # may be pending, and exactly the in-doubt keys must have come back
        # as the same sale when resubmitted.
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
        report = mdrel.check(db, book, directory, final=True)
        if book.n_acks != report["sales"] or len(book.acked) != report["sales"]:
            raise Failure("%d sales in the database, %d ACKs for %d keys: not one each" %
                          (report["sales"], book.n_acks, len(book.acked)))
        if in_doubt != book.replayed:
            raise Failure("in doubt but not replayed: %s; replayed but never in doubt: %s" %
                          (sorted(in_doubt - book.replayed)[:10],
                           sorted(book.replayed - in_doubt)[:10]))
        sales += report["sales"]
        acks += book.n_acks
        in_doubt_total += len(in_doubt)

    elapsed = time.monotonic() - started
    log("T01 crash-kill: seed %d: %d kills (%d before ready) in %d rounds on %d databases, "
        "%d sales, each ACKed exactly once (%d ACKs), %d in-doubt resolutions, 0 invariant "
        "violations, %.1f s" %
        (seed, kills, killed_before_ready, rounds, dbs, sales, acks, in_doubt_total, elapsed))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--rounds-per-db", type=int, default=40)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    seed = mdrel.seed_from(args.seed)
    log("T01 crash-kill: seed %d, %d kills (replay: crash_kill.py --seed %d --kills %d)" %
        (seed, args.kills, seed, args.kills))
    mdrel.main_wrapper(lambda: run(args, seed), seed,
                       "crash_kill.py --kills %d" % args.kills)


if __name__ == "__main__":
    main()
