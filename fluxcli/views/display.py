"""The Display protocol: how commands show jobs, with three faces.

- ``RichLive``: stdio on a terminal; a live status line (one attached job
  waiting) or a progress bar (``--progress``), with every other line printed
  above it, never glued to it;
- ``Lines``: not a terminal; plain lines, and job output byte for byte;
- ``Null``: ``--quiet`` and tests; job output (data) only, no decorations.

A display receives typed ``JobEvent`` and ``OutputChunk`` records and never a
backend. What each event says is the timeline's business (views/timeline.py);
the display decides where and how it lands. One thread (the command's main
loop) drives a display; it needs no locks of its own.

Example::

    display = open_display(terminal, AttachTimeline("fxrun", "ƒ2"), live=True)
    display.add_job(jobid)
    display.event(event)      # lines on stderr, status line refreshed
    display.output(chunk)     # bytes on stdout/stderr
    display.close()
"""

from __future__ import annotations

import sys
import time

from .output import OutputCopier
from .terminal import Terminal, is_terminal

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import IO, Any

    from fluxcli.backends.contract import JobEvent, OutputChunk

    from .progress import JobCounts


BAR_FPS = 10  # progress bar redraws a second, at most (events may come by thousands)


class Timeline:
    """What a display asks of a timeline (AttachTimeline, WatchTimeline in views/timeline.py)."""

    counts: JobCounts | None = None

    def lines(self, event: JobEvent) -> list[str]:
        """The lines ``event`` prints on its job's stderr."""
        raise NotImplementedError

    def status_text(self, columns: int) -> str | None:
        """The live status line now (None: nothing to show)."""
        raise NotImplementedError


class Display:
    """Lines: every event line and job output written as it comes (the non-tty face)."""

    def __init__(
        self, terminal: Terminal, timeline: Timeline, label_io: bool = False, shell_logs=False
    ):
        self.terminal = terminal
        self.timeline = timeline
        self.label_io = label_io
        self.shell_logs = shell_logs  # the job shells' own messages too (as a watcher shows)
        self.streams: dict[int, tuple[IO, IO]] = {}
        self.copiers: dict[int, OutputCopier] = {}

    def add_job(
        self, jobid: int, stdout: IO | None = None, stderr: IO | None = None, prefix: str = ""
    ) -> None:
        """Show ``jobid``: its output goes to ``stdout``/``stderr``, labelled ``prefix`` with -l."""
        out = stdout if stdout is not None else sys.stdout
        err = stderr if stderr is not None else sys.stderr
        self.streams[jobid] = (out, err)
        self.copiers[jobid] = self._copier(out, err, prefix)

    def _copier(self, out: IO, err: IO, prefix: str) -> OutputCopier:
        head = prefix if self.label_io else ""
        return OutputCopier(out, err, self.label_io, head, shell_logs=self.shell_logs)

    def event(self, event: JobEvent) -> None:
        """Show what ``event`` says (event lines, exceptions, status, counts)."""
        for text in self.timeline.lines(event):
            self.line(text, event.jobid)
        self.tick()

    def output(self, chunk: OutputChunk) -> None:
        """Copy a piece of a job's output."""
        if chunk.jobid not in self.copiers:
            self.add_job(chunk.jobid)
        self.copiers[chunk.jobid].write(chunk)

    def line(self, text: str, jobid: int | None = None) -> None:
        """A line on the job's stderr (the terminal's when it has none of its own)."""
        err = self.streams.get(jobid, (None, None))[1] if jobid is not None else None
        if err is None or err is sys.stderr or err is self.terminal.stream:
            self.terminal.write(text)
            return
        err.write(text + "\n")
        err.flush()

    def finish(self, jobid: int) -> None:
        """The watch of ``jobid`` is over (the progress bar advances)."""
        if self.timeline.counts is not None:
            self.timeline.counts.finish(jobid)
        self.tick()

    def tick(self) -> None:
        """Refresh what moves with time (nothing, when not on a terminal)."""

    def close(self) -> None:
        """Leave the screen clean; the last progress bar stays."""


