"""One job as the fields of ``flux jobs -o`` and the objects of ``flux jobs --json``.

``JobView`` wraps a ``JobRecord`` and answers every field name of the
reference's format language (``id.f58``, ``status_abbrev``,
``contextual_info``, ``inactive_reason`` ...) plus fluxcli's accounting:
``cputime`` (seconds of CPU, user + system), ``maxrss`` (peak resident
memory of the job's process tree, shown with a K/M/G suffix) and
``output_paths`` (the files the job's output went to).
"""

from __future__ import annotations

import os
import signal
import time

from .jobheadings import HEADINGS, headings_for  # noqa: F401 - part of this module's API

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fluxcli.backends.contract import JobRecord

STATE_ABBREV = {
    "NEW": "N",
    "DEPEND": "D",
    "PRIORITY": "P",
    "SCHED": "S",
    "RUN": "R",
    "CLEANUP": "C",
    "INACTIVE": "I",
}
RESULT_ABBREV = {"COMPLETED": "CD", "FAILED": "F", "CANCELED": "CA", "TIMEOUT": "TO"}
STATE_EMOJI = dict(
    zip(
        STATE_ABBREV,
        "\U0001f381 \U0001f6d1 \U0001f6a6 \U0001f4c5 \U0001f3c3 \U0001f5d1 \U0001f480".split(),
        strict=True,
    )
)
RESULT_EMOJI = {
    "COMPLETED": ("\U0001f600", ":-)"),
    "FAILED": ("\U0001f4a9", ":'-("),
    "CANCELED": ("\U0001f4a5", "%-|"),
    "TIMEOUT": ("\u231b", "(-_-)"),
    "": ("\u3000", ""),
}
PENDING = ("DEPEND", "PRIORITY", "SCHED")


class Empty:
    """A value that is not there: empty in any format, any attribute of it empty too."""

    def __getattr__(self, name: str) -> Empty:
        return Empty()

    def __str__(self) -> str:
        return ""

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format("", spec.rstrip("bcdoxXeEfFgGn%"))


class Annotations:
    """A job's annotations (RFC 27): shown as JSON, empty when there are none;
    ``annotations.sched.reason_pending`` reaches into them (missing keys are empty)."""

    def __init__(self, data: dict):
        self.data = data

    def __getattr__(self, name: str):
        if name.startswith("__") or name not in self.data:
            if name.startswith("__"):
                raise AttributeError(name)
            return Empty()
        value = self.data[name]
        return Annotations(value) if isinstance(value, dict) else value

    def __str__(self) -> str:
        import json

        return json.dumps(self.data) if self.data else ""

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class InstanceURI(str):
    """The URI of a job that runs an instance; ``.local`` and ``.remote`` as Flux's JobURI
    (one and the same for fluxcli's local instances)."""

    @property
    def local(self) -> str:
        return str(self)

    remote = local


class Listed(list):
    """A list shown as its items joined by commas."""

    def __str__(self) -> str:
        return ",".join(self)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Bytes(int):
    """A byte count shown with a binary K/M/G/T suffix (``1.5M``); sorts as a number."""

    def __str__(self) -> str:
        value = float(self)
        for suffix in ("", "K", "M", "G", "T"):
            if value < 1024 or suffix == "T":
                break
            value /= 1024
        if not suffix:
            return f"{int(value)}"
        return f"{value:.1f}{suffix}" if value < 10 else f"{value:.0f}{suffix}"

    def __format__(self, spec: str) -> str:
        if spec and spec[-1] in "bcdoxXn":
            return int.__format__(self, spec)
        return format(str(self), spec)


class ExceptionInfo:
    """A job's fatal or first exception: occurred, severity, type, note."""

    def __init__(self, record: JobRecord):
        self.type = record.exception_type or ""
        # empty for an active job without one, as flux jobs shows it
        self.occurred = True if self.type else (False if record.state == "INACTIVE" else "")
        severity = record.exception_severity
        self.severity = severity if self.occurred and severity is not None else ""
        self.note = record.exception_note or "" if self.occurred else ""


_USERNAMES: dict[int, str] = {}


