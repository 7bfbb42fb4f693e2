"""SQLite (WAL) storage of jobs, their eventlogs and captured output.

Writes are grouped: callers append within the event loop and ``commit()``
runs once per loop turn, before any client is told about what was written,
so nothing a client has seen is lost when the instance is killed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from typing import Any

from fluxcli.jobspec.status import ACTIVE_STATES, STATES

from .listed import LISTED, filter_clauses, job_list_order, listed_record

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    userid INTEGER, urgency INTEGER, priority INTEGER, flags INTEGER,
    state TEXT, name TEXT, jobspec TEXT,
    t_submit REAL, t_depend REAL, t_run REAL, t_cleanup REAL, t_inactive REAL,
    ntasks INTEGER, ncores INTEGER, nnodes INTEGER, duration REAL,
    result TEXT, waitstatus INTEGER, exception_type TEXT, exception_note TEXT,
    exception_severity INTEGER, ranks TEXT, pids TEXT, waited INTEGER DEFAULT 0,
    umask INTEGER, output_paths TEXT, cputime REAL, maxrss INTEGER, nodelist TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_state_ended ON jobs(state, t_inactive);
CREATE INDEX IF NOT EXISTS jobs_stats ON jobs(state, result, cputime, maxrss);
CREATE INDEX IF NOT EXISTS jobs_ended ON jobs(t_inactive) WHERE state='INACTIVE';
CREATE TABLE IF NOT EXISTS events (
    jobid INTEGER, log TEXT, seq INTEGER, timestamp REAL, name TEXT, context TEXT,
    PRIMARY KEY (jobid, log, seq)
) WITHOUT ROWID;
"""
INSERT_JOB = (
    "INSERT INTO jobs (id, userid, urgency, priority, flags, state, name, jobspec, "
    "t_submit, ntasks, ncores, nnodes, duration, umask) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
ADDED_COLUMNS = {
    "umask": "INTEGER",
    "output_paths": "TEXT",
    "cputime": "REAL",
    "maxrss": "INTEGER",
    "nodelist": "TEXT",
}
JOB_FIELDS = (
    "id userid urgency priority flags state name t_submit t_depend t_run t_cleanup "
    "t_inactive ntasks ncores nnodes duration result waitstatus exception_type "
    "exception_note exception_severity ranks waited umask output_paths cputime maxrss nodelist"
).split()
SELECT_LISTED = "SELECT " + ", ".join([*JOB_FIELDS, *LISTED.values()]) + " FROM jobs"


class StoreError(Exception):
    """A commit failed (typically: no space left); nothing written since the last commit is lost."""


class Store:
    """Persistent job records; one connection, used from the event-loop thread.

    Every write since the last successful commit is kept until the next one
    succeeds: when a commit fails (a full disk), the transaction is rolled
    back and the same writes are replayed by the next commit.
    """

    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: commits survive the instance being killed (the OS
        # holds the data); only checkpoints fsync
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA wal_autocheckpoint=0")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(jobs)")}
        for column, kind in ADDED_COLUMNS.items():  # a database from an older version
            if column not in columns:
                self.db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")
        self.db.execute("BEGIN")
        self.dirty = False
        self.pending_inserts: list[tuple] = []
        self.pending_meta: list[tuple] = []
        self.pending_events: list[tuple] = []
        self.pending_updates: dict[int, dict] = {}
        self.unsaved: list[tuple[str, list]] = []  # executed since the last commit
        self.failed = False  # the last commit failed: the transaction holds nothing
        self.writes = 0  # writes buffered so far (a request that adds none wrote nothing)

    def _run(self, sql: str, rows: list) -> None:
        self.unsaved.append((sql, rows))
        if not self.failed:
            self.db.executemany(sql, rows)

    def _replay(self) -> None:
        """After a failed commit: put what it rolled back into the new transaction."""
        try:
            for sql, rows in self.unsaved:
                self.db.executemany(sql, rows)
            self.failed = False
        except sqlite3.Error:
            self.db.execute("ROLLBACK")
            self.db.execute("BEGIN")

    def _write_pending(self) -> None:
        """Send buffered rows to SQLite (one executemany per table)."""
        if self.failed:
            self._replay()
        if self.pending_inserts:
            self._run(INSERT_JOB, self.pending_inserts)
            self.pending_inserts = []
        if self.pending_meta:
            self._run("INSERT OR REPLACE INTO meta VALUES (?, ?)", self.pending_meta)
            self.pending_meta = []
        if self.pending_events:
            self._run("INSERT INTO events VALUES (?,?,?,?,?,?)", self.pending_events)
            self.pending_events = []
        if self.pending_updates:
            for jobid, fields in self.pending_updates.items():
                names = sorted(fields)  # one SQL text per column set: the statement cache hits
                cols = ", ".join(f"{k}=?" for k in names)
                values = [fields[k] for k in names]
                self._run(f"UPDATE jobs SET {cols} WHERE id=?", [(*values, jobid)])
            self.pending_updates = {}

    def commit(self) -> None:
        """Make everything written so far durable (StoreError when it cannot be, yet)."""
        try:
            self._write_pending()
            if self.failed:
                raise sqlite3.OperationalError("database or disk is full")
            if self.dirty:
                self.db.execute("COMMIT")
                self.db.execute("BEGIN")
                self.dirty = False
            self.unsaved = []
        except sqlite3.Error as exc:
            self.failed = True
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            try:
                self.db.execute("BEGIN")
            except sqlite3.Error:
                pass
            raise StoreError(str(exc)) from exc

    def checkpoint(self, truncate: bool = False) -> None:
        """Fold the write-ahead log into the database (TRUNCATE also empties the file).

        Skipped while commits fail (a full disk): the job manager retries those.
        """
        try:
            self.commit()
        except StoreError:
            return
        self.db.execute("COMMIT")
        try:
            self.db.execute(f"PRAGMA wal_checkpoint({'TRUNCATE' if truncate else 'PASSIVE'})")
        except sqlite3.Error:
            pass  # a full disk: the next checkpoint tries again
        finally:
            self.db.execute("BEGIN")

    def wal_size(self) -> int:
        """Bytes in the write-ahead log."""
        try:
            return os.stat(self.path + "-wal").st_size
        except OSError:
            return 0

    def close(self) -> None:
        """Commit and close; what cannot be committed (a full disk) is said, not raised:
        the next instance adopts the jobs it concerns as still active."""
        try:
            self.commit()
        except StoreError as exc:
            print(f"job database: last changes not saved: {exc}", file=sys.stderr, flush=True)
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error:
            pass
        self.db.close()

    # metadata
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """A value of the metadata table."""
        self._write_pending()
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store a metadata value."""
        self.writes += 1
        self.pending_meta.append((key, value))
        self.dirty = True

    # jobs
    def insert_job(self, record: dict, jobspec: str) -> None:
        """Add a new job record."""
        self.writes += 1
        self.pending_inserts.append(
            (
                record["id"],
                record["userid"],
                record["urgency"],
                record["priority"],
                record["flags"],
                record["state"],
                record["name"],
                jobspec,
                record["t_submit"],
                record["ntasks"],
                record["ncores"],
                record["nnodes"],
                record["duration"],
                record["umask"],
            )
        )
        self.dirty = True

    def update_job(self, jobid: int, **fields: Any) -> None:
        """Update some columns of a job."""
        self.writes += 1
        self.pending_updates.setdefault(jobid, {}).update(fields)
        self.dirty = True

    def job(self, jobid: int) -> dict | None:
        """A job's record (without its jobspec), or None."""
        self._write_pending()
        row = self.db.execute(f"{SELECT_LISTED} WHERE id=?", (jobid,)).fetchone()
        return _listed(row) if row else None

    def allocation(self, jobid: int) -> dict | None:
        """The cores and GPUs a job was given (``resources.Allocation.to_dict``), or None."""
        self._write_pending()
        row = self.db.execute("SELECT ranks FROM jobs WHERE id=?", (jobid,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def jobspec(self, jobid: int) -> str | None:
        """A job's jobspec text."""
        self._write_pending()
        row = self.db.execute("SELECT jobspec FROM jobs WHERE id=?", (jobid,)).fetchone()
        return row[0] if row else None

    def active_jobs(self) -> list[dict]:
        """Every job not yet INACTIVE, oldest first."""
        self._write_pending()
        marks = ",".join("?" * len(ACTIVE_STATES))
        rows = self.db.execute(
            f"SELECT {', '.join(JOB_FIELDS)} FROM jobs WHERE state IN ({marks}) ORDER BY id",
            ACTIVE_STATES,
        ).fetchall()
        return [_record(row) for row in rows]

    def max_jobid(self) -> int:
        """The highest job id ever issued (ids keep growing across restarts)."""
        row = self.db.execute("SELECT MAX(id) FROM jobs").fetchone()
        return max(row[0] or 0, int(self.get_meta("max_jobid", "0") or 0))

    def list_jobs(
        self,
        limit: int = 100,
        states: list[str] | None = None,
        results: list[str] | None = None,
        userid: int | None = None,
        name: str | None = None,
        queue: str | None = None,
        since: float | None = None,
        ids: list[int] | None = None,
        order: str = "newest",
    ) -> list[dict]:
        """Jobs selected as ``contract.JobFilter`` describes, newest first, or with ``order``
        "job-list" in flux-core's order (one indexed query per group of states)."""
        self._write_pending()
        clauses, args, states = filter_clauses(ids, states, results, userid, name, queue, since)
        if order == "job-list":
            return job_list_order(
                self.db, SELECT_LISTED, clauses, args, states, results, limit, _listed
            )
        sql = SELECT_LISTED
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_listed(row) for row in self.db.execute(sql, args)]

    def stats(self) -> dict:
        """Counts of every user's jobs by state and by result, with their CPU time and peak RSS
        summed (what ``flux jobs --stats`` shows, plus the accounting)."""
        self._write_pending()
        states = dict.fromkeys(STATES, 0)
        results = dict.fromkeys(("COMPLETED", "FAILED", "CANCELED", "TIMEOUT"), 0)
        cputime, maxrss = 0.0, 0
        rows = self.db.execute(
            "SELECT state, result, COUNT(*), TOTAL(cputime), TOTAL(maxrss) FROM jobs "
            "GROUP BY state, result"
        )
        for state, result, count, cpu, rss in rows:
            states[state] = states.get(state, 0) + count
            if state == "INACTIVE" and result:
                results[result] = results.get(result, 0) + count
            cputime += cpu
            maxrss += int(rss)
        purged = int(self.get_meta("inactive_purged", "0") or 0)
        return {
            "states": states,
            "results": results,
            "inactive_purged": purged,
            "cputime": cputime,
            "maxrss": maxrss,
        }

    def waitable(self, userid: int) -> tuple[list[int], list[int]]:
        """A user's waitable jobs whose result nobody took: (inactive, oldest first; active)."""
        self._write_pending()
        rows = self.db.execute(
            "SELECT id, state FROM jobs WHERE userid=? AND flags & 4 AND waited=0 ORDER BY t_inactive",
            (userid,),
        ).fetchall()
        finished = [jobid for jobid, state in rows if state == "INACTIVE"]
        return finished, [jobid for jobid, state in rows if state != "INACTIVE"]

    def purgeable(self, age_limit: float | None, num_limit: int | None, now: float) -> int:
        """How many of the oldest inactive jobs exceed an age limit (seconds) or a number."""
        self._write_pending()
        total = self.db.execute("SELECT COUNT(*) FROM jobs WHERE state='INACTIVE'").fetchone()[0]
        count = 0 if num_limit is None else max(0, total - num_limit)
        if age_limit is not None:
            old = self.db.execute(
                "SELECT COUNT(*) FROM jobs INDEXED BY jobs_ended "
                "WHERE state='INACTIVE' AND t_inactive < ?",
                (now - age_limit,),
            ).fetchone()[0]
            count = max(count, old)
        return count

    def oldest_inactive(self, count: int) -> list[int]:
        """The ids of the ``count`` jobs that became inactive first."""
        self._write_pending()
        rows = self.db.execute(
            "SELECT id FROM jobs INDEXED BY jobs_ended WHERE state='INACTIVE' "
            "ORDER BY t_inactive LIMIT ?",
            (count,),
        )
        return [row[0] for row in rows]

    def delete_jobs(self, ids: list[int]) -> None:
        """Forget these jobs: their records, eventlogs and output (part of the next commit)."""
        self._write_pending()
        rows = [(jobid,) for jobid in ids]
        self.set_meta("max_jobid", str(self.max_jobid()))  # ids are never issued twice
        purged = int(self.get_meta("inactive_purged", "0") or 0)
        self.set_meta("inactive_purged", str(purged + len(ids)))
        self._run("DELETE FROM events WHERE jobid=?", rows)
        self._run("DELETE FROM jobs WHERE id=?", rows)
        self.writes += len(rows)
        self.dirty = True

    def counts(self) -> dict[str, int]:
        """Number of jobs in each state."""
        self._write_pending()
        return dict(self.db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())

    # eventlogs
    def append_event(
        self,
        jobid: int,
        log: str,
        seq: int,
        name: str,
        context: dict,
        timestamp: float | None = None,
    ) -> dict:
        """Append an event to a job's eventlog; return it as an RFC 18 event dict."""
        self.writes += 1
        ts = time.time() if timestamp is None else timestamp
        text = json.dumps(context, separators=(",", ":")) if context else None
        self.pending_events.append((jobid, log, seq, ts, name, text))
        self.dirty = True
        event = {"timestamp": ts, "name": name}
        if context:
            event["context"] = context
        return event

    def events(self, jobid: int, log: str, start: int = 0) -> Iterator[tuple[int, dict]]:
        """``(seq, event)`` of a job's eventlog from ``start``."""
        self._write_pending()
        rows = self.db.execute(
            "SELECT seq, timestamp, name, context FROM events WHERE jobid=? AND log=? AND seq>=? ORDER BY seq",
            (jobid, log, start),
        )
        for seq, ts, name, context in rows.fetchall():
            event = {"timestamp": ts, "name": name}
            if context:
                event["context"] = json.loads(context)
            yield seq, event

    def last_seq(self, jobid: int, log: str) -> int:
        """The sequence number the next event of this log gets."""
        self._write_pending()
        row = self.db.execute(
            "SELECT MAX(seq) FROM events WHERE jobid=? AND log=?", (jobid, log)
        ).fetchone()
        return 0 if row[0] is None else row[0] + 1


def _record(row: tuple) -> dict:
    """A job row as a dict (list-valued columns decoded)."""
    record = dict(zip(JOB_FIELDS, row, strict=True))
    record["output_paths"] = json.loads(record["output_paths"] or "[]")
    record["nodelist"] = record["nodelist"] or ""
    return record


def _listed(row: tuple) -> dict:
    """A row of SELECT_LISTED as a dict: the job's record and what listings add."""
    return listed_record(_record(row[: len(JOB_FIELDS)]), row[len(JOB_FIELDS) :])
