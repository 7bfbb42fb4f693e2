"""fxwatch on a terminal: a live region under the scrolling output, then a result per job.

One job: its state, elapsed time, CPU and memory (when the backend measures
them) and its event timeline as it happens (``0.012s  name  context``). Many
jobs: the counts of pending, running, complete and failed jobs and a table of
the running ones. Job output and ``-v`` lines scroll above the region; at the
end the region goes away and each job gets one line: exit code, exception
note, runtime. Redrawn at most ``FPS`` times a second; what it keeps per job
is a few numbers, so 10,000 jobs cost little.
"""

from __future__ import annotations

import time

from .display import RichLive
from .timeline import context_string, since

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import IO, Any

    from fluxcli.backends.contract import JobEvent, JobUsage

    from .terminal import Terminal

FPS = 10  # redraws a second, at most
INTERVAL = 1.05 / FPS  # a little over 1/FPS: never FPS + 1 frames within one second
TIMELINE_ROWS = 12  # events of one job shown (the latest)
TABLE_ROWS = 8  # running jobs shown (the longest running)
RESULT_LINES = 50  # more jobs than this: failures only, then a summary
STYLES = [  # colours of the region's words, when colour is wanted
    (r"\brunning\b|\bR:\d+", "green"),
    (r"\bpending\b|\bPD:\d+", "yellow"),
    (r"\bfailed\b|\bF:[1-9]\d*", "red"),
    (r"\bcomplete\b|\bCD:\d+", "blue"),
    (r"^ +\d+\.\d{3}s", "cyan"),
]


class WatchedJob:
    """What the board knows of one job."""

    __slots__ = ("text", "name", "state", "t_submit", "t_start", "t_end", "status", "exception")

    def __init__(self, text: str, name: str = ""):
        self.text, self.name, self.state = text, name, "pending"
        self.t_submit = self.t_start = self.t_end = None
        self.status: int | None = None
        self.exception: dict | None = None

    def follow(self, event: JobEvent) -> None:
        """Take one main-eventlog event."""
        name, ctx = event.name, event.context
        if name == "submit":
            self.t_submit = event.timestamp
        elif name == "alloc" and self.state == "pending":
            self.state = "running"
        elif name == "start":
            self.t_start = event.timestamp
        elif name == "finish":
            self.status, self.t_end = ctx.get("status", 0), event.timestamp
            self.state = "complete" if self.status == 0 else "failed"
        elif name == "exception" and ctx.get("severity") == 0:
            self.exception = self.exception or ctx
            if self.state == "pending":
                self.state, self.t_end = "failed", event.timestamp

    def elapsed(self, now: float) -> float:
        """Seconds since it started (pending: since it was submitted)."""
        origin = self.t_start or self.t_submit or now
        return since(self.t_end or now, origin)

    def result(self) -> str:
        """``ID: exit N, runtime 1.234s`` (and the exception, when one ended it)."""
        from fluxcli.jobspec.status import exit_code

        if self.status is None and not self.exception:
            return f"{self.text}: still {self.state}, no longer watched"
        code = exit_code(self.status) if self.status is not None else 1
        text = f"{self.text}: exit {code}"
        if self.exception:
            exc = self.exception
            text += f", exception {exc.get('type', '')}"
            text += f": {exc['note']}" if exc.get("note") else ""
        if self.t_start is not None and self.t_end is not None:
            text += f", runtime {since(self.t_end, self.t_start):.3f}s"
        return text


def clock(seconds: float) -> str:
    """``HH:MM:SS``."""
    s = int(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def size(nbytes: int) -> str:
    """Bytes as people read them (``12.3M``)."""
    value = float(nbytes)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}T"


