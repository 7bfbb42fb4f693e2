"""The backend protocol shared by every backend (local, flux, slurm)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator


class Backend(ABC):
    """Submit jobs and observe them; every method speaks RFC 19 ids and RFC 21 events.

    Example::

        backend = open_backend()            # picks local, flux or slurm
        jobid = backend.submit(jobspec.dumps(), urgency=16, flags=0)
        for seq, event in backend.events(jobid):
            print(event["name"])
    """

    name: str = ""

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this backend cannot run here (None when it can)."""
        return None

    @abstractmethod
    def submit(self, jobspec: str, urgency: int = 16, flags: int = 0, stdin: str = "null") -> int:
        """Submit one jobspec (JSON text); return its id."""

    def submit_many(
        self, jobspecs: list[str], urgency: int = 16, flags: int = 0
    ) -> list[int | OSError]:
        """Submit several jobspecs; each result is an id or the error for that job."""
        results: list[int | OSError] = []
        for jobspec in jobspecs:
            try:
                results.append(self.submit(jobspec, urgency, flags))
            except OSError as exc:
                results.append(exc)
        return results

    @abstractmethod
    def cancel(self, jobid: int, reason: str | None = None) -> None:
        """Cancel a pending or running job."""

    @abstractmethod
    def kill(self, jobid: int, signum: int = 15) -> None:
        """Send a signal to a running job's tasks."""

    @abstractmethod
    def raise_exception(self, jobid: int, etype: str, severity: int = 0, note: str = "") -> None:
        """Post an exception on a job (severity 0 is fatal)."""

    @abstractmethod
    def set_urgency(self, jobid: int, urgency: int) -> int:
        """Change a job's urgency; return the previous one."""

    @abstractmethod
    def events(
        self, jobid: int, log: str = "eventlog", follow: bool = True
    ) -> Iterator[tuple[int, dict]]:
        """``(seq, event)`` of a job's eventlog ("eventlog", "exec", "output")."""

    @abstractmethod
    def watch_many(self, jobids: list[int], log: str = "eventlog") -> Iterator[tuple[int, dict]]:
        """``(jobid, event)`` for several jobs until each log ends."""

    @abstractmethod
    def write_stdin(self, jobid: int, data: str | None, ranks: list[int] | None = None) -> None:
        """Send input to a job's tasks (None closes their stdin)."""

    @abstractmethod
    def info(self, jobid: int, jobspec: bool = False) -> dict | None:
        """A job's record (None if unknown)."""

    @abstractmethod
    def list_jobs(self, limit: int = 100, states: list[str] | None = None) -> list[dict]:
        """Newest jobs first."""

    @abstractmethod
    def wait(self, jobid: int) -> tuple[int, bool, str]:
        """Wait for a waitable job: ``(jobid, success, errstr)``."""

    @abstractmethod
    def status(self) -> dict:
        """Instance status: pid, uri, resources, job counts."""

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections."""
