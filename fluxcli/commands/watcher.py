"""Watching many jobs: fxsub/fxbulksubmit ``--wait``/``--watch``/``--wait-event``, and fxwatch.

Like the session of one attached job, producer threads put events and output
on one queue and the main thread alone drives the display. Ctrl-C stops the
watch (KeyboardInterrupt, exit 130 at the command's edge) and never touches
the jobs. The exit code is the worst job's.
"""

from __future__ import annotations

import sys
import time

from fluxcli.errors import FluxcliError, describe
from fluxcli.jobspec.status import Outcome
from fluxcli.views.display import open_display
from fluxcli.views.progress import JobCounts
from fluxcli.views.terminal import Terminal, is_terminal
from fluxcli.views.timeline import EventPrinter, WatchTimeline

from .session import Feed

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

TICK = 0.25  # seconds between redraws of a progress bar
BOARD_TICK = 0.1  # seconds between redraws of fxwatch's live region (10 a second at most)
USAGE_EVERY = 1.0  # seconds between readings of running jobs' CPU and memory


class WatchOptions:
    """What to wait for and what to show (``watch``: copy the jobs' output)."""

    def __init__(
        self,
        tool: str,
        verbose: int = 0,
        wait_event: str = "clean",
        watch: bool = False,
        label_io: bool = False,
        progress: bool = False,
        jps: bool = False,
        color: str | None = None,
        start_at: float | None = None,
        events: str | None = None,
        board: bool = False,
        names: dict[int, str] | None = None,
    ):
        self.tool, self.verbose, self.wait_event, self.watch = tool, verbose, wait_event, watch
        self.label_io, self.progress, self.jps, self.color = label_io, progress, jps, color
        # times are relative to start_at (else the first submit); events: "text"/"json" on stdout
        self.start_at, self.events = start_at, events
        # board: the live region of fxwatch on a terminal; names: job names for its table
        self.board, self.names = board, names or {}
        self.started: float | None = None  # when the bar's clock starts (default: now)


class Watch:
    """Follow ``jobs`` (id, stdout, stderr) until each reaches the awaited event."""

    def __init__(
        self, backend, options: WatchOptions, jobs: Sequence[tuple[int, IO | None, IO | None]]
    ):
        self.backend = backend
        self.options = options
        self.jobids = [int(jobid) for jobid, _, _ in jobs]
        self.outcomes = {jobid: Outcome() for jobid in self.jobids}
        self.terminal = Terminal(options.tool, options.verbose, options.color)
        self.feed = Feed(backend, self.jobids)
        live = options.progress and is_terminal(sys.stdout) and is_terminal(sys.stderr)
        if options.progress and not is_terminal(sys.stdout):
            self.terminal.warning("stdout is not a tty. Ignoring --progress option")
        counts = JobCounts(self.jobids, options.jps, options.started) if live else None
        timeline = WatchTimeline(backend.format_id, options.verbose, counts, options.start_at)
        self.board = options.board and not live and not options.events and is_terminal(sys.stderr)
        if self.board:
            from fluxcli.views.board import WatchBoard

            self.display = WatchBoard(
                self.terminal, timeline, label_io=options.label_io, shell_logs=True
            )
        else:  # the job shells' messages are shown as the reference's watcher does
            self.display = open_display(
                self.terminal, timeline, live=live, label_io=options.label_io, shell_logs=True
            )
        for jobid, out, err in jobs:
            self.display.add_job(int(jobid), out, err, prefix=f"{backend.format_id(int(jobid))}: ")
        if self.board:
            for jobid, name in options.names.items():
                self.display.name(jobid, name)
        self.polled = 0.0
        self.printer = EventPrinter(backend.format_id, options.events) if options.events else None
        # jobs whose exec eventlog is still followed (-vv, or an exec.* wait): from
        # their start to shell.init (or to the awaited exec event), as the reference does
        self.exec_open: set[int] = set()
        self.exec_wait = options.wait_event.startswith("exec.")
        self.exec_wanted = self.printer is None and (
            self.exec_wait or (options.watch and options.verbose > 1)
        )
        self.exec_fed = False

    def run(self) -> int:
        """Watch until every job is done; return the worst exit code."""
        self.feed.events("eventlog", "event")
        if self.options.watch and self.printer is None:
            self.feed.output()
        try:
            code = self._loop()
        finally:
            self.display.close()
        return max(code, *(o.exit_code for o in self.outcomes.values()), 0)

    def _loop(self) -> int:
        done: set[int] = set()
        self.reached: set[int] = set()  # jobs past the awaited main event
        opts = self.options
        # all output is awaited only when the jobs are awaited to the end
        output_over = not (opts.watch and opts.wait_event == "clean" and self.printer is None)
        tick = TICK if self.display.timeline.counts is not None else None
        idle = self.display.tick
        if self.board:
            tick, idle = BOARD_TICK, self._board_tick
        while len(done) < len(self.jobids) or not output_over:
            kind, item = self.feed.next(tick, idle)
            if kind == "output":
                self.display.output(item)
            elif kind == "output-end":
                output_over = True
            elif kind == "event-end":  # every eventlog ended (the awaited event never came)
                self.reached.update(self.jobids)
            elif kind == "exec-end":
                self.exec_open.clear()
            elif kind.endswith("-error"):
                self.terminal.error(describe(item))
                return 1
            elif kind == "event" and item.jobid not in done:
                self._main_event(item)
            elif kind == "exec" and item.jobid in self.exec_open:
                self._exec_event(item)
            if self.board:
                self._board_tick()
            else:  # a bar prints what waits above it with its next redraw
                self.display.tick()
            for jobid in self.reached - done - self.exec_open:
                done.add(jobid)
                self.display.finish(jobid)
        return 0

    def _board_tick(self) -> None:
        """Redraw the board; every USAGE_EVERY seconds, ask what running jobs use."""
        now = time.monotonic()
        running = self.display.running
        if running and now - self.polled >= USAGE_EVERY:
            self.polled = now
            try:
                self.display.usage(self.backend.usage(list(running)[: self.display.rows]))
            except (OSError, FluxcliError):
                pass  # a reading is a nicety: the watch goes on without it
        self.display.tick()

    def _main_event(self, event) -> None:
        self.outcomes[event.jobid].update(event.to_dict())
        if self.printer is not None:
            self.printer.write(event)
        else:
            self.display.event(event)
        if event.name == "start" and self.exec_wanted:
            self.exec_open.add(event.jobid)
            if not self.exec_fed:
                self.exec_fed = True
                self.feed.events("exec", "exec")
        if event.name in (self.options.wait_event, "clean"):
            self.reached.add(event.jobid)

    def _exec_event(self, event) -> None:
        if self.options.verbose > 1:
            self.display.event(event)
        name = f"exec.{event.name}"
        if name == self.options.wait_event:
            self.exec_open.discard(event.jobid)
            self.reached.add(event.jobid)
        elif event.name == "shell.init" and not self.exec_wait:
            self.exec_open.discard(event.jobid)


class JobWatcher(Watch):
    """fxsub/fxbulksubmit: watch what was just submitted, as the options say."""

    def __init__(self, inv, submitted, start: float | None = None):
        ns = inv.ns
        options = WatchOptions(
            tool=inv.name,
            verbose=ns.verbose,
            wait_event=ns.wait_event or "clean",
            watch=ns.watch,
            label_io=ns.label_io,
            progress=ns.progress,
            jps=ns.jps,
            color=getattr(ns, "color", None),
        )
        options.started = start  # the bar's clock runs from the submission on
        super().__init__(inv.handle.backend, options, [(int(j), o, e) for j, o, e in submitted])