class WatchBoard(RichLive):
    """The live face of fxwatch (a terminal on stderr)."""

    def __init__(
        self, terminal: Terminal, timeline: Any, label_io=False, now=time.time, shell_logs=False
    ):
        super().__init__(terminal, timeline, label_io, shell_logs)
        self.now = now
        self.jobs: dict[int, WatchedJob] = {}
        self.running: dict[int, None] = {}  # insertion order: longest running first
        self.usage_of: dict[int, JobUsage] = {}
        self.events: list[tuple[float, str, str]] = []  # one job's timeline (bounded)
        self.t0: float | None = None
        self.drawn = 0.0
        self.rows = TABLE_ROWS  # running jobs shown, and so worth measuring
        self.started = self.now()
        self.buffered = True

    def add_job(
        self, jobid: int, stdout: IO | None = None, stderr: IO | None = None, prefix: str = ""
    ) -> None:
        """Show ``jobid`` on the board (``prefix`` is its id and ``": "``)."""
        super().add_job(jobid, stdout, stderr, prefix)
        self.jobs[jobid] = WatchedJob(prefix.rstrip(": ") or str(jobid))

    def name(self, jobid: int, name: str) -> None:
        """The job's name, for the table of running jobs."""
        if jobid in self.jobs:
            self.jobs[jobid].name = name

    def _copier(self, out, err, prefix):
        from .output import OutputCopier
        from .terminal import is_terminal

        if not is_terminal(out):
            return super(RichLive, self)._copier(out, err, prefix)
        head = prefix if self.label_io else ""
        return OutputCopier(out, err, label=self.label_io, prefix=head, sink=self._sink)

    def output(self, chunk) -> None:
        """Output scrolls above the region."""
        if chunk.jobid not in self.copiers:
            self.add_job(chunk.jobid)
        self.copiers[chunk.jobid].write(chunk)

    def event(self, event: JobEvent) -> None:
        """Event lines above; the job's state, and its timeline when it is the only job."""
        job = self.jobs.get(event.jobid)
        if job is not None and event.log == "eventlog":
            job.follow(event)
            if job.state == "running":
                self.running.setdefault(event.jobid, None)
            else:
                self.running.pop(event.jobid, None)
            if self.t0 is None or event.timestamp < self.t0:
                self.t0 = event.timestamp
            if len(self.jobs) == 1:
                self.events.append((event.timestamp, event.name, context_string(event.context)))
                del self.events[:-TIMELINE_ROWS]
        super().event(event)

    def usage(self, found: dict[int, JobUsage]) -> None:
        """The latest CPU and memory readings of running jobs."""
        self.usage_of = found

    def finish(self, jobid: int) -> None:
        """The watch of ``jobid`` is over."""
        self.running.pop(jobid, None)
        self.tick()

    def tick(self) -> None:
        """Redraw, at most FPS times a second."""
        now = self.now()
        if now - self.drawn < INTERVAL:
            return
        self.drawn = now
        if self.live is None:
            from rich.live import Live

            self.live = Live(console=self.terminal.console, auto_refresh=False, transient=True)
            self._start()
        self._flush()
        self.live.update(self.render(now), refresh=True)

    def render(self, now: float) -> Any:
        """The region now."""
        from rich.console import Group
        from rich.text import Text

        texts = [Text(line, no_wrap=True, overflow="ellipsis") for line in self.lines(now)]
        if self.terminal.color:  # rich drops the styles itself under NO_COLOR / --color=never
            texts[0].stylize("bold")
            for text in texts:
                for pattern, style in STYLES:
                    text.highlight_regex(pattern, style)
        return Group(*texts)

    def lines(self, now: float) -> list[str]:
        """The region as plain lines (one job: its timeline; many: counts and a table)."""
        if len(self.jobs) == 1:
            return self._one(next(iter(self.jobs.items())), now)
        return self._many(now)

    def _usage(self, jobid: int) -> str:
        found = self.usage_of.get(jobid)
        return f"{found.cputime:>6.1f}s {size(found.rss):>7}" if found else ""

    def _one(self, item: tuple[int, WatchedJob], now: float) -> list[str]:
        jobid, job = item
        head = f"{job.text}  {job.state}  {clock(job.elapsed(now))}"
        found = self.usage_of.get(jobid)
        if found and job.state == "running":
            head += f"  cpu {found.cputime:.1f}s  mem {size(found.rss)}"
        t0 = job.t_submit or self.t0 or now
        width = max((len(name) for _, name, _ in self.events), default=0)
        rows = [
            f"  {since(ts, t0):8.3f}s  {name:<{width}}  {ctx}".rstrip()
            for ts, name, ctx in self.events
        ]
        return [head, *rows]

    def _many(self, now: float) -> list[str]:
        counts = {"pending": 0, "running": 0, "complete": 0, "failed": 0}
        for job in self.jobs.values():
            counts[job.state] += 1
        done = counts["complete"] + counts["failed"]
        head = (
            f"PD:{counts['pending']} R:{counts['running']} CD:{counts['complete']} "
            f"F:{counts['failed']}  {done}/{len(self.jobs)} done  {clock(now - self.started)}"
        )
        header = f"  {'JOBID':<12} {'NAME':<16} {'ELAPSED':<8}  {'CPU':>7} {'MEM':>7}"
        rows = [header] if self.running else []
        for jobid in list(self.running)[: self.rows]:
            job = self.jobs[jobid]
            rows.append(
                f"  {job.text:<12} {job.name[:16]:<16} {clock(job.elapsed(now))}  {self._usage(jobid)}".rstrip()
            )
        if len(self.running) > self.rows:
            rows.append(f"  … and {len(self.running) - self.rows} more running")
        return [head, *rows]

    def close(self) -> None:
        """The region goes; a result line per job stays (failures only past RESULT_LINES)."""
        if self.live is not None:
            from rich.text import Text

            self._flush()
            self.live.update(Text(""))  # its last refresh, on stopping, draws nothing
            self._stop()
        jobs = list(self.jobs.values())
        shown = jobs if len(jobs) <= RESULT_LINES else [j for j in jobs if j.state != "complete"]
        for job in shown[:RESULT_LINES]:
            self.terminal.write(job.result())
        if len(jobs) > RESULT_LINES:
            ok = sum(1 for j in jobs if j.state == "complete")
            self.terminal.write(f"{len(jobs)} jobs: {ok} complete, {len(jobs) - ok} not")
