"""The contract every backend (local, flux, slurm, or an installed one) fulfils.

Commands, views and the ``fluxcli.job`` API speak only this: typed records in,
typed records out. A backend says what it can do (``capabilities``) and
refuses, in ``check()``, whatever a jobspec asks that it cannot honour, naming
the option, before anything is submitted.

Threading rule: one backend object serves one thread at a time for its
request methods; the iterators returned by ``events()`` and ``output()`` and
the ``write_stdin()`` method use channels of their own, so they may run in
other threads while the owning thread goes on making requests.

Example::

    backend = open_backend()                       # local, flux, slurm ...
    backend.check(jobspec)                         # Unsupported names the option
    [jobid] = backend.submit([SubmitRequest(jobspec)])
    for event in backend.events([jobid]):
        print(backend.format_id(event.jobid), event.name)
"""

from __future__ import annotations

import enum
import errno
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fluxcli.errors import BackendError
from fluxcli.jobspec.status import ACTIVE_STATES

# the three eventlogs of a job (RFC 21 main, the exec system's, RFC 24 output)
LOGS = ("eventlog", "exec", "output")


class Capability(enum.Enum):
    """What a backend can do beyond submitting and observing jobs."""

    STDIN = "stdin"  # write_stdin() reaches running tasks
    PTY = "pty"  # tasks on a pseudo-terminal (fxalloc's interactive shell)
    NESTED = "nested"  # jobs that are instances of their own (fxbatch, fxalloc)
    EXCEPTIONS = "exceptions"  # raise_exception() with any type and severity
    URGENCY = "urgency"  # set_urgency() after submission
    WAITABLE = "waitable"  # wait() on jobs submitted with the waitable flag
    FOLLOW_OUTPUT = "follow-output"  # output() follows a running job


class Unsupported(BackendError):
    """This backend cannot honour something a jobspec or request asks for."""

    def __init__(self, option: str, reason: str, backend: str = ""):
        where = f" on the {backend} backend" if backend else ""
        super().__init__(f"{option}: {reason}{where}")
        self.option = option


class UnknownJob(BackendError, OSError):
    """No job has that id (an OSError with ENOENT, as Flux's API raises)."""

    def __init__(self, jobid: str):
        OSError.__init__(self, errno.ENOENT, f"{jobid}: job ID not found")
        self.jobid = jobid

    def __str__(self) -> str:
        return self.strerror


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """One job to submit: its jobspec (JSON text or a Jobspec) and how."""

    jobspec: Any
    urgency: int = 16
    flags: int = 0
    stdin: str = "null"  # "pipe": the job's stdin stays open for write_stdin()


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One event of a job's eventlog (RFC 18): ``log`` is one of LOGS."""

    jobid: int
    seq: int
    name: str
    timestamp: float
    context: dict = field(default_factory=dict)
    log: str = "eventlog"

    def to_dict(self) -> dict:
        """The RFC 18 event object."""
        event: dict = {"timestamp": self.timestamp, "name": self.name}
        if self.context:
            event["context"] = self.context
        return event


@dataclass(frozen=True, slots=True)
class OutputChunk:
    """Bytes a task wrote (``data``), or the end of one of its streams (``eof``)."""

    jobid: int
    rank: str
    stream: str  # "stdout" or "stderr"
    data: bytes = b""
    eof: bool = False


@dataclass(slots=True)
class JobRecord:
    """What a backend knows of one job (the keys of ``flux jobs --json`` where they exist)."""

    id: int
    state: str
    name: str = ""
    userid: int = 0
    urgency: int = 16
    priority: int = 0
    flags: int = 0
    t_submit: float = 0.0
    t_depend: float | None = None
    t_run: float | None = None
    t_cleanup: float | None = None
    t_inactive: float | None = None
    ntasks: int = 0
    ncores: int = 0
    nnodes: int = 0
    nodelist: str = ""
    duration: float = 0.0
    result: str | None = None
    waitstatus: int | None = None
    exception_type: str | None = None
    exception_note: str | None = None
    exception_severity: int | None = None
    native_id: str = ""
    output_paths: list[str] = field(default_factory=list)
    cwd: str | None = None
    queue: str | None = None
    cputime: float | None = None
    maxrss: int | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    def to_dict(self) -> dict:
        """Every field, as plain data."""
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]

    @classmethod
    def from_dict(cls, data: dict) -> JobRecord:
        """A record from plain data (unknown keys are ignored)."""
        known = cls.__slots__  # type: ignore[attr-defined]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(slots=True)
