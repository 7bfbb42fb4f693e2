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

from fluxcli.errors import BackendError
from fluxcli.jobspec.status import ACTIVE_STATES, STATES

# the eventlogs of a job (RFC 21 main, the exec system's, RFC 24 output and input)
LOGS = ("eventlog", "exec", "output", "input")


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


_REQUIRED = object()


class Record:
    """A typed record: ``FIELDS`` names each field and its default (a list or dict default
    is copied; ``_REQUIRED`` must be given). Positional arguments follow ``FIELDS``.

    Plain classes rather than dataclasses: creating these at import cost ~4 ms of
    every command's start-up.
    """

    __slots__ = ()
    FIELDS: dict = {}

    def __init__(self, *args, **kwargs):
        names = list(self.FIELDS)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}() takes at most {len(names)} arguments")
        kwargs.update(zip(names, args, strict=False))
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected {sorted(unknown)}")
        for name, default in self.FIELDS.items():
            if name in kwargs:
                value = kwargs[name]
            elif default is _REQUIRED:
                raise TypeError(f"{type(self).__name__}() missing argument '{name}'")
            else:
                value = default.copy() if isinstance(default, (list, dict)) else default
            setattr(self, name, value)

    def to_dict(self) -> dict:
        """Every field, as plain data."""
        return {name: getattr(self, name) for name in self.FIELDS}

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({fields})"


class SubmitRequest(Record):
    """One job to submit: its jobspec (JSON text or a Jobspec) and how.

    ``stdin="pipe"``: the job's stdin stays open for ``write_stdin()``.
    """

    __slots__ = ("jobspec", "urgency", "flags", "stdin")
    FIELDS = {"jobspec": _REQUIRED, "urgency": 16, "flags": 0, "stdin": "null"}


class JobEvent(Record):
    """One event of a job's eventlog (RFC 18): ``log`` is one of LOGS."""

    __slots__ = ("jobid", "seq", "name", "timestamp", "context", "log")
    FIELDS = dict.fromkeys(("jobid", "seq", "name", "timestamp"), _REQUIRED)
    FIELDS.update(context={}, log="eventlog")

    def to_dict(self) -> dict:
        """The RFC 18 event object."""
        event: dict = {"timestamp": self.timestamp, "name": self.name}
        if self.context:
            event["context"] = self.context
        return event


class OutputChunk(Record):
    """Bytes a task wrote (``data``), or the end of one of its streams (``eof``).

    ``stream`` is "stdout" or "stderr"; ``rank`` the task rank as text. A message of the
    job shell itself (an RFC 24 ``log`` event, e.g. a task that could not start) has
    ``shell_log`` set to that event's context (``rank``, ``level``, ``message``, perhaps
    ``component``), its text in ``data``, on "stderr".
    """

    __slots__ = ("jobid", "rank", "stream", "data", "eof", "shell_log")
    FIELDS = {"jobid": _REQUIRED, "rank": _REQUIRED, "stream": _REQUIRED, "data": b"", "eof": False}
    FIELDS.update(shell_log=None)


class JobRecord(Record):
    """What a backend knows of one job (the keys of ``flux jobs --json`` where they exist).

    Times are epoch seconds (None: not reached); ``ranks`` an RFC 22 idset of the
    ranks allocated; ``dependencies`` those not yet met; ``annotations`` the
    scheduler's and user's (RFC 27); ``waitstatus`` a wait(2)
    status; ``output_paths`` the files the job's output went to; ``cputime``
    (seconds) and ``maxrss`` (bytes) cover the job's whole process tree where
    the backend measures them.
    """

    FIELDS = {"id": _REQUIRED, "state": _REQUIRED, "name": "", "userid": 0, "urgency": 16}
    FIELDS.update(priority=0, flags=0, t_submit=0.0)
    FIELDS.update(dict.fromkeys(("t_depend", "t_run", "t_cleanup", "t_inactive")))
    FIELDS.update(ntasks=0, ncores=0, nnodes=0, nodelist="", duration=0.0)
    FIELDS.update(dict.fromkeys(("result", "waitstatus", "exception_type", "exception_note")))
    FIELDS.update(exception_severity=None, native_id="", output_paths=[])
    FIELDS.update(dict.fromkeys(("cwd", "queue", "cputime", "maxrss")))
    # when the job entered PRIORITY and SCHED; the dependencies it still waits for
    FIELDS.update(t_priority=None, t_sched=None, dependencies=[], ranks="", annotations={})
    __slots__ = tuple(FIELDS)

    @property
    def active(self) -> bool:
        """Whether the job has not reached INACTIVE yet."""
        return self.state in ACTIVE_STATES

    @classmethod
    def from_dict(cls, data: dict) -> JobRecord:
        """A record from plain data (unknown keys are ignored)."""
        return cls(**{k: v for k, v in data.items() if k in cls.FIELDS})