Lines = Display


class Null(Display):
    """No decorations at all: job output (data) is still copied."""

    def line(self, text: str, jobid: int | None = None) -> None:
        """Dropped."""


class RichLive(Display):
    """On a terminal: a live status line or progress bar under the lines printed above it."""

    def __init__(self, terminal: Terminal, timeline: Timeline, label_io=False, shell_logs=False):
        super().__init__(terminal, timeline, label_io, shell_logs)
        self.live: Any = None
        self.output_seen = False  # output means the job started: no status line any more
        self.drawn = 0.0  # when the bar was last drawn
        # with a bar, lines and output above it are printed with its redraws, at most
        # BAR_FPS times a second, not one redraw for each (output may come by thousands)
        self.buffered = timeline.counts is not None
        self.pending: list[str] = []
        self.task: Any = None
        if timeline.counts is not None:  # the bar shows from the start
            from .progress import make_bar

            self.live, self.task = make_bar(terminal.console, timeline.counts)
            self._start()

    def _start(self) -> None:
        self.live.start()
        self.terminal.above = self._print_above

    def _stop(self) -> None:
        self._flush()
        self.terminal.above = None
        self.live.stop()
        self.live = None

    def _print_above(self, text: str) -> None:
        if self.buffered:
            self.pending.append(text + "\n")
            return
        from rich.text import Text

        self.live.console.print(Text(text))

    def _flush(self) -> None:
        """Print what waits above the live part, at once (each print redraws that part)."""
        if self.pending and self.live is not None:
            from rich.text import Text

            text, self.pending = "".join(self.pending), []
            self.live.console.print(Text(text), end="")

    def _copier(self, out: IO, err: IO, prefix: str) -> OutputCopier:
        if self.timeline.counts is None or not is_terminal(out):
            return super()._copier(out, err, prefix)
        # with a bar: whole lines printed above it (cursor escapes removed, as Flux does)
        label, head = self.label_io, prefix if self.label_io else ""
        return OutputCopier(out, err, label, head, self._sink, self.shell_logs)

    def _sink(self, stream: str, data: bytes) -> None:
        from rich.text import Text

        text = data.decode("utf-8", "replace")
        if self.live is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        elif self.buffered:
            self.pending.append(text)
        else:
            self.live.console.print(Text(text), end="")

    def output(self, chunk: OutputChunk) -> None:
        """Copy output; a status line goes away first (output means the job started)."""
        if self.timeline.counts is None:
            self.output_seen = True
            if self.live is not None:
                self._stop()
        super().output(chunk)

    def tick(self, force: bool = False) -> None:
        """Redraw the clock of the status line, or the bar (at most BAR_FPS times a second)."""
        if self.timeline.counts is not None:
            now = time.monotonic()
            if self.live is not None and (force or now - self.drawn >= 1 / BAR_FPS):
                from .progress import refresh_bar

                self.drawn = now
                self._flush()
                refresh_bar(self.live, self.task, self.timeline.counts)
            return
        text = None
        if not self.output_seen:
            text = self.timeline.status_text(self.terminal.console.width)
        if text is None:
            if self.live is not None:
                self._stop()
            return
        from rich.text import Text

        if self.live is None:
            from rich.live import Live

            self.live = Live(
                Text(text, no_wrap=True, overflow="crop"),
                console=self.terminal.console,
                auto_refresh=False,
                transient=True,
            )
            self._start()
        self.live.update(Text(text, no_wrap=True, overflow="crop"), refresh=True)

    def close(self) -> None:
        """Stop the live part (a status line vanishes, the bar stays at its last state)."""
        if self.live is not None:
            if self.timeline.counts is not None:
                self.tick(force=True)
            self._stop()


def open_display(
    terminal: Terminal, timeline: Timeline, live: bool = False, quiet: bool = False, **kw
) -> Display:
    """The face for this run: RichLive when ``live`` (the caller checked the terminals)."""
    if quiet:
        return Null(terminal, timeline, **kw)
    if live:
        return RichLive(terminal, timeline, **kw)
    return Display(terminal, timeline, **kw)
