"""Job dependencies (RFC 26): after*, singleton and begin-time."""

from __future__ import annotations

from fluxcli.jobspec.jobid import JobID

SCHEMES = (
    "after",
    "afterstart",
    "afterany",
    "afterok",
    "afternotok",
    "afterexcept",
    "singleton",
    "begin-time",
)
DESCRIPTION = {
    "after": "after-start",
    "afterstart": "after-start",
    "afterany": "after-finish",
    "afterok": "after-success",
    "afternotok": "after-failure",
    "afterexcept": "after-except",
}


class DependencyError(ValueError):
    """A dependency that makes the submission invalid."""


def parse_target(scheme: str, value: str) -> int:
    """The job id an after* dependency names."""
    try:
        jobid = int(JobID(value))
    except ValueError:
        raise DependencyError(f'dependency: {scheme}: "{value}" is not a valid jobid')
    if jobid <= 0:
        raise DependencyError(f'dependency: {scheme}: "{value}" is not a valid jobid')
    return jobid


def description(scheme: str, value: str) -> str:
    """The dependency-add/remove description of an after* dependency (the id as given)."""
    return f"{DESCRIPTION[scheme]}={value}"


def _started(record: dict) -> bool:
    return record.get("t_run") is not None


def _excepted(record: dict) -> bool:
    return record.get("exception_type") is not None and record.get("exception_severity") == 0


def rejection(scheme: str, record: dict, value: str) -> str | None:
    """Why an after* dependency on an inactive job refuses the submission (None: it is met)."""
    if scheme != "afterany" and not _started(record):
        return f"dependency: after: {value} never started"
    completed = record.get("result") == "COMPLETED"
    if scheme == "afterok" and not completed:
        return f"dependency: afterok: job {value} failed or was canceled"
    if scheme == "afternotok" and completed:
        return f"dependency: afternotok: job {value} succeeded"
    if scheme == "afterexcept" and not _excepted(record):
        return f"dependency: afterexcept: job {value}: no exception"
    return None


def outcome(scheme: str, record: dict) -> bool | None:
    """Whether an after* dependency on the job in ``record`` is met (None: not yet).

    False means it can never be met.
    """
    if scheme in ("after", "afterstart") and _started(record):
        return True
    if record["state"] != "INACTIVE":
        return None
    return rejection(scheme, record, "") is None


def failure(scheme: str, record: dict, desc: str) -> str:
    """The exception note for a dependency that can never be met."""
    if not _started(record):
        return f"dependency {desc} job never started"
    return f"dependency {desc} can never be satisfied"
