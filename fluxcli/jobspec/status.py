"""What every layer knows alike about a job's life: submit flags, urgency, states, events, outcome.

- ``SubmitFlag``: the submit request's flag bits (RFC 21 ``submit`` context).
- urgency: 0-31 and the names ``hold``/``default``/``expedite``.
- ``JobState`` / ``JobResult``: Flux's state and result bits, and their names.
- ``MAIN_EVENTS``: the main-eventlog events a job future reports (RFC 21).
- wait statuses (``finish`` context, ``waitstatus``): the exit code a tool
  exits with, the return code the API reports, and the words ``flux job
  attach`` prints; ``Outcome`` follows one job's events to its exit code.
"""

from __future__ import annotations

import enum
import signal
from collections.abc import Iterable


class SubmitFlag(enum.IntFlag):
    """Flag bits of a submit request (``flags=N`` in the ``submit`` event)."""

    NONE = 0
    PRE_SIGNED = 1
    DEBUG = 2
    WAITABLE = 4
    NOVALIDATE = 8


# the names ``--flags`` accepts
FLAG_NAMES = {
    "debug": SubmitFlag.DEBUG,
    "waitable": SubmitFlag.WAITABLE,
    "novalidate": SubmitFlag.NOVALIDATE,
}


def submit_flags(
    waitable: bool = False, debug: bool = False, pre_signed: bool = False, novalidate: bool = False
) -> SubmitFlag:
    """The flag bits of ``flux.job.submit``'s boolean arguments."""
    flags = SubmitFlag.NONE
    for wanted, bit in (
        (waitable, SubmitFlag.WAITABLE),
        (debug, SubmitFlag.DEBUG),
        (pre_signed, SubmitFlag.PRE_SIGNED),
        (novalidate, SubmitFlag.NOVALIDATE),
    ):
        if wanted:
            flags |= bit
    return flags


def parse_flags(values: Iterable[str] | str | None) -> SubmitFlag:
    """``--flags=debug,waitable`` (repeatable) to flag bits; ValueError names an unknown flag."""
    if isinstance(values, str):
        values = [values]
    flags = SubmitFlag.NONE
    for value in values or []:
        for name in value.split(","):
            if name not in FLAG_NAMES:
                raise ValueError(f"--flags: Unknown flag {name}")
            flags |= FLAG_NAMES[name]
    return flags


URGENCY_HOLD, URGENCY_DEFAULT, URGENCY_EXPEDITE = 0, 16, 31
URGENCY_NAMES = {"hold": URGENCY_HOLD, "default": URGENCY_DEFAULT, "expedite": URGENCY_EXPEDITE}


def parse_urgency(value: str | int) -> int:
    """``--urgency``: a number, or hold/default/expedite (the instance checks the 0-31 range)."""
    if isinstance(value, str) and value in URGENCY_NAMES:
        return URGENCY_NAMES[value]
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"--urgency: invalid value '{value}' (use 0-31, hold, default or expedite)"
        ) from None


class JobState(enum.IntFlag):
    """Flux's job states (``flux.constants.FLUX_JOB_STATE_*``)."""

    NEW = 1
    DEPEND = 2
    PRIORITY = 4
    SCHED = 8
    RUN = 16
    CLEANUP = 32
    INACTIVE = 64


STATES = tuple(state.name for state in JobState)
ACTIVE_STATES = STATES[:-1]
PENDING_STATES = ("DEPEND", "PRIORITY", "SCHED")


RUNNING_STATES = ("RUN", "CLEANUP")

# the words of ``flux jobs --filter`` / ``flux watch --filter`` (flux.job.JobList)
FILTER_STATES = {
    "depend": ("DEPEND",),
    "priority": ("PRIORITY",),
    "sched": ("SCHED",),
    "run": ("RUN",),
    "cleanup": ("CLEANUP",),
    "inactive": ("INACTIVE",),
    "pending": PENDING_STATES,
    "running": RUNNING_STATES,
    "active": PENDING_STATES + RUNNING_STATES,
}
FILTER_RESULTS = ("completed", "failed", "canceled", "timeout")


