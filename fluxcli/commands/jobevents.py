"""``fx job eventlog`` and ``fx job wait-event``: a job's eventlogs, as ``flux job`` prints them."""

from __future__ import annotations

import json
import queue
import sys
import threading
import time

import click

from fluxcli.errors import FluxcliError, describe

from .tools import known_job, open_backend

# path or short name -> (the backend's log, the full path, the terminating event)
PATHS = {
    "eventlog": ("eventlog", "eventlog", "clean"),
    "exec": ("exec", "guest.exec.eventlog", "done"),
    "guest.exec.eventlog": ("exec", "guest.exec.eventlog", "done"),
    "output": ("output", "guest.output", None),
    "guest.output": ("output", "guest.output", None),
    "input": ("input", "guest.input", None),
    "guest.input": ("input", "guest.input", None),
}
NOT_FOUND = "job {} not found"


def _formatter(fmt: str, time_format: str, human: bool, color: str | None):
    from fluxcli.views.terminal import color_wanted
    from fluxcli.views.timeline import EventlogFormatter

    if human:
        fmt, time_format = "text", "human"
    try:
        return EventlogFormatter(fmt, time_format, color_wanted(color, sys.stdout))
    except ValueError as exc:
        raise FluxcliError(str(exc))


def _log(path: str) -> tuple[str, str | None]:
    """The backend log for ``path`` and its terminating event, or the reference's error."""
    if path not in PATHS:
        raise FluxcliError(f"eventlog path {path} not found")
    log, _, end = PATHS[path]
    return log, end


def format_options(func):
    """``-f/--format``, ``-T/--time-format``, ``-H/--human`` and ``-L/--color[=WHEN]``."""
    for option in reversed(
        [
            click.option(
                "-f", "--format", "fmt", default="text", metavar="FORMAT", help="text or json"
            ),
            click.option(
                "-T",
                "--time-format",
                default="raw",
                metavar="FORMAT",
                help="raw, iso, offset or human",
            ),
            click.option("-H", "--human", is_flag=True, help="Human-readable text and times"),
            click.option(
                "-L",
                "--color",
                is_flag=False,
                flag_value="always",
                default="auto",
                metavar="WHEN",
                help="Colorize: always (bare -L), never or auto",
            ),
            click.option(
                "-p",
                "--path",
                default="eventlog",
                metavar="PATH",
                help="eventlog, exec, output or input",
            ),
        ]
    ):
        func = option(func)
    return func


@click.command()
@format_options
@click.option("-F", "--follow", is_flag=True, help="Follow events until the log ends")
@click.argument("jobid")
def eventlog(fmt, time_format, human, color, path, follow, jobid):
    """Print a job's eventlog."""
    formatter = _formatter(fmt, time_format, human, color)
    backend = open_backend()
    jid = known_job(backend, jobid, NOT_FOUND)
    log, end = _log(path)
    if follow:
        wait = Wait(end or "", count=1, verbose=True)
        return wait.run(backend, jid, log, formatter, None)
    for event in backend.events([jid], log, follow=False):
        print(formatter.format(event), flush=True)
    return 0


class Wait:
    """What ``wait-event`` waits for: the ``count``-th ``name`` whose context matches."""

    def __init__(
        self,
        name: str,
        key: str | None = None,
        value: str | None = None,
        count: int = 1,
        verbose: bool = False,
        quiet: bool = False,
    ):
        self.name, self.key, self.value, self.count = name, key, value, count
        self.verbose, self.quiet = verbose, quiet

    def matches(self, event) -> bool:
        """Whether ``event`` is one the wait counts."""
        if event.name != self.name:
            return False
        if self.key is None:
            return True
        if self.key not in event.context:
            return False
        value = event.context[self.key]
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return self.value in (text, value if isinstance(value, str) else None)

    def run(self, backend, jobid: int, log: str, formatter, timeout: float | None) -> int:
        """Print events as asked until the match; errors are the reference's."""
        events: queue.SimpleQueue = queue.SimpleQueue()

        def follow() -> None:
            try:
                for event in backend.events([jobid], log):
                    events.put(event)
            except Exception as exc:  # shown below as one line
                events.put(exc)
            events.put(None)

        threading.Thread(target=follow, daemon=True).start()
        deadline = None if timeout is None else time.monotonic() + timeout
        matched = 0
        while True:
            try:
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                event = events.get(timeout=wait)
            except queue.Empty:
                raise FluxcliError(f"wait-event timeout on event '{self.name}'")
            if event is None:
                if self.name:  # -F on a log without a terminating event ends here
                    raise FluxcliError(f"event '{self.name}' never received")
                return 0
            if isinstance(event, Exception):
                raise FluxcliError(describe(event))
            formatter.note_t0(event.timestamp)
            if self.matches(event):
                matched += 1
                if matched == self.count:
                    if not self.quiet:
                        print(formatter.format(event), flush=True)
                    return 0
            if self.verbose:
                print(formatter.format(event), flush=True)


@click.command("wait-event")
@format_options
@click.option("-t", "--timeout", metavar="DURATION", help="Give up after DURATION (FSD)")
@click.option("-m", "--match-context", metavar="KEY=VAL", help="Match key=val in the context")
@click.option("-c", "--count", type=int, default=1, metavar="COUNT", help="Wait for COUNT matches")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the matched event")
@click.option("-v", "--verbose", is_flag=True, help="Print every event before the match")
@click.option("-W", "--waitcreate", is_flag=True, help="Accepted: logs are always waited for")
@click.argument("jobid")
@click.argument("event")
def wait_event(fmt, time_format, human, color, path, timeout, match_context, count, **rest):
    """Wait for EVENT in a job's eventlog and print it."""
    from fluxcli.jobspec.fsd import parse_fsd

    if count <= 0:
        raise FluxcliError("count must be > 0")
    formatter = _formatter(fmt, time_format, human, color)
    key = value = None
    if match_context is not None:
        key, sep, value = match_context.partition("=")
        if not sep:
            raise FluxcliError("must specify a context test as key=value")
    try:
        seconds = None if timeout is None else parse_fsd(timeout)
    except ValueError as exc:
        raise FluxcliError(f"--timeout: {exc}")
    backend = open_backend()
    jid = known_job(backend, rest["jobid"], NOT_FOUND)
    log, _ = _log(path)
    wait = Wait(rest["event"], key, value, count, rest["verbose"], rest["quiet"])
    return wait.run(backend, jid, log, formatter, seconds)
