"""What a job's events look like as text: every event line of every command, in one place.

Three families, each as the reference prints it:

- ``flux job attach`` (fxrun, fxalloc, ``fx job attach``): ``0.000s: job.submit {...}``
  with -vv, ``exec.`` lines with -vvv, and ``%.3fs: job.exception ID type=T severity=S
  NOTE`` always; times are relative to the job's first (submit) event.
- the submit watcher (fxsub/fxbulksubmit --wait/--watch, fxwatch):
  ``ID: 0.123s: start `` and the final ``ID: 1.234s: complete: status=0``.
- ``flux job eventlog`` / ``wait-event``: ``TIMESTAMP NAME key=value ...`` or RFC 18
  JSON, with raw, iso, offset or human times, optionally coloured.

No line ever shows a Python repr, and no time is negative.
"""

from __future__ import annotations

import json
import time

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from fluxcli.backends.contract import JobEvent

FORMATS = ("text", "json")
TIME_FORMATS = ("raw", "iso", "offset", "human", "reltime")
# status line messages after each main event (as ``flux job attach`` words them)
STATUS_AFTER = {
    "submit": "submitted",
    "validate": "resolving dependencies",
    "depend": "waiting for priority assignment",
    "priority": "waiting for resources",
    "alloc": "starting",
    "prolog-start": "waiting for prolog",
    "start": "started",
}
_COLORS = {
    "name": "\x1b[33m",
    "exception": "\x1b[1m\x1b[31m",
    "time": "\x1b[32m",
    "timebreak": "\x1b[1m\x1b[32m",
    "key": "\x1b[34m",
    "value": "\x1b[35m",
    "number": "\x1b[37m",
}
_RESET = "\x1b[0m"
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def compact(value) -> str:
    """Compact JSON, as Flux's tools print event contexts (insertion order, UTF-8)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def context_string(context: dict) -> str:
    """A context as ``EventLogEvent.context_string``: sorted compact JSON, or ``""``."""
    if not context:
        return ""
    return json.dumps(context, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def since(timestamp: float, t0: float) -> float:
    """Seconds from ``t0`` to ``timestamp``, never negative."""
    return max(0.0, timestamp - t0)


def attach_event_line(event: JobEvent, t0: float, prefix: str = "job") -> str:
    """``flux job attach --show-events`` / ``--show-exec``: ``1.234s: job.start``."""
    line = f"{since(event.timestamp, t0):.3f}s: {prefix}.{event.name}"
    if event.context:
        line += " " + compact(event.context)
    return line


def exception_line(event: JobEvent, t0: float, jobid: str) -> str:
    """``flux job attach``'s exception line (printed whatever the verbosity)."""
    ctx = event.context
    return (
        f"{since(event.timestamp, t0):.3f}s: job.exception {jobid} "
        f"type={ctx.get('type', 'unknown')} severity={ctx.get('severity', 0)} {ctx.get('note', '')}"
    )


def exec_log_text(event: JobEvent, t0: float) -> str:
    """An exec ``log`` event (a shell's own stderr): ``0.5s: shell[0]: stderr: data``."""
    ctx = event.context
    head = f"{since(event.timestamp, t0):.3f}s: {ctx.get('component', 'shell')}"
    return f"{head}[{ctx.get('rank', '0')}]: {ctx.get('stream', 'stderr')}: {ctx.get('data', '')}"


def exception_summary(context: dict) -> str:
    """``job.exception: type=T severity=S NOTE`` (the submit watcher's line)."""
    text = f"job.exception: type={context.get('type', 'unknown')} severity={context.get('severity', 0)}"
    if context.get("note"):
        text += f" {context['note']}"
    return text


def watch_line(jobid: str, timestamp: float, t0: float, message: str) -> str:
    """The submit watcher's ``ID: 0.123s: MESSAGE``."""
    return f"{jobid}: {since(timestamp, t0):4.3f}s: {message}"


def watch_event_text(event: JobEvent, prefix: str = "") -> str:
    """The message of a watcher event line: ``exec.shell.init {...}`` (context sorted)."""
    return f"{prefix}{event.name} {context_string(event.context)}"


def status_message(event: JobEvent, current: str | None, prologs: int = 0) -> str | None:
    """The status line's message after ``event`` (``current`` when it does not change it)."""
    name = event.name
    if name == "prolog-finish":
        return "waiting for prolog" if prologs > 0 else "starting"
    if name == "exception" and event.context.get("severity") == 0:
        return "canceling due to exception"
    return STATUS_AFTER.get(name, current)


def status_line(tool: str, jobid: str, message: str, elapsed: float, columns: int) -> str:
    """``TOOL: ID MESSAGE   00:00:08``, the clock flush right in ``columns`` - 1."""
    seconds = int(max(0.0, elapsed))
    clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    head = f"{tool}: {jobid} "
    width = max(len(message), columns - 1 - len(head) - 1 - len(clock))
    return f"{head}{message:<{width}} {clock}"


