"""Purging 100,000 inactive jobs: how long each bounded batch holds the instance, and the total.

The instance purges by its limits one batch (500 jobs, one transaction) per
second, so no request waits behind a long delete. Shown beside the baseline
measured in the same run: one unbatched DELETE of the same jobs (the stall a
single purge would cause). Then, as a whole command against a running
instance, ``fx job purge --num-limit=0 --force`` (requests of 50 jobs).

Run: .venv/bin/python bench/purge.py [NJOBS]
"""

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from common import BIN, report
from jobs_listing import build

from fluxcli.backends.local.instance.manager import WAL_LIMIT
from fluxcli.backends.local.instance.purge import AUTO_BATCH, Purger
from fluxcli.backends.local.instance.store import Store

NJOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


class Manager:
    """What a Purger needs of the job manager: the store, and a commit."""

    def __init__(self, store: Store):
        self.store = store

    def flush(self) -> None:  # as JobManager.flush: commit, keep the write-ahead log short
        self.store.commit()
        if self.store.wal_size() > WAL_LIMIT:
            self.store.checkpoint(truncate=True)


def live_pages(path: str) -> int:
    db = sqlite3.connect(path)
    try:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        size = db.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size
    finally:
        db.close()


def unbatched(path: str) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    began = time.perf_counter()
    db.execute("BEGIN")
    db.execute("DELETE FROM events")
    db.execute("DELETE FROM jobs")
    db.execute("COMMIT")
    elapsed = time.perf_counter() - began
    db.close()
    return elapsed


def batched(path: str) -> list[float]:
    store = Store(path)
    purger = Purger(Manager(store), None, 0)
    ticks = []
    while True:
        began = time.perf_counter()
        count = purger.tick()
        ticks.append(time.perf_counter() - began)
        if count < AUTO_BATCH:
            break
    store.checkpoint(truncate=True)
    store.close()
    return ticks


def whole_command(state: str) -> float:
    env = dict(os.environ, FX_STATE_DIR=state)
    fx = os.path.join(BIN, "fx")
    subprocess.run([fx, "instance", "start"], env=env, check=True)
    try:
        began = time.perf_counter()
        proc = subprocess.run(
            [fx, "job", "purge", "--num-limit=0", "--force"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - began
        print(proc.stdout.strip())
        return elapsed
    finally:
        subprocess.run([fx, "instance", "stop"], env=env, check=False)


def main() -> None:
    work = tempfile.mkdtemp(prefix="fx-purge-bench-")
    os.chmod(work, 0o700)
    try:
        state = os.path.join(work, "state")
        os.mkdir(state, 0o700)
        db = os.path.join(state, "jobs.db")
        began = time.perf_counter()
        build(db, NJOBS)
        print(f"built {NJOBS} inactive jobs in {time.perf_counter() - began:.1f} s")
        copies = []
        for name in ("unbatched.db", "batched.db"):
            shutil.copy(db, os.path.join(work, name))
            copies.append(os.path.join(work, name))
        before = live_pages(copies[1])
        stall = unbatched(copies[0])
        ticks = batched(copies[1])
        command = whole_command(state)
        report(
            [
                ("baseline: one unbatched DELETE (s)", stall, "s"),
                (f"auto purge: longest batch of {AUTO_BATCH} (s)", max(ticks), "s"),
                (f"auto purge: median batch of {AUTO_BATCH} (s)", statistics.median(ticks), "s"),
                ("auto purge: all batches (s)", sum(ticks), "s"),
                ("auto purge: jobs per second", NJOBS / sum(ticks), "jobs/s"),
                ("fx job purge --num-limit=0 -f, whole command (s)", command, "s"),
                ("database in use before (MB)", before / 1e6, "MB"),
                ("database in use after (MB)", live_pages(copies[1]) / 1e6, "MB"),
            ]
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
