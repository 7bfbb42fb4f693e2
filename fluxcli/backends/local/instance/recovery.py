"""Adopting what a previous instance process left: jobs still active in the store."""

from __future__ import annotations

import json
import time

from .job import Job


def recover(manager) -> None:
    """Re-adopt jobs left active; those that were running end with an exception (at most once)."""
    for record in manager.store.active_jobs():
        text = manager.store.jobspec(record["id"])
        jobspec = json.loads(text)
        job = Job(
            record["id"],
            record["userid"],
            record["urgency"],
            record["flags"],
            jobspec,
            record["name"],
            record["t_submit"],
        )
        job.duration = record["duration"] or 0.0
        job.umask = record["umask"] if record["umask"] is not None else 0o022
        for log in ("eventlog", "exec", "output"):
            job.seq[log] = manager.store.last_seq(job.id, log)
        job.state = record["state"]
        manager.jobs[job.id] = job
        manager.post(job, "flux-restart", {})
        if job.state in ("RUN", "CLEANUP"):
            job.t_run = record["t_run"]
            manager.raise_exception(job, "exec", 0, "job was running when the instance stopped")
            job.alloc = None
            manager.set_state(job, "CLEANUP", t_cleanup=time.time())
            manager.post(job, "release", {"ranks": "all", "final": True})
            manager.post(job, "free", {})
            manager.clean(job, None)
        else:
            manager.dependencies.readd(job)
            manager.plan(job)
            manager.set_state(job, "DEPEND")
            manager.maybe_depend(job)