class EventlogFormatter:
    """``flux job eventlog`` / ``wait-event`` entries: text or JSON, four time formats."""

    def __init__(self, fmt: str = "text", time_format: str = "raw", color: bool = False):
        if fmt.lower() not in FORMATS:
            raise ValueError(f"invalid format type '{fmt}'")
        if time_format.lower() not in TIME_FORMATS:
            raise ValueError(f"invalid time-format type '{time_format}'")
        self.json = fmt.lower() == "json"
        self.time_format = "human" if time_format.lower() == "reltime" else time_format.lower()
        self.color = color
        self.t0 = 0.0
        self.last_minute: tuple | None = None
        self.last_ts = 0.0

    def _paint(self, kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_RESET}" if self.color else text

    def note_t0(self, timestamp: float) -> None:
        """Remember the first timestamp (the origin of offset times)."""
        if self.t0 == 0.0:
            self.t0 = timestamp

    def _timestamp(self, ts: float) -> str:
        if self.time_format == "raw":
            return self._paint("time", f"{ts:f}")
        if self.time_format == "offset":
            self.note_t0(ts)
            return self._paint("time", f"{ts - self.t0:f}")
        local = time.localtime(ts)
        if self.time_format == "iso":
            offset = time.strftime("%z", local)
            zone = "Z" if offset == "+0000" else f"{offset[:3]}:{offset[3:]}"
            usec = int((ts - int(ts)) * 1e6)
            return self._paint(
                "time", time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{usec:06d}{zone}"
            )
        minute = local[:5]
        if minute == self.last_minute:
            return self._paint("time", f"[{ts - self.last_ts:+11.6f}]")
        self.last_minute, self.last_ts = minute, ts
        stamp = f"[{_MONTHS[local.tm_mon - 1]}{local.tm_mday:02d} {local.tm_hour:02d}:{local.tm_min:02d}]"
        return self._paint("timebreak", stamp)

    def format(self, event: JobEvent) -> str:
        """One entry, without the newline."""
        if self.json:
            return compact(event.to_dict())
        kind = "exception" if event.name == "exception" else "name"
        parts = [self._timestamp(event.timestamp), self._paint(kind, event.name)]
        for key, value in event.context.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            parts.append(
                f"{self._paint('key', key)}={self._paint('number' if number else 'value', compact(value))}"
            )
        return " ".join(parts)


class AttachTimeline:
    """One attached job (fxrun, fxalloc, ``fx job attach``): its lines and its status line."""

    counts = None

    def __init__(self, tool: str, jobid: str, verbose: int = 0, status_delay: float = 2.0):
        self.tool, self.jobid, self.verbose = tool, jobid, verbose
        self.t0 = 0.0
        self.message: str | None = None
        self.prologs = 0
        self.pending = True  # the status line may show (until start, clean or a fatal exception)
        self.shown_after = time.monotonic() + status_delay

    def lines(self, event: JobEvent) -> list[str]:
        """The lines ``event`` prints on stderr."""
        if self.t0 == 0.0:
            self.t0 = event.timestamp
        if event.log == "exec":
            if event.name == "log":
                return [exec_log_text(event, self.t0).rstrip("\n")]
            return [attach_event_line(event, self.t0, "exec")] if self.verbose > 2 else []
        self._follow_status(event)
        if event.name == "exception":
            return [exception_line(event, self.t0, self.jobid)]
        return [attach_event_line(event, self.t0)] if self.verbose > 1 else []

    def _follow_status(self, event: JobEvent) -> None:
        if event.name == "prolog-start":
            self.prologs += 1
        elif event.name == "prolog-finish":
            self.prologs -= 1
        if not self.pending:
            return
        self.message = status_message(event, self.message, self.prologs)
        fatal = event.name == "exception" and event.context.get("severity") == 0
        if event.name in ("start", "clean") or fatal:
            self.pending = False

    def status_text(self, columns: int) -> str | None:
        """The status line now (None: nothing to show)."""
        if not self.pending or not self.message or time.monotonic() < self.shown_after:
            return None
        return status_line(self.tool, self.jobid, self.message, time.time() - self.t0, columns)


class WatchTimeline:
    """Many jobs (fxsub --wait/--watch, fxwatch): event lines, exceptions, final status."""

    def __init__(self, format_id, verbose: int = 0, counts=None, t0: float | None = None):
        self.format_id = format_id
        self.verbose = verbose
        self.counts = counts
        self.t0 = t0

    def note_submit(self, timestamp: float) -> None:
        """Times are relative to the earliest submit seen."""
        if self.t0 is None or timestamp < self.t0:
            self.t0 = timestamp

    def lines(self, event: JobEvent) -> list[str]:
        """The lines ``event`` prints on its job's stderr."""
        self.note_submit(event.timestamp)
        jobid = self.format_id(event.jobid)
        lines = []
        prefix = "exec." if event.log == "exec" else ""
        if self.verbose > 1:
            lines.append(
                watch_line(jobid, event.timestamp, self.t0, watch_event_text(event, prefix))
            )
        if event.log != "eventlog":
            return lines
        if self.counts is not None:
            self.counts.update(event)
        if event.name == "exception" and event.context.get("severity") == 0:
            lines.append(exception_summary(event.context))
        elif event.name == "finish" and self.verbose:
            status = event.context.get("status", 0)
            word = "failed" if status else "complete"
            lines.append(watch_line(jobid, event.timestamp, self.t0, f"{word}: status={status}"))
        return lines

    def status_text(self, columns: int) -> str | None:
        """Many jobs have no status line (the progress bar shows their counts)."""
        return None


class EventPrinter:
    """``fxwatch --events|--json``: each main event on stdout, one line, for scripts.

    text: ``ID TIMESTAMP NAME key=value ...`` (``flux job eventlog``'s entry,
    raw time, after the job's id); json: the RFC 18 event with ``"id"`` added.
    """

    def __init__(self, format_id, fmt: str = "text"):
        import sys

        self.format_id = format_id
        self.json = fmt == "json"
        self.formatter = EventlogFormatter("text", "raw")
        self.stream = sys.stdout

    def write(self, event: JobEvent) -> None:
        """Print ``event`` (flushed: a script reads it as it happens)."""
        if self.json:
            line = compact({"id": event.jobid, **event.to_dict()})
        else:
            line = f"{self.format_id(event.jobid)} {self.formatter.format(event)}"
        self.stream.write(line + "\n")
        self.stream.flush()
