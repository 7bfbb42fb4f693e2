"""Flux's job-list answers as JobRecords, and JobFilter as job-list selects jobs."""

from __future__ import annotations

import os

from fluxcli.jobspec.status import JobResult, JobState

from ..contract import JobFilter, JobRecord

ANY_USER = 0xFFFFFFFF  # FLUX_USERID_UNKNOWN: every user's jobs
# job-list keys that are JobRecord fields under the same name
_SAME = (
    "id userid urgency priority t_submit t_depend t_run t_cleanup t_inactive name ntasks "
    "ncores nnodes nodelist duration waitstatus exception_type exception_note "
    "exception_severity cwd queue"
).split()


def record(job: dict) -> JobRecord:
    """A JobRecord from one job of a job-list reply (state and result as names)."""
    fields = {key: job[key] for key in _SAME if key in job}
    fields["state"] = JobState(job["state"]).name
    if job.get("result"):
        fields["result"] = JobResult(job["result"]).name
    if not job.get("exception_occurred"):
        for key in ("exception_type", "exception_note", "exception_severity"):
            fields.pop(key, None)
    fields["native_id"] = str(job["id"])
    return JobRecord(**fields)


def output_paths(jobspec: dict, jobid: int, cwd: str | None) -> list[str]:
    """The files a job's output went to (its shell's ``output`` option, rendered)."""
    from fluxcli.jobspec.templates import render

    system = jobspec.get("attributes", {}).get("system", {})
    output = system.get("shell", {}).get("options", {}).get("output", {})
    job = {"id": jobid, "name": system.get("job", {}).get("name", "")}
    paths = []
    for stream in ("stdout", "stderr"):
        template = (output.get(stream) or {}).get("path")
        if template:
            path = os.path.join(cwd or system.get("cwd") or "", render(template, job))
            if path not in paths:
                paths.append(path)
    return paths


def bits(names, enum) -> int:
    """State or result names as job-list's bit mask."""
    mask = 0
    for name in names or ():
        mask |= enum[name.upper()]
    return mask


def list_args(filter: JobFilter, own_uid: int) -> dict:  # noqa: A002
    """The arguments of ``flux.job.job_list`` for ``filter`` (all but ``ids``)."""
    userid = own_uid if filter.userid is None else filter.userid
    return {
        "max_entries": filter.limit or 0,
        "userid": ANY_USER if userid == -1 else userid,
        "states": bits(filter.states, JobState),
        "results": bits(filter.results, JobResult),
        "since": filter.since or 0.0,
        "name": filter.name,
        "queue": filter.queue,
    }
