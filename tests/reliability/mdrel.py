#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the reliability tests share: the database template, running sellers
(md-seller) and killing them on time, reading what they printed, and the
invariant checker (md-seller --check, md-rel-check.c).

Run as `mdrel.py template OUT` it builds the template database through
meterdesk-cli: an administrator, a finance operator, cashiers c1…c4 (one per
terminal T1…T4), the RES-2026 tariff, a category and three system-billed
accounts. Every test copies it instead of paying for the Argon2 hashes
again."""

import json
import os
import random
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ADMIN_PW = "admin-secret"
FIN_PW = "finance-secret"
CASHIER_PW = "cashier-secret"
ACCOUNTS = ["100001", "100002", "100003"]
TERMINALS = ["T1", "T2", "T3", "T4"]
POWERCUT_EXIT = 86   # MD_POWERCUT_EXIT_STATUS
OPERATORS = {t: "c" + t[1:] for t in TERMINALS}

BUILD = os.environ.get("MD_BUILD_ROOT", "build")
SOURCE = os.environ.get("MD_SOURCE_ROOT", ".")
SELLER = os.environ.get("MD_SELLER", os.path.join(BUILD, "tests", "reliability", "md-seller"))
CLI = os.environ.get("MD_CLI", os.path.join(BUILD, "src", "cli", "meterdesk-cli"))
TEMPLATE = os.environ.get("MD_RELIABILITY_TEMPLATE",
                          os.path.join(BUILD, "tests", "reliability", "template.db"))


class Failure(Exception):
    """An invariant broke: the test fails, with the seed to replay it."""


def log(*args):
    print(*args, flush=True)


# --- the template -----------------------------------------------------------

def cli(db, args, operator=None, password=None, stdin=None, env=None):
    environ = dict(os.environ)
    for name in ("MD_OPERATOR", "MD_PASSWORD", "MD_NEW_PASSWORD", "MD_TERMINAL"):
        environ.pop(name, None)
    environ.update({"MD_DB": db, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "LANGUAGE": ""})
    if operator:
        environ["MD_OPERATOR"] = operator
        environ["MD_PASSWORD"] = password
    environ.update(env or {})
    proc = subprocess.run([CLI] + args, input=stdin, capture_output=True, env=environ,
                          timeout=120)
    if proc.returncode != 0:
        raise RuntimeError("meterdesk-cli %s: %s" % (" ".join(args), proc.stderr.decode()))
    return proc.stdout.decode()


def make_template(out):
    tmp = tempfile.mkdtemp(prefix="md-template-", dir=os.path.dirname(os.path.abspath(out)))
    try:
        db = os.path.join(tmp, "template.db")
        cli(db, ["init", "--admin", "admin"], stdin=ADMIN_PW.encode() + b"\n")
        cli(db, ["operator", "add", "fin", "--role", "finance,utilization"], "admin", ADMIN_PW,
            env={"MD_NEW_PASSWORD": FIN_PW})
        for t in TERMINALS:
            cli(db, ["operator", "add", OPERATORS[t], "--role", "cashier"], "admin", ADMIN_PW,
                env={"MD_NEW_PASSWORD": CASHIER_PW})
        cli(db, ["tariff", "set", "--file",
                 os.path.join(SOURCE, "tests", "data", "tariffs", "res-2026.ini")], "fin", FIN_PW)
        cli(db, ["category", "add", "RES", "--name", "Residential", "--tariff", "RES-2026"],
            "fin", FIN_PW)
        for no in ACCOUNTS:
            cli(db, ["account", "open", "--no", no, "--name", "Account " + no, "--category", "RES",
                     "--billing", "system"], "fin", FIN_PW)
        for t in TERMINALS:
            env = {"MD_TERMINAL": t}
            cli(db, ["shift", "open", "--float", "100"], OPERATORS[t], CASHIER_PW, env=env)
        # The CLI closed the last connection: the log is checkpointed into
        # the file and removed, so the one file is the whole database.
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                raise RuntimeError("the template still has a %s file" % suffix)
        os.replace(db, out)
    finally:
        shutil.rmtree(tmp)


# --- where the databases live -----------------------------------------------

def work_dir(prefix):
    """A private directory for the test's databases.

    On tmpfs (/dev/shm) when there is one: a kill -9 keeps the page cache
    either way (RELIABILITY A10), the power-cut shim decides durability
    itself, and libfiu fails fsync itself, so the disk's fsync latency
    (several ms on this project's VMs) would only slow the runs down.
    MD_RELIABILITY_DIR chooses another place, e.g. a real disk."""
    base = os.environ.get("MD_RELIABILITY_DIR")
    if not base:
        base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
            else None
    path = tempfile.mkdtemp(prefix=prefix, dir=base)
    _work_dirs.append(path)
    return path


_work_dirs = []


def fresh_db(directory, name="sales.db"):
    path = os.path.join(directory, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    shutil.copyfile(TEMPLATE, path)
    os.chmod(path, 0o600)
    return path


def seed_from(args_seed):
    return args_seed if args_seed is not None else int.from_bytes(os.urandom(4), "little")


# --- what the sellers said ---------------------------------------------------

def key_terminal(key):
    return key.rsplit("-", 1)[0]


def key_index(key):
    return int(key.rsplit("-", 1)[1])


class Book:
    """Everything the cashiers were told, key by key."""

    def __init__(self):
        self.acked = {}       # key → receipt
        self.started = set()  # started, no answer
        self.absent = set()   # looked up after a failure: not sold
        self.replayed = set()
        self.in_doubt_acks = set()
        self.landed_posted = set()  # its commit failed, yet it was posted
        self.failures = []    # (key, text)
        self.unresolved = set()
        self.n_acks = 0

    def feed(self, output):
        """Reads a seller's output. A kill can cut the last line short; a
        line without its newline was never fully written, so it is skipped."""
        lines = output.split("\n")
        for line in lines[:-1]:
            f = line.split(" ")
            word = f[0]
            if word == "START":
                self.started.add(f[1])
                self.absent.discard(f[1])
            elif word == "ACK":
                key, receipt = f[1], f[2]
                if key in self.acked and self.acked[key] != receipt:
                    raise Failure("%s was ACKed as %s, then as %s" %
                                  (key, self.acked[key], receipt))
                self.acked[key] = receipt
                self.started.discard(key)
                self.absent.discard(key)
                self.unresolved.discard(key)
                self.n_acks += 1
                if "replayed" in f[3:]:
                    self.replayed.add(key)
                if "in-doubt" in f[3:]:
                    self.in_doubt_acks.add(key)
                if "was-posted" in f[3:]:
                    self.landed_posted.add(key)
            elif word == "FAIL":
                self.failures.append((f[1], line))
            elif word == "ABSENT":
                self.started.discard(f[1])
                self.absent.add(f[1])
            elif word == "UNRESOLVED":
                self.unresolved.add(f[1])
            elif word in ("READY", "RECOVERED", "FAULTS", "WRITES", "SYNCHRONOUS", "CRASH"):
                pass
            else:
                raise Failure("a seller printed %r" % line)

    def next_index(self, terminal, current):
        i = current
        while "%s-%d" % (terminal, i) in self.acked:
            i += 1
        return i

    def forget_lost(self, keys):
        """NORMAL's negative control: the cashier's receipt is gone from the
        database. The key is no longer ACKed; it may still be there as a
        pending sale whose posting was lost, which recovery posts again."""
        for key in keys:
            del self.acked[key]
            self.started.add(key)

    def write(self, path):
        with open(path, "w") as f:
            for key, receipt in sorted(self.acked.items()):
                f.write("acked %s %s\n" % (key, receipt))
            for key in sorted(self.started):
                f.write("started %s\n" % key)
            for key in sorted(self.absent):
                f.write("absent %s\n" % key)


def check(db, book, directory, final=False, allow_lost=False):
    """Runs the invariant checker; returns its report, raises Failure when an
    invariant does not hold."""
    expect = os.path.join(directory, "expect.txt")
    book.write(expect)
    args = [SELLER, "--check", "--db", db, "--expect", expect]
    if final:
        args.append("--final")
    if allow_lost:
        args.append("--allow-lost")
    proc = subprocess.run(args, capture_output=True, timeout=300)
    out = proc.stdout.decode()
    if proc.returncode not in (0, 1) or not out.strip():
        raise Failure("the checker could not run (%d): %s" % (proc.returncode,
                                                               proc.stderr.decode()))
    report = json.loads(out.strip().split("\n")[-1])
    if not report["ok"]:
        raise Failure("invariants broken:\n  " + "\n  ".join(report["problems"][:20]))
    return report


# --- running and killing sellers -----------------------------------------------

class Seller:
    def __init__(self, db, terminal, start, count, args=(), env=None, prefix=(), wait_go=False):
        self.terminal = terminal
        environ = dict(os.environ)
        environ["MD_PASSWORD"] = CASHIER_PW
        environ.pop("MD_TEST_SYNCHRONOUS", None)
        environ.update(env or {})
        cmd = list(prefix) + [SELLER, "--db", db, "--terminal", terminal,
                              "--operator", OPERATORS[terminal],
                              "--accounts", ",".join(ACCOUNTS),
                              "--start", str(start), "--count", str(count)] + list(args)
        if wait_go:
            cmd.append("--wait-go")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.PIPE if wait_go else subprocess.DEVNULL,
                                     env=environ)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.out = b""
        self.err = b""
        self.ready_at = None
        self.go_at = None if wait_go else self.started_at
        self.killed = False
        self.returncode = None

    def read(self):
        try:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        if self.ready_at is None and b"READY\n" in self.out + chunk:
            self.ready_at = time.monotonic()
        self.out += chunk
        return True

    def go(self):
        """Lets a --wait-go seller on; a dead one is left alone."""
        self.go_at = time.monotonic()
        try:
            self.proc.stdin.write(b"GO\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def working_since(self):
        """When the seller began its round: ready, and let go."""
        if self.ready_at is None or self.go_at is None:
            return None
        return max(self.ready_at, self.go_at)

    def kill(self):
        if not self.killed and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.killed = True

    def text(self):
        return self.out.decode("utf-8", "replace")


def run_sellers(sellers, timeout=120.0, kill_at=None):
    """Reads every seller's output until all have ended. kill_at(seller)
    gives the monotonic time to kill it at (or None), asked again after each
    read, so a deadline may hang on READY."""
    sel = selectors.DefaultSelector()
    for s in sellers:
        sel.register(s.proc.stdout, selectors.EVENT_READ, s)
    open_pipes = len(sellers)
    end = time.monotonic() + timeout
    while open_pipes > 0:
        now = time.monotonic()
        if now > end:
            for s in sellers:
                s.kill()
            raise Failure("sellers still running after %.0f s" % timeout)
        wait = end - now
        if kill_at is not None:
            for s in sellers:
                if s.killed or s.proc.poll() is not None:
                    continue
                at = kill_at(s)
                if at is None:
                    continue
                if at <= now:
                    s.kill()
                else:
                    wait = min(wait, at - now)
        for event, _ in sel.select(timeout=max(wait, 0)):
            s = event.data
            if not s.read():
                sel.unregister(s.proc.stdout)
                open_pipes -= 1
    sel.close()
    for s in sellers:
        s.returncode = s.proc.wait(timeout=30)
        if s.proc.stdin is not None and not s.proc.stdin.closed:
            s.proc.stdin.close()
        s.err = s.proc.stderr.read()
        s.proc.stdout.close()
        s.proc.stderr.close()
    return sellers


def remove_shm(db):
    """After a power cut the wal-index is rebuilt from the log (it is shared
    memory in SQLite's design; the unix VFS would also reset it)."""
    if os.path.exists(db + "-shm"):
        os.unlink(db + "-shm")


def settle(db, book, directory, terminals, args=(), env=None):
    """Starts each terminal once without faults or kills: it settles its
    pending sales, and no more."""
    sellers = [Seller(db, t, 0, 0, args=args, env=env) for t in terminals]
    run_sellers(sellers)
    for s in sellers:
        book.feed(s.text())
        if s.returncode != 0:
            raise Failure("recovery at %s failed (%d): %s" % (s.terminal, s.returncode,
                                                              s.err.decode()))


def closing_line(passed, failed):
    print("%d passed, %d failed" % (passed, failed), flush=True)


def main_wrapper(run, argv_seed, describe):
    """Runs a test body; on a broken invariant prints how to replay it."""
    try:
        run()
    except Failure as e:
        log("FAILED: %s" % e)
        log("replay with: %s --seed %d" % (describe, argv_seed))
        for path in _work_dirs:
            log("the databases are kept in %s" % path)
        closing_line(0, 1)
        sys.exit(1)
    for path in _work_dirs:
        shutil.rmtree(path, ignore_errors=True)
    closing_line(1, 0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "template":
        make_template(sys.argv[2])
    else:
        print("usage: mdrel.py template OUT", file=sys.stderr)
        sys.exit(2)