class JobFilter:
    """Which jobs ``list_jobs()`` returns: every given criterion must hold."""

    states: Sequence[str] | None = None
    results: Sequence[str] | None = None
    userid: int | None = None  # None: the caller's own jobs; -1: everyone's
    name: str | None = None
    queue: str | None = None
    since: float | None = None  # inactive jobs only if they ended after this time
    ids: Sequence[int] | None = None
    limit: int = 0  # 0: no limit (newest first)


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """What ``describe()`` tells of a backend and the resources behind it."""

    name: str
    uri: str | None
    version: str = ""
    resources: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)


class Backend(ABC):
    """Submit jobs and observe them (see the module docstring for the threading rule)."""

    name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this backend cannot run here (None when it can)."""
        return None

    def check(self, jobspec) -> None:  # noqa: B027 - a backend that honours everything
        """Raise Unsupported for anything in ``jobspec`` this backend cannot honour."""

    @abstractmethod
    def submit(self, requests: Sequence[SubmitRequest]) -> list[int | BackendError]:
        """Submit every request; each result is the new job's id or the error for it."""

    @abstractmethod
    def cancel(self, jobid: int, reason: str | None = None) -> None:
        """Cancel a pending or running job."""

    @abstractmethod
    def kill(self, jobid: int, signum: int = 15) -> None:
        """Send a signal to a running job's tasks."""

    def raise_exception(self, jobid: int, etype: str, severity: int = 0, note: str = "") -> None:
        """Post an exception on a job (severity 0 is fatal)."""
        raise Unsupported("raise", "exceptions are not supported", self.name)

    def set_urgency(self, jobid: int, urgency: int) -> int:
        """Change a job's urgency; return the previous one."""
        raise Unsupported("urgency", "changing urgency is not supported", self.name)

    @abstractmethod
    def events(
        self, jobids: Sequence[int], log: str = "eventlog", follow: bool = True
    ) -> Iterator[JobEvent]:
        """Events of each job's ``log`` in order per job, until each log ends (or now)."""

    @abstractmethod
    def output(self, jobids: Sequence[int], follow: bool = True) -> Iterator[OutputChunk]:
        """Each job's output, in order per task and stream, until every stream ends."""

    def write_stdin(self, jobid: int, data: bytes | None, ranks: list[int] | None = None) -> None:
        """Send input to a job's tasks (None closes their stdin); returns when it was taken."""
        raise Unsupported("stdin", "forwarding input to a job is not supported", self.name)

    @abstractmethod
    def info(self, jobid: int) -> JobRecord | None:
        """A job's record (None if unknown)."""

    @abstractmethod
    def jobspec(self, jobid: int) -> dict | None:
        """The jobspec a job was submitted with (None if unknown)."""

    @abstractmethod
    def list_jobs(self, filter: JobFilter) -> list[JobRecord]:  # noqa: A002
        """Jobs matching ``filter``, newest first."""

    def wait(self, jobid: int) -> tuple[int, bool, str]:
        """Wait for a waitable job: ``(jobid, success, errstr)``."""
        raise Unsupported("wait", "waiting for a job's result is not supported", self.name)

    @abstractmethod
    def describe(self) -> BackendInfo:
        """The backend, where it points, and its resources."""

    def instance_uri(self, jobid: int) -> str:
        """The URI of the nested instance a job runs (NESTED backends), once it answers."""
        raise Unsupported("nested instance", "jobs are not instances here", self.name)

    def format_id(self, jobid: int) -> str:
        """A job id as users of this backend see it (F58 by default, as Flux prints it)."""
        from fluxcli.jobspec.jobid import JobID

        return str(JobID(jobid))

    def parse_id(self, text: str) -> int:
        """A job id given by a user (every RFC 19 encoding by default)."""
        from fluxcli.jobspec.jobid import JobID

        return int(JobID(text))

    def close(self) -> None:  # noqa: B027 - optional for backends without connections
        """Release connections."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
