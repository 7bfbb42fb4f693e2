"""Job dependencies (RFC 26): after*, singleton and begin-time."""

from __future__ import annotations

from fluxcli.jobspec.jobid import JobID, id_encode

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


def description(scheme: str, target: int) -> str:
    """The dependency-add/remove description of an after* dependency."""
    return f"{DESCRIPTION[scheme]}={id_encode(target, 'f58')}"


def outcome(scheme: str, record: dict, started: bool) -> bool | None:
    """Whether an after* dependency on a job in ``record`` is met (None: not yet).

    False means it can never be met.
    """
    inactive = record["state"] == "INACTIVE"
    result = record.get("result")
    if scheme in ("after", "afterstart"):
        if started:
            return True
        return False if inactive else None
    if not inactive:
        return None
    if scheme == "afterany":
        return True
    if scheme == "afterok":
        return result == "COMPLETED"
    if scheme == "afternotok":
        return result != "COMPLETED"
    if scheme == "afterexcept":
        return record.get("exception_type") is not None and record.get("exception_severity") == 0
    return None
