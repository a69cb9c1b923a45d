#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""T03 fsync and write faults with libfiu (RELIABILITY.md B).

Each run copies the template and starts one seller under `fiu-run -x` (the
POSIX preload of libfiu). Once the seller is ready it enables the failure
points in-process (fiu_enable_external), each call failing with the given
probability from a generator seeded by the run's seed, so a seed replays the
same faults at the same calls. The seller sells until a sale fails. It must
say so (FAIL; never an ACK for a sale whose commit failed), then reopen the
database and look the key up: "ACK … in-doubt" when it landed, ABSENT when
it did not. Transient runs switch the faults off before reopening, as a disk
that recovered; persistent runs keep them on, and the lookup may itself
fail (UNRESOLVED), which a fault-free start with --in-doubt settles. Crash
runs die right after the failure (T05's fault-then-crash), leaving the key to
that start as well: a commit that reported an error may have reached the log
and be recovered from it (RELIABILITY rule 3).

Then, without faults: the checker (INV-1 … INV-6, every ACKed key present,
every key reported ABSENT absent), the fault-free settling, and the check
again with nothing allowed pending.

Which libfiu names reach SQLite here: Debian 12's libsqlite3 calls
fdatasync(), never fsync() (`nm -D` lists fdatasync, pwrite64, no fsync), so
the sync variant enables posix/io/sync/fdatasync (and posix/io/sync/fsync for
completeness); the preload's pwrite64 wrapper fails under posix/io/rw/pwrite.
"""

import argparse
import errno
import random
import shutil
import time

import mdrel
from mdrel import Failure, log

VARIANTS = {
    "sync": (["posix/io/sync/fdatasync", "posix/io/sync/fsync"], 0.02, [errno.EIO]),
    "write": (["posix/io/rw/pwrite"], 0.005, [errno.EIO, errno.ENOSPC]),
}


def one_run(args, rng, directory, variant, after, stats):
    points, probability, errnos = VARIANTS[variant]
    db = mdrel.fresh_db(directory)
    book = mdrel.Book()
    fiu_seed = rng.randrange(1, 2 ** 31)
    err = rng.choice(errnos)
    extra = ["--fiu-probability", str(probability), "--fiu-seed", str(fiu_seed),
             "--fiu-errno", str(err)]
    for point in points:
        extra += ["--fiu-point", point]
    if after == "persistent":
        extra.append("--fiu-persistent")
    elif after == "crash":
        extra.append("--crash-after-failure")
    t = rng.choice(mdrel.TERMINALS[:3])
    name = "%s/%s seed %d errno %d" % (variant, after, fiu_seed, err)

    s = mdrel.Seller(db, t, 0, args.max_sales, args=extra, prefix=[args.fiu_run, "-x"])
    mdrel.run_sellers([s], timeout=120)
    text = s.text()
    book.feed(text)
    # First, without faults: the database as the next start finds it.
    mdrel.check(db, book, directory)
    if s.returncode not in ((5,) if after == "crash" else (3, 4)):
        raise Failure("%s: the seller ended with %s, not with a failed sale: %s\n%s" %
                      (name, s.returncode, s.err.decode(), text[-2000:]))
    if "FAULTS ON" not in text or "injected=0" in text or \
            ("FAULTS OFF" not in text and after != "crash"):
        raise Failure("%s: no fault was injected (is fiu-run -x in place?)" % name)
    if len(book.failures) != 1:
        raise Failure("%s: %d failures reported, not 1" % (name, len(book.failures)))
    key, line = book.failures[0]
    code = line.split(" ")[2].rstrip(":")
    stats["codes"][code] = stats["codes"].get(code, 0) + 1

    # Never an ACK for the failed sale before it was looked up again.
    lines = text.split("\n")
    fail_at = lines.index(line)
    for later in lines[fail_at + 1:]:
        if later.startswith("ACK %s " % key) and " in-doubt" not in later:
            raise Failure("%s: %s was ACKed after its failure without a lookup: %s" %
                          (name, key, later))
    for earlier in lines[:fail_at]:
        if earlier.startswith("ACK %s " % key):
            raise Failure("%s: %s was ACKed before it failed" % (name, key))

    if key not in book.acked and key not in book.absent:
        stats["unresolved"] += 1

    # The next start settles the pending sales and the key still in doubt.
    extra = ["--in-doubt", key] if key not in book.acked and key not in book.absent else []
    s = mdrel.Seller(db, t, 0, 0, args=extra)
    mdrel.run_sellers([s])
    book.feed(s.text())
    if s.returncode != 0:
        raise Failure("%s: the fault-free start failed (%d): %s %s" %
                      (name, s.returncode, s.text(), s.err.decode()))
    report = mdrel.check(db, book, directory, final=True)
    if key in book.landed_posted:
        stats["landed_posted"] += 1
    elif key in book.in_doubt_acks:
        stats["landed"] += 1
    elif key in book.absent:
        stats["absent"] += 1
    else:
        raise Failure("%s: %s was never settled" % (name, key))
    stats["runs"] += 1
    stats["sales"] += report["sales"]
    stats["acks"] += book.n_acks
    if args.verbose:
        log("%s: %s → %s" % (name, line, "posted" if key in book.landed_posted else
                             "pending, posted then" if key in book.in_doubt_acks else
                             "absent"))


def run(args, seed):
    rng = random.Random(seed)
    directory = mdrel.work_dir("md-fiu-")
    if not shutil.which(args.fiu_run):
        raise Failure("fiu-run is not installed (fiu-utils)")
    stats = {"runs": 0, "sales": 0, "acks": 0, "landed": 0, "landed_posted": 0, "absent": 0,
             "unresolved": 0, "codes": {}}
    started = time.monotonic()
    for i in range(args.runs):
        variant = ("sync", "write")[i % 2]
        after = ("transient", "persistent", "crash")[(i // 2) % 3]
        one_run(args, rng, directory, variant, after, stats)
    log("T03 libfiu faults: seed %d: %d runs, each until its first failed sale: %d sales, "
        "%d ACKs; failures %s. Looked up again, the failed sale was: posted although its "
        "commit had failed %d times, pending and posted then %d times (both ACK in-doubt), "
        "absent %d times; %d of these were settled only by the next fault-free start; "
        "0 ACKed sales lost, 0 invariant violations, %.1f s" %
        (seed, stats["runs"], stats["sales"], stats["acks"],
         ", ".join("%s ×%d" % kv for kv in sorted(stats["codes"].items())),
         stats["landed_posted"], stats["landed"], stats["absent"], stats["unresolved"],
         time.monotonic() - started))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--max-sales", type=int, default=5000)
    parser.add_argument("--fiu-run", default="fiu-run")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    seed = mdrel.seed_from(args.seed)
    describe = "fiu_faults.py --runs %d" % args.runs
    log("T03 libfiu faults: seed %d (replay: %s --seed %d)" % (seed, describe, seed))
    mdrel.main_wrapper(lambda: run(args, seed), seed, describe)


if __name__ == "__main__":
    main()
