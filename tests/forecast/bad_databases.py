"""Databases the records store must refuse, made for real: damaged, foreign, read-only, locked."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from resque_core.forecast.records import RecordStore
from tests.records_fixtures import synthetic_records


def filled_store(path):
    store = RecordStore(path)
    store.add(synthetic_records(40))
    return store


def random_bytes(path):
    path.write_bytes(os.urandom(16384))


def truncated(path):
    filled_store(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def other_tables(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    conn.close()


def foreign_records_table(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE records (id INTEGER PRIMARY KEY, artist TEXT, title TEXT)")
        conn.execute("INSERT INTO records (artist, title) VALUES ('Nina Simone', 'Pastel Blues')")
    conn.close()


BAD = {
    "random bytes": (random_bytes, "is damaged or not an SQLite file"),
    "truncated": (truncated, "is damaged or not an SQLite file"),
    "other tables": (other_tables, "is not a RESQUE records database (it holds other tables: invoices)"),
    "foreign records table": (foreign_records_table, "its records table has columns id, artist, title"),
}


class Immutable:
    """Make a path read-only for this process: chmod, and for root (whom chmod does not stop) ``chattr +i``."""

    def __init__(self, path):
        self.path, self.chattr = path, False

    def __enter__(self):
        self.mode = self.path.stat().st_mode
        self.path.chmod(0o555 if self.path.is_dir() else 0o444)
        if os.geteuid() == 0 and shutil.which("chattr"):
            self.chattr = subprocess.run(["chattr", "+i", str(self.path)], capture_output=True).returncode == 0
        probe = self.path / "probe" if self.path.is_dir() else self.path
        try:
            with open(probe, "a"):
                pass
        except OSError:
            return self
        self.__exit__()
        pytest.skip("cannot make a path read-only here (root without chattr)")

    def __exit__(self, *exc):
        if self.chattr:
            subprocess.run(["chattr", "-i", str(self.path)], check=True)
        self.path.chmod(self.mode)


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("released", flush=True)
"""


def lock(path):
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    return holder


def release(holder):
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "released"
    assert holder.wait(timeout=60) == 0
