"""``JobInfo``: a job's record with derived values (returncode, runtime, result)."""

from __future__ import annotations

from types import SimpleNamespace

from fluxcli.jobspec.jobid import JobID


class JobInfo:
    """Information about one job, as ``flux.job.JobInfo`` exposes it."""

    def __init__(self, record: dict):
        self._record = dict(record)
        self.id = JobID(record["id"])
        for key, value in record.items():
            if key != "id":
                setattr(self, key, value)
        occurred = bool(record.get("exception_type"))
        self.exception = SimpleNamespace(
            occurred=occurred,
            type=record.get("exception_type") or "",
            note=record.get("exception_note") or "",
            severity=record.get("exception_severity") if occurred else "",
        )

    @property
    def result_id(self) -> str:
        return self._record.get("result") or ""

    @property
    def runtime(self) -> float:
        start, end = self._record.get("t_run"), self._record.get("t_cleanup")
        return max(0.0, end - start) if start and end else 0.0

    @property
    def returncode(self) -> int | str:
        """Exit code; -signum if signaled; -128 if canceled before running; "" if active."""
        status = self._record.get("waitstatus")
        result = self._record.get("result")
        if status is not None:
            if status & 0x7F:
                return -(status & 0x7F)
            return (status >> 8) & 0xFF
        if result == "CANCELED":
            return -128
        if result in ("FAILED", "TIMEOUT"):
            return 1
        return ""

    def to_dict(self) -> dict:
        data = dict(self._record)
        data["returncode"] = self.returncode
        data["runtime"] = self.runtime
        return data

    def __repr__(self) -> str:
        return f"JobInfo(id={int(self.id)}, state={self._record.get('state')}, result={self.result_id})"
