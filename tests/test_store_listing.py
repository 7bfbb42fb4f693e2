"""The local instance's job store: listing orders, listed extras and statistics."""

from __future__ import annotations

import pytest

from fluxcli.backends.local.instance.store import Store


def _job(store: Store, jobid: int, state: str, **fields) -> None:
    base = dict(id=jobid, userid=0, urgency=16, priority=16, flags=0, state=state, name=f"j{jobid}")
    base.update(t_submit=float(jobid), ntasks=1, ncores=1, nnodes=1, duration=0.0, umask=0o22)
    store.insert_job(base, '{"attributes": {"system": {"cwd": "/w"}}}')
    if fields:
        store.update_job(jobid, **fields)


@pytest.fixture
def store(tmp_path):
    store = Store(str(tmp_path / "jobs.db"))
    # submitted 1..6; job 1 ended last, job 2 first; 3 and 4 run; 5 and 6 wait
    _job(store, 1, "INACTIVE", t_inactive=100.0, result="COMPLETED", cputime=1.5, maxrss=10)
    _job(store, 2, "INACTIVE", t_inactive=50.0, result="FAILED", cputime=0.5, maxrss=20)
    _job(store, 3, "RUN", t_run=10.0)
    _job(store, 4, "RUN", t_run=20.0)
    _job(store, 5, "SCHED", priority=0)
    _job(store, 6, "SCHED", priority=16)
    store.append_event(6, "eventlog", 0, "dependency-add", {"description": "after-success=f1"})
    store.append_event(6, "eventlog", 1, "dependency-add", {"description": "begin-time=5.0"})
    store.append_event(6, "eventlog", 2, "dependency-remove", {"description": "begin-time=5.0"})
    store.append_event(3, "eventlog", 0, "alloc", {"annotations": {"sched": {"x": 1}}})
    store.append_event(3, "eventlog", 1, "memo", {"uri": "local:///s"})
    store.commit()
    yield store
    store.close()


def ids(records) -> list[int]:
    return [r["id"] for r in records]


def test_newest_first_by_default(store):
    assert ids(store.list_jobs(limit=0)) == [6, 5, 4, 3, 2, 1]
    assert ids(store.list_jobs(limit=2, states=["INACTIVE"])) == [2, 1]


def test_job_list_order_and_its_limit(store):
    assert ids(store.list_jobs(limit=0, order="job-list")) == [6, 5, 4, 3, 1, 2]
    assert ids(store.list_jobs(limit=3, order="job-list")) == [6, 5, 4]
    assert ids(store.list_jobs(limit=5, order="job-list", results=["FAILED"])) == [2]
    both = store.list_jobs(limit=0, order="job-list", states=["SCHED"], results=["COMPLETED"])
    assert ids(both) == [6, 5, 1]


def test_listed_extras(store):
    six, three = store.job(6), store.job(3)
    assert six["dependencies"] == ["after-success=f1"] and six["cwd"] == "/w"
    assert three["annotations"] == {"sched": {"x": 1}, "user": {"uri": "local:///s"}}


def test_stats(store):
    stats = store.stats()
    assert stats["states"]["INACTIVE"] == 2 and stats["states"]["RUN"] == 2
    assert stats["states"]["SCHED"] == 2 and stats["states"]["NEW"] == 0
    assert stats["results"] == {"COMPLETED": 1, "FAILED": 1, "CANCELED": 0, "TIMEOUT": 0}
    assert (stats["cputime"], stats["maxrss"], stats["inactive_purged"]) == (2.0, 30, 0)
