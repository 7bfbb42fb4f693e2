"""Watching many jobs: fxsub/fxbulksubmit ``--wait``/``--watch``/``--wait-event``, and fxwatch.

Like the session of one attached job, producer threads put events and output
on one queue and the main thread alone drives the display. Ctrl-C stops the
watch (KeyboardInterrupt, exit 130 at the command's edge) and never touches
the jobs. The exit code is the worst job's.
"""

from __future__ import annotations

import sys

from fluxcli.errors import describe
from fluxcli.jobspec.status import Outcome
from fluxcli.views.display import open_display
from fluxcli.views.progress import JobCounts
from fluxcli.views.terminal import Terminal, is_terminal
from fluxcli.views.timeline import WatchTimeline

from .session import Feed

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

TICK = 0.25  # seconds between redraws of a progress bar


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
    ):
        self.tool, self.verbose, self.wait_event, self.watch = tool, verbose, wait_event, watch
        self.label_io, self.progress, self.jps, self.color = label_io, progress, jps, color


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
        counts = JobCounts(self.jobids, options.jps) if live else None
        timeline = WatchTimeline(backend.format_id, options.verbose, counts)
        self.display = open_display(self.terminal, timeline, live=live, label_io=options.label_io)
        for jobid, out, err in jobs:
            self.display.add_job(int(jobid), out, err, prefix=f"{backend.format_id(int(jobid))}: ")

    def run(self) -> int:
        """Watch until every job is done; return the worst exit code."""
        opts = self.options
        exec_wait = opts.wait_event.startswith("exec.")
        # the exec events, from the first start on (as the reference follows them)
        self.exec_wanted = exec_wait or (opts.watch and opts.verbose > 1)
        self.feed.events("eventlog", "event")
        if opts.watch:
            self.feed.output()
        try:
            code = self._loop()
        finally:
            self.display.close()
        return max(code, *(o.exit_code for o in self.outcomes.values()), 0)

    def _loop(self) -> int:
        done: set[int] = set()
        # all output is awaited only when the jobs are awaited to the end
        output_over = not (self.options.watch and self.options.wait_event == "clean")
        tick = TICK if self.display.timeline.counts is not None else None
        while len(done) < len(self.jobids) or not output_over:
            kind, item = self.feed.next(tick, self.display.tick)
            if kind == "output":
                self.display.output(item)
            elif kind == "output-end":
                output_over = True
            elif kind == "event-end":  # every eventlog ended (the awaited event never came)
                for jobid in set(self.jobids) - done:
                    self._done(jobid, done)
            elif kind.endswith("-error"):
                self.terminal.error(describe(item))
                return 1
            elif kind in ("event", "exec") and item.jobid not in done:
                if kind == "event":
                    self.outcomes[item.jobid].update(item.to_dict())
                    if item.name == "start" and self.exec_wanted:
                        self.exec_wanted = False
                        self.feed.events("exec", "exec")
                self.display.event(item)
                name = f"exec.{item.name}" if kind == "exec" else item.name
                if name == self.options.wait_event or (kind == "event" and item.name == "clean"):
                    self._done(item.jobid, done)
        return 0

    def _done(self, jobid: int, done: set[int]) -> None:
        done.add(jobid)
        self.display.finish(jobid)


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
        super().__init__(inv.handle.backend, options, [(int(j), o, e) for j, o, e in submitted])
