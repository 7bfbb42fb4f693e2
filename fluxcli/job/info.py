"""``JobInfo``: a job's record with derived values, as ``flux.job.JobInfo`` exposes it."""

from __future__ import annotations

import pwd
import time
from types import SimpleNamespace
from typing import Any

from fluxcli.jobspec.jobid import JobID
from fluxcli.jobspec.status import PENDING_STATES, JobResult, JobState, returncode

# the values every job has (Flux's JobInfo.defaults), then the derived ones
DEFAULTS: dict[str, Any] = {
    "t_depend": 0.0,
    "t_priority": 0.0,
    "t_sched": 0.0,
    "t_run": 0.0,
    "t_cleanup": 0.0,
    "t_inactive": 0.0,
    "duration": 0.0,
    "expiration": 0.0,
    "name": "",
    "cwd": "",
    "queue": "",
    "project": "",
    "bank": "",
    "ntasks": "",
    "ncores": "",
    "nnodes": "",
    "priority": "",
    "ranks": "",
    "nodelist": "",
    "success": "",
    "result": "",
    "waitstatus": "",
}
PROPERTIES = (
    "id",
    "t_submit",
    "t_remaining",
    "state",
    "result",
    "username",
    "userid",
    "urgency",
    "runtime",
    "status",
    "returncode",
    "dependencies",
)


def _record_dict(record: Any) -> dict:
    """A backend's job record (a JobRecord, or a mapping of its fields) as a dict.

    A node count of 0 (not allocated yet) is no node count, as in Flux.
    """
    data = dict(record) if isinstance(record, dict) else record.to_dict()
    if not data.get("nnodes"):
        data.pop("nnodes", None)
    return data


class JobInfo:
    """Information about one job: the record's values, Flux's defaults and derived values.

    ``record`` is a backend's JobRecord (or a dict of its fields); ``jobspec``,
    when given, fills what the record lacks (cwd, queue, bank, project).
    ``to_dict()`` gives the keys of ``flux.job.JobInfo.to_dict()`` (unset
    values left out by default); ``get_job`` returns ``to_dict(filtered=False)``.
    """

    def __init__(self, record: Any, jobspec: dict | None = None):
        data = _record_dict(record)
        # what the record lacks and the jobspec says (where the job ran, its queue ...)
        system = ((jobspec or {}).get("attributes") or {}).get("system") or {}
        for key in ("cwd", "queue", "bank", "project"):
            if data.get(key) in (None, "") and isinstance(system.get(key), str):
                data[key] = system[key]
        self._data = dict(DEFAULTS)
        self._data.update({k: v for k, v in data.items() if v is not None})
        self.id = JobID(data["id"])
        occurred = bool(data.get("exception_type") or data.get("exception_occurred"))
        self.exception = SimpleNamespace(
            occurred=occurred,
            severity=data.get("exception_severity", "") if occurred else "",
            type=data.get("exception_type") or "",
            note=data.get("exception_note") or "",
        )
        self.dependencies = list(data.get("dependencies") or [])
        self.annotations = dict(data.get("annotations") or {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"invalid JobInfo attribute '{name}'") from None

    @property
    def state(self) -> str:
        """State name (``SCHED``, ``RUN``, ``INACTIVE`` ...)."""
        state = self._data.get("state") or ""
        return JobState(state).name if isinstance(state, int) else state

    @property
    def state_id(self) -> int:
        """State as Flux's state bit (``flux.constants.FLUX_JOB_STATE_*``), 0 if unknown."""
        return int(JobState[self.state]) if self.state in JobState.__members__ else 0

    @property
    def result(self) -> str:
        """How the job ended (``COMPLETED``, ``FAILED``, ``CANCELED``, ``TIMEOUT``), or ""."""
        return self._data.get("result") or ""

    @property
    def result_id(self) -> int | str:
        """Result as Flux's result bit, or "" while the job is active."""
        return int(JobResult[self.result]) if self.result in JobResult.__members__ else ""

    @property
    def success(self) -> bool | str:
        """True when an inactive job completed; "" while active."""
        given = self._data.get("success")
        if given != "":
            return given
        return self.result == "COMPLETED" if self.result else ""

    @property
    def status(self) -> str:
        """The state while pending or running, the result once inactive."""
        if self.state in (*PENDING_STATES, "RUN", "CLEANUP"):
            return self.state
        return self.result

    @property
    def username(self) -> str:
        """The submitting user's name (their uid when it has none)."""
        userid = self.userid  # AttributeError when the record has none
        try:
            return pwd.getpwuid(userid).pw_name
        except (KeyError, TypeError):
            return str(userid)

    @property
    def expiration(self) -> float:
        """When a running job's time limit ends (0.0: no limit or not started)."""
        given = self._data.get("expiration") or 0.0
        duration, t_run = self._data.get("duration") or 0.0, self._data.get("t_run") or 0.0
        return given or (t_run + duration if duration and t_run else 0.0)

    @property
    def runtime(self) -> float:
        """Seconds the job ran (so far, while running)."""
        start, end = self._data.get("t_run") or 0.0, self._data.get("t_cleanup") or 0.0
        if start > 0 and end > 0:
            return end - start
        return time.time() - start if start > 0 else 0.0

    @property
    def t_remaining(self) -> float:
        """Seconds left before a running job's time limit (0.0 otherwise)."""
        if self.state != "RUN" or not self.expiration:
            return 0.0
        return max(0.0, self.expiration - time.time())

    @property
    def returncode(self) -> int | str:
        """Exit code; -signum if signaled; -128 if canceled before running; "" if active."""
        status = self._data.get("waitstatus")
        if isinstance(status, int) and not isinstance(status, bool):
            return returncode(status)
        if self.result == "CANCELED":
            return -128
        if self.result in ("FAILED", "TIMEOUT"):
            return 1
        return ""

    def to_dict(self, filtered: bool = True) -> dict:
        """The job as a dict with ``flux.job.JobInfo.to_dict()``'s keys.

        ``filtered`` leaves out unset values: empty strings, zero timestamps,
        runtime and expiration; an exception that did not occur is
        ``{"occurred": False}``.
        """
        # a value the record does not have (e.g. userid) is left out, as in Flux
        result = {name: getattr(self, name, None) for name in (*DEFAULTS, *PROPERTIES)}
        result = {name: value for name, value in result.items() if value is not None}
        result["jobid"] = self.id.f58
        result["annotations"] = self.annotations
        result["exception"] = dict(vars(self.exception))
        if not filtered:
            return result
        for key, value in list(result.items()):
            unset_time = (key.startswith("t_") or key in ("runtime", "expiration")) and value == 0
            if value == "" or unset_time:
                del result[key]
        if not self.exception.occurred:
            result["exception"] = {"occurred": False}
        return result

    def __repr__(self) -> str:
        return f"JobInfo(id={int(self.id)}, state={self.state}, result={self.result})"