def username(userid: int) -> str:
    """A user's login name (the number when the system has none)."""
    if userid not in _USERNAMES:
        import pwd

        try:
            _USERNAMES[userid] = pwd.getpwuid(userid).pw_name
        except KeyError:
            _USERNAMES[userid] = str(userid)
    return _USERNAMES[userid]


def _zero(value) -> float:
    return value or 0.0


class _ShownID(int):
    """A job id that prints as its backend prints it; the other encodings stay available."""

    def __new__(cls, jobid, text: str):
        self = super().__new__(cls, int(jobid))
        self.jobid, self.text = jobid, text
        return self

    def __str__(self) -> str:
        return self.text

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)

    def __getattr__(self, name: str):
        return getattr(self.jobid, name)


class JobView:
    """Every format field of one job (see the module docstring)."""

    def __init__(self, record: JobRecord, now: float | None = None, format_id=None):
        from fluxcli.jobspec.jobid import JobID

        self.record = record
        self.now = time.time() if now is None else now
        self.id = JobID(record.id)
        if format_id is not None:  # ids as the backend prints them (Slurm's)
            self.id = _ShownID(self.id, format_id(record.id))
        self.state = record.state
        self.result = record.result or ""
        self.name = record.name or ""
        self.cwd = record.cwd or ""
        self.queue = record.queue or ""
        self.project = self.bank = ""
        self.userid = record.userid
        self.urgency = record.urgency
        # no priority before the job reaches SCHED (flux jobs shows none)
        unset = record.priority is None or self.state in ("NEW", "DEPEND", "PRIORITY")
        self.priority = "" if unset else record.priority
        self.ntasks = record.ntasks or ""
        self.ncores = record.ncores or ""
        self.nnodes = record.nnodes or ""
        self.nodelist = record.nodelist or ""
        self.ranks = record.ranks or ""
        self.duration = float(record.duration or 0.0)
        self.waitstatus = record.waitstatus if record.waitstatus is not None else ""
        self.t_submit = _zero(record.t_submit)
        self.t_depend = _zero(record.t_depend)
        self.t_priority = _zero(record.t_priority)
        self.t_sched = _zero(record.t_sched)
        self.t_run = _zero(record.t_run)
        self.t_cleanup = _zero(record.t_cleanup)
        self.t_inactive = _zero(record.t_inactive)
        self.exception = ExceptionInfo(record)
        self.dependencies = Listed(_dependency(d) for d in record.dependencies or [])
        self.annotations = Annotations(record.annotations or {})
        self.sched = self.annotations.sched
        self.user = self.annotations.user
        self.instance = Empty()
        uri = (record.annotations or {}).get("user", {}).get("uri")
        self.uri = InstanceURI(uri) if uri else None  # a job that is an instance of its own
        self.cputime = record.cputime if record.cputime is not None else ""
        self.maxrss = Bytes(record.maxrss) if record.maxrss is not None else ""
        self.output_paths = Listed(record.output_paths or [])

    @property
    def state_single(self) -> str:
        return STATE_ABBREV.get(self.state, self.state[:1])

    @property
    def state_emoji(self) -> str:
        return _printable(STATE_EMOJI.get(self.state, ""), self.state_single)

    @property
    def result_abbrev(self) -> str:
        return RESULT_ABBREV.get(self.result, self.result)

    @property
    def result_emoji(self) -> str:
        emoji, alt = RESULT_EMOJI.get(self.result, ("", ""))
        return _printable(emoji, alt)

    @property
    def inactive(self) -> bool:
        return self.state == "INACTIVE"

    @property
    def status(self) -> str:
        return self.result if self.inactive else self.state

    @property
    def status_abbrev(self) -> str:
        return self.result_abbrev if self.inactive else self.state_single

    @property
    def status_emoji(self) -> str:
        return self.result_emoji if self.inactive else self.state_emoji

    @property
    def username(self) -> str:
        return username(self.userid)

    @property
    def success(self):
        return self.result == "COMPLETED" if self.inactive else ""

    @property
    def runtime(self) -> float:
        if self.t_run > 0 and self.t_cleanup > 0:
            return self.t_cleanup - self.t_run
        if self.t_run > 0:
            return self.now - self.t_run
        return 0.0

    @property
    def expiration(self) -> float:
        return self.t_run + self.duration if self.t_run > 0 and self.duration > 0 else 0.0

    @property
    def t_remaining(self) -> float:
        if self.state != "RUN":
            return 0.0
        return max(0.0, self.expiration - self.now)

    @property
    def returncode(self):
        status = self.waitstatus
        if isinstance(status, int):
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if self.result == "CANCELED":
            return -128
        if self.result == "FAILED":
            return 1  # a fatal exception before the job started
        return ""

    @property
    def contextual_info(self) -> str:
        if self.state == "PRIORITY":
            return "priority-wait"
        if self.state == "DEPEND":
            return f"depends:{self.dependencies}"
        if self.state == "SCHED":
            if self.urgency == 0:
                return "held"
            return "priority-hold" if self.priority == 0 else ""
        return self.nodelist

    @property
    def contextual_time(self) -> float:
        return self.duration if self.state in PENDING else self.runtime

    @property
    def inactive_reason(self) -> str:
        if not self.inactive:
            return ""
        exc = self.exception
        if self.result == "CANCELED":
            note = exc.note if exc.occurred and exc.type == "cancel" else ""
            return f"Canceled: {note}" if note else "Canceled"
        if self.result == "TIMEOUT":
            return "Timeout"
        if self.result != "FAILED":
            return f"Exit {self.returncode}"
        if exc.occurred and exc.type != "exec" and exc.severity == 0:
            return f"Exception: type={exc.type}" + (f" note={exc.note}" if exc.note else "")
        code = self.returncode
        if code > 128:
            return _signal_text(code - 128)
        words = {126: "Command invoked cannot execute", 127: "command not found"}
        return words.get(code, "Invalid argument to exit" if code == 128 else f"Exit {code}")

    def to_json(self) -> dict:
        """The object ``flux jobs --json`` prints for this job (unset values left out),
        with fluxcli's ``cputime``, ``maxrss`` (bytes) and ``output_paths`` where known."""
        keys = (
            "t_depend t_priority t_sched t_run t_cleanup t_inactive duration expiration name "
            "cwd queue project bank ntasks ncores nnodes priority ranks nodelist success "
            "result waitstatus id t_submit t_remaining state username userid urgency "
            "runtime status returncode dependencies"
        ).split()
        data: dict = {}
        for key in keys:
            value = getattr(self, key)
            if key == "id":
                value = int(value)
            elif key == "dependencies":
                value = list(value)
            if value == "" or (value == 0 and key.startswith(("t_", "runtime", "expiration"))):
                continue
            data[key] = value
        data["jobid"] = self.id.f58
        data["annotations"] = self.annotations.data
        exc = self.exception
        data["exception"] = (
            {"occurred": True, "severity": exc.severity, "type": exc.type, "note": exc.note}
            if exc.occurred
            else {"occurred": False}
        )
        if self.uri is not None:  # the URI on its own; not again among the annotations
            import copy

            data["uri"] = str(self.uri)
            data["annotations"] = copy.deepcopy(self.annotations.data)
            del data["annotations"]["user"]["uri"]
            if not data["annotations"]["user"]:
                del data["annotations"]["user"]
        if self.cputime != "":
            data["cputime"] = self.cputime
        if self.maxrss != "":
            data["maxrss"] = int(self.maxrss)
        if self.output_paths:
            data["output_paths"] = list(self.output_paths)
        return data


def _dependency(text: str) -> str:
    """A dependency as listings show it: ``begin-time=EPOCH`` becomes ``begin@HH:MM``
    (``begin@MonDD-HH:MM`` on another day; ``:SS`` added when not zero)."""
    if not text.startswith("begin-time="):
        return text
    from datetime import datetime

    try:
        when = datetime.fromtimestamp(float(text.partition("=")[2]))
    except ValueError:
        return text
    shown = (
        f"begin@{when:%H:%M}"
        if when.date() == datetime.now().date()
        else f"begin@{when:%b%d-%H:%M}"
    )
    return shown + (f":{when:%S}" if when.second else "")


def _signal_text(signum: int) -> str:
    try:
        return signal.strsignal(signum) or f"Signaled {signum}"
    except ValueError:
        return f"Signaled {signum}"


def _printable(text: str, alternative: str) -> str:
    """``text`` if stdout can encode it, else ``alternative``."""
    import sys

    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return alternative
    return text