def parse_filters(values: Iterable[str] | str) -> tuple[frozenset[str], frozenset[str]]:
    """State and result names from ``--filter`` words (comma lists, any case).

    Returns ``(states, results)`` as upper-case names for a JobFilter; raises
    ValueError with flux-core's message for an unknown word.
    """
    states: set[str] = set()
    results: set[str] = set()
    for value in [values] if isinstance(values, str) else values:
        for word in value.split(","):
            word = word.lower()
            if word in FILTER_STATES:
                states.update(FILTER_STATES[word])
            elif word in FILTER_RESULTS:
                results.add(word.upper())
            else:
                raise ValueError(f"Invalid filter specified: {word}")
    return frozenset(states), frozenset(results)


class JobResult(enum.IntFlag):
    """How an inactive job ended (``flux.constants.FLUX_JOB_RESULT_*``)."""

    COMPLETED = 1
    FAILED = 2
    CANCELED = 4
    TIMEOUT = 8


# the main eventlog events a job future reports (FluxExecutorFuture.EVENTS)
MAIN_EVENTS = frozenset(
    {
        "submit",
        "depend",
        "priority",
        "flux-restart",
        "urgency",
        "alloc",
        "free",
        "start",
        "release",
        "finish",
        "clean",
        "debug",
        "exception",
    }
)


def signal_name(signum: int) -> str:
    """``Terminated`` style description of a signal."""
    try:
        return signal.strsignal(signum) or f"Signal {signum}"
    except ValueError:
        return f"Signal {signum}"


def term_signal(status: int) -> int:
    """The signal that ended a process (0 when it exited)."""
    return status & 0x7F


def exit_status(status: int) -> int:
    """The exit status of a process that exited."""
    return (status >> 8) & 0xFF


def exit_code(status: int) -> int:
    """The shell-style exit code of a wait status: the exit status, or 128+signal."""
    signum = term_signal(status)
    return 128 + signum if signum else exit_status(status)


def returncode(status: int) -> int:
    """The API's return code of a wait status: the exit status, or -signal."""
    signum = term_signal(status)
    return -signum if signum else exit_status(status)


def finish_message(status: int) -> str | None:
    """What ``flux job attach`` says about a non-zero ``finish`` status."""
    signum = term_signal(status)
    if signum:
        return f"job shell {signal_name(signum)}"
    code = exit_status(status)
    if code > 128:
        return f"task(s) {signal_name(code - 128)}"
    if code > 0:
        return f"task(s) exited with exit code {code}"
    return None


def wait_error(waitstatus: int | None, exception_type: str = "", exception_note: str = "") -> str:
    """The error string of a failed ``flux job wait``."""
    if exception_type:
        return f"Fatal exception type={exception_type} {exception_note}".rstrip()
    status = waitstatus or 0
    if term_signal(status):
        return f"task(s) killed by signal {term_signal(status)}"
    return f"task(s) exited with exit code {exit_status(status)}"


class Outcome:
    """Follows one job's main events and computes the exit code a tool exits with."""

    def __init__(self) -> None:
        self.started = False
        self.status: int | None = None
        self.fatal: dict | None = None

    def update(self, event: dict) -> None:
        """Take one main-eventlog event (``name``, ``context``)."""
        name = event["name"]
        context = event.get("context", {})
        if name == "start":
            self.started = True
        elif name == "finish":
            self.status = context.get("status", 0)
        elif name == "exception" and context.get("severity") == 0 and self.fatal is None:
            self.fatal = context

    @property
    def exit_code(self) -> int:
        """The ``finish`` status as an exit code; 1 for a fatal exception without one."""
        if self.status is not None:
            code = exit_code(self.status)
            if code == 0 and self.fatal is not None:
                return 1
            return code
        return 1 if self.fatal is not None else 0
