"""list_jobs on Slurm: squeue for what Slurm remembers, sacct (or the saved final states) for the rest."""

from __future__ import annotations

import os

from ..contract import JobFilter, JobRecord
from . import client
from .events import record
from .jobids import parse_id


def _candidates(backend, filter: JobFilter) -> dict[int, dict]:  # noqa: A002
    if filter.ids is not None:
        return {i: s for i, s in backend._fetch({int(i) for i in filter.ids}).items() if s}
    found: dict[int, dict] = {}
    wants_inactive = (
        filter.states is None or "INACTIVE" in filter.states or filter.results is not None
    )
    if wants_inactive:
        for name in backend.files.names():  # finals saved while Slurm remembered them
            try:
                jobid = parse_id(name)
            except ValueError:
                continue
            final = backend.saved(jobid).get("final")
            if final:
                found[jobid] = final
        if backend.accounting:
            found.update(client.sacct(None, since=filter.since))
    found.update(client.squeue(None))
    return found


def list_jobs(backend, filter: JobFilter) -> list[JobRecord]:  # noqa: A002
    """Jobs matching ``filter`` (see JobFilter), newest first."""
    if filter.ids is not None and not filter.ids:
        return []
    records = []
    own_uid = os.getuid()
    for jobid, snap in _candidates(backend, filter).items():
        rec = record(snap, backend.saved(jobid), backend.format_id(jobid))
        if filter.matches(rec, own_uid):
            records.append(rec)
    records.sort(key=lambda r: r.id, reverse=True)
    return records[: filter.limit] if filter.limit else records