class JobFilter(Record):
    """Which jobs ``list_jobs()`` returns, as flux-core's job-list selects them.

    Every given criterion must hold, except that ``states`` and ``results``
    (collections of state names, "RUN", and result names, "FAILED") widen
    each other when both are given: a job matches if its state is in
    ``states`` *or* its result is in ``results`` (``flux jobs -f
    pending,failed``). ``userid``: None for the caller's own jobs, -1 for
    everyone's; ``name``/``queue``: exact match; ``since``: inactive jobs only
    if they became inactive after this epoch time; ``ids``: only these jobs
    (unknown ids are left out; ``flux jobs ID…`` ignores its filters, so a
    command that wants that passes none); ``limit`` 0: no limit. Results come
    newest first (by submit time); with ``order="job-list"`` a backend that can
    returns (and limits) them in flux-core job-list's order instead: pending
    jobs (highest priority, then oldest), running ones (latest started), then
    inactive ones (latest ended), as ``flux jobs -c N`` picks them.
    """

    FIELDS = dict.fromkeys(("states", "results", "userid", "name", "queue", "since", "ids"))
    FIELDS.update(limit=0, order="newest")
    __slots__ = tuple(FIELDS)

    def matches(self, record: JobRecord, own_uid: int) -> bool:
        """Whether ``record`` passes every criterion but ``ids`` and ``limit`` (for
        backends that select some jobs themselves; ``own_uid``: the caller's uid)."""
        userid = own_uid if self.userid is None else self.userid
        if userid != -1 and record.userid != userid:
            return False
        if self.states is not None or self.results is not None:
            in_states = record.state in {s.upper() for s in self.states or ()}
            in_results = record.result in {r.upper() for r in self.results or ()}
            if not (in_states or in_results):
                return False
        if self.name is not None and record.name != self.name:
            return False
        if self.queue is not None and record.queue != self.queue:
            return False
        return self.since is None or record.active or (record.t_inactive or 0) > self.since


class JobUsage(Record):
    """A running job's use now: ``cputime`` seconds so far, ``rss`` bytes resident."""

    __slots__ = ("cputime", "rss")
    FIELDS = {"cputime": 0.0, "rss": 0}


class JobStats(Record):
    """Counts of jobs (every user's) by state and by result of the inactive ones, with the
    number purged and the sums of the jobs' ``cputime`` and ``maxrss`` where measured."""

    __slots__ = ("states", "results", "inactive_purged", "cputime", "maxrss")
    FIELDS = {"states": {}, "results": {}, "inactive_purged": 0, "cputime": 0.0, "maxrss": 0}

    @classmethod
    def from_dict(cls, data: dict) -> JobStats:
        """Stats from plain data (unknown keys are ignored)."""
        return cls(**{k: v for k, v in data.items() if k in cls.FIELDS})

    @classmethod
    def of(cls, records: Sequence[JobRecord]) -> JobStats:
        """The stats of these jobs."""
        stats = cls(states=dict.fromkeys(STATES, 0), results={})
        for record in records:
            stats.states[record.state] = stats.states.get(record.state, 0) + 1
            if record.state == "INACTIVE" and record.result:
                stats.results[record.result] = stats.results.get(record.result, 0) + 1
            stats.cputime += record.cputime or 0.0
            stats.maxrss += record.maxrss or 0
        return stats


class BackendInfo(Record):
    """What ``describe()`` tells of a backend and the resources behind it."""

    __slots__ = ("name", "uri", "version", "resources", "details")
    FIELDS = {"name": _REQUIRED, "uri": _REQUIRED, "version": "", "resources": [], "details": {}}


class Backend(ABC):
    """Submit jobs and observe them (see the module docstring for the threading rule)."""

    name: str = ""  # a class attribute: the name the registry knows it by
    capabilities: frozenset[Capability] = frozenset()

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

    def job_stats(self) -> JobStats:
        """Counts of every user's jobs by state and result, and their accounting sums.

        This default lists every job; backends with a database count there.
        """
        return JobStats.of(self.list_jobs(JobFilter(userid=-1)))

    def wait(self, jobid: int | None) -> tuple[int, bool, str]:
        """Wait for a waitable job (None: the caller's next one): ``(jobid, success, errstr)``.

        OSError with ECHILD when there is nothing (more) to wait for.
        """
        raise Unsupported("wait", "waiting for a job's result is not supported", self.name)

    def usage(self, jobids: Sequence[int]) -> dict[int, JobUsage]:
        """What running jobs use now, where this backend can measure it (may be empty)."""
        return {}

    def purge(
        self,
        ids: Sequence[int] | None = None,
        age_limit: float | None = None,
        num_limit: int | None = None,
        force: bool = False,
        batch: int = 50,
    ) -> tuple[int, int]:
        """Forget inactive jobs: ``ids``, else the oldest beyond ``age_limit`` seconds since
        they ended or beyond ``num_limit`` of them (at most ``batch`` per call: call again
        while the count is ``batch``). Without ``force`` only count them.
        Returns ``(count, inactive jobs left)``."""
        raise Unsupported("purge", "purging jobs is not supported", self.name)

    def resource_list(self) -> dict[str, list[dict]]:
        """The resources by state, ``free``, ``allocated`` and ``down``: for each, the nodes
        with some of it, as ``{"rank", "hostname", "ncores", "ngpus"}`` (a node partly
        allocated is in both ``free`` and ``allocated``, with its share in each)."""
        raise Unsupported("resource list", "resource states are not available", self.name)

    def resource_set(self, jobid: int) -> dict | None:
        """The resources allocated to a job, as an RFC 20 R object (None: none yet)."""
        raise Unsupported("R", "resource sets are not available", self.name)

    @abstractmethod
    def describe(self) -> BackendInfo:
        """The backend, where it points, and its resources."""

    def terminal_command(self, jobid: int) -> tuple[list[str], dict[str, str]] | None:
        """For a job on an interactive pty that this backend's own tool attaches to:
        the command (argv, environment additions) that gives it this terminal.

        None (the default): the backend's events, output and write_stdin() carry
        the pty, and the session attaches itself.
        """
        return None

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
