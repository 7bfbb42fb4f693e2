"""Purging inactive jobs: fx job purge, and the instance's own FX_PURGE_* limits."""

from __future__ import annotations

import sqlite3
import time

import pytest
from conftest import stop_instance


@pytest.fixture
def instance(private_instance, private_fx):
    """(state dir, runner) of a private instance."""
    return private_instance[0], private_fx


def run_jobs(fx, count: int, extra=None) -> list[str]:
    """Run ``count`` jobs one after the other (so they end in id order)."""
    ids = []
    for _ in range(count):
        code, out, err = fx("fxsub", "true", extra=extra)
        assert code == 0, err
        ids.append(out.strip())
        assert fx("fx", "job", "wait-event", ids[-1], "clean")[0] == 0
    return ids


def rows(state, sql: str) -> int:
    db = sqlite3.connect(f"file:{state / 'jobs.db'}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_purge_counts_then_forces(instance):
    state, fx = instance
    ids = run_jobs(fx, 5)
    assert fx("fx", "job", "purge") == (0, "use --force to purge 0 of 5 inactive jobs\n", "")
    assert fx("fx", "job", "purge", "--num-limit=-1") == (
        0,
        "use --force to purge 0 of 5 inactive jobs\n",
        "",
    )
    assert fx("fx", "job", "purge", "--num-limit=2") == (
        0,
        "use --force to purge 3 of 5 inactive jobs\n",
        "",
    )
    assert fx("fx", "job", "purge", "--num-limit=2", "-f") == (
        0,
        "purged 3 inactive jobs, 2 remaining\n",
        "",
    )
    # the oldest went: their records, eventlogs and output are gone from the database
    for jobid in ids[:3]:
        assert fx("fx", "job", "eventlog", jobid) == (
            1,
            "",
            f"fx job: error: job {jobid} not found\n",
        )
    assert rows(state, "SELECT COUNT(*) FROM jobs") == 2
    assert rows(state, "SELECT COUNT(DISTINCT jobid) FROM events") == 2
    assert fx("fx", "job", "purge", "--age-limit=1h", "-f") == (
        0,
        "purged 0 inactive jobs, 2 remaining\n",
        "",
    )
    assert fx("fx", "job", "purge", ids[3]) == (
        0,
        "use --force to purge 1 of 2 inactive jobs\n",
        "",
    )
    assert fx("fx", "job", "purge", "-f", ids[3]) == (
        0,
        "purged 1 inactive jobs, 1 remaining\n",
        "",
    )
    assert fx("fx", "job", "purge", "-f", ids[3]) == (1, "", "fx job: error: purge: id not found\n")
    time.sleep(0.2)
    assert fx("fx", "job", "purge", "--age-limit=0.1s", "-f") == (
        0,
        "purged 1 inactive jobs, 0 remaining\n",
        "",
    )
    # ids are never issued twice, even once the newest job was purged and the instance restarted
    stop_instance(state)
    newer = run_jobs(fx, 1)[0]
    assert int(fx("fx", "job", "id", newer)[1]) > int(fx("fx", "job", "id", ids[-1])[1])


def test_purge_in_batches(instance):
    _, fx = instance
    run_jobs(fx, 7)
    assert fx("fx", "job", "purge", "--num-limit=0", "--batch=2", "-f") == (
        0,
        "purged 7 inactive jobs, 0 remaining\n",
        "",
    )
    assert fx("fx", "job", "purge", "--num-limit=0", "--batch=500", "-f") == (
        1,
        "",
        "fx job: error: purge: batch must be >= 1 and <= 100\n",
    )


def test_active_jobs_are_never_purged(instance):
    _, fx = instance
    code, out, _ = fx("fxsub", "sleep", "300")
    jobid = out.strip()
    assert fx("fx", "job", "purge", jobid) == (
        1,
        "",
        "fx job: error: purge: cannot purge active job\n",
    )
    assert fx("fx", "job", "purge", "--num-limit=0", "-f") == (
        0,
        "purged 0 inactive jobs, 0 remaining\n",
        "",
    )
    assert fx("fxcancel", jobid)[0] == 0


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_instance_keeps_at_most_num_limit(instance):
    state, fx = instance
    limit = {"FX_PURGE_NUM_LIMIT": "3"}
    ids = run_jobs(fx, 8, extra=limit)
    wait_until(lambda: rows(state, "SELECT COUNT(*) FROM jobs") == 3)
    code, out, _ = fx("fxjobs", "-a", "-n")
    kept = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and sorted(kept) == sorted(ids[-3:])


def test_instance_forgets_jobs_older_than_age_limit(instance):
    state, fx = instance
    run_jobs(fx, 3, extra={"FX_PURGE_AGE_LIMIT": "1s"})
    wait_until(lambda: rows(state, "SELECT COUNT(*) FROM jobs") == 0)
    assert rows(state, "SELECT COUNT(*) FROM events") == 0


@pytest.mark.parametrize(
    "var,value,message",
    [
        ("FX_PURGE_AGE_LIMIT", "soon", "FX_PURGE_AGE_LIMIT=soon: must be a duration (e.g. 7d)"),
        ("FX_PURGE_AGE_LIMIT", "-1s", "FX_PURGE_AGE_LIMIT=-1s: must be a duration (e.g. 7d)"),
        ("FX_PURGE_NUM_LIMIT", "ten", "FX_PURGE_NUM_LIMIT=ten: must be a whole number of jobs"),
    ],
)
def test_bad_limits_are_one_line(instance, var, value, message):
    _, fx = instance
    assert fx("fxsub", "true", extra={var: value}) == (1, "", f"fxsub: error: {message}\n")


def test_purge_limits_parse():
    from fluxcli.settings import purge_limits

    assert purge_limits({}) == (None, None)
    assert purge_limits({"FX_PURGE_AGE_LIMIT": "7d", "FX_PURGE_NUM_LIMIT": "100"}) == (
        604800.0,
        100,
    )
    assert purge_limits({"FX_PURGE_AGE_LIMIT": "inf"}) == (None, None)
