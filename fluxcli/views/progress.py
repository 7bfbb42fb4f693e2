"""``--progress``: counts of pending/running/complete/failed jobs, and the bars that show them.

``JobCounts`` is plain bookkeeping (the reference's rules: a job runs at
``alloc``, completes or fails at ``finish``, fails at a fatal exception while
pending, and advances the bar when its watch is over); its counters move
with each event, so a redraw costs the same for ten jobs or ten thousand.
``SubmitBar`` shows jobs while they are being submitted: ``Submitting N
jobs`` without a wait, else the counts of the jobs submitted so far (its
first frame counts the first job, as Flux's does). rich is imported only by
the live display that draws a bar.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

    from fluxcli.backends.contract import JobEvent

STATES = ("PD", "R", "CD", "F")
COUNTER_WIDTH = 3  # as the reference pads each count


def counts_text(counts: dict[str, int]) -> str:
    """``PD:1   R:0   CD:0   F:0  `` (each count padded as the reference pads it)."""
    return " ".join(f"{s}:{counts.get(s, 0):<{COUNTER_WIDTH}}" for s in STATES)


class JobCounts:
    """PD/R/CD/F counters over a set of jobs."""

    def __init__(self, jobids, jps: bool = False, start: float | None = None):
        self.state = dict.fromkeys(jobids, "PD")
        self.counts = {s: 0 for s in STATES}
        self.counts["PD"] = len(self.state)
        self.done: set[int] = set()
        self.jps = jps
        self.start = time.time() if start is None else start  # the clock counts from here

    @property
    def total(self) -> int:
        """How many jobs are counted."""
        return len(self.state)

    def count(self, state: str) -> int:
        """How many jobs are in ``state`` (PD, R, CD or F)."""
        return self.counts[state]

    def _move(self, jobid: int, state: str) -> None:
        self.counts[self.state[jobid]] -= 1
        self.counts[state] += 1
        self.state[jobid] = state

    def update(self, event: JobEvent) -> None:
        """Follow one main-eventlog event of one job."""
        current = self.state.get(event.jobid)
        if current is None or event.log != "eventlog":
            return
        if event.name == "alloc" and current == "PD":
            self._move(event.jobid, "R")
        elif event.name == "finish" and current in ("PD", "R"):
            self._move(event.jobid, "CD" if event.context.get("status") == 0 else "F")
        elif event.name == "exception" and event.context.get("severity") == 0 and current == "PD":
            self._move(event.jobid, "F")

    def finish(self, jobid: int) -> None:
        """The watch of ``jobid`` is over: the bar advances."""
        self.done.add(jobid)

    def text(self) -> str:
        """``PD:n   R:n   CD:n   F:n  ``."""
        return counts_text(self.counts)

    def rate(self) -> str:
        """Jobs done per second so far (``--jps``)."""
        elapsed = max(time.time() - self.start, 1e-6)
        return f"{len(self.done) / elapsed:4.1f} job/s"

    def right(self) -> str:
        """What the bar shows at its right: the rate (``--jps``), else ``H:MM:SS`` elapsed."""
        if self.jps:
            return self.rate()
        seconds = int(max(0.0, time.time() - self.start))
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def make_bar(console: Any, counts: JobCounts, transient: bool = False) -> tuple[Any, Any]:
    """A rich Progress (not started) showing ``counts`` and its task id."""
    from rich.progress import BarColumn, Progress, TextColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[right]}"),
        console=console,
        auto_refresh=False,
        transient=transient,
    )
    task = progress.add_task(counts.text(), total=counts.total, right=counts.right())
    return progress, task


def refresh_bar(progress: Any, task: Any, counts: JobCounts) -> None:
    """Bring the bar up to date with ``counts`` and redraw it."""
    progress.update(
        task,
        description=counts.text(),
        total=counts.total,
        completed=len(counts.done),
        right=counts.right(),
    )
    progress.refresh()


class SubmitBar:
    """The bar while jobs are being submitted (``fxsub --cc=… --progress``).

    ``waiting``: the jobs will be watched afterwards, so the bar counts them
    as pending jobs (and gives way to the watcher's bar, transient); else it
    is ``Submitting N jobs:`` and stays when done.
    """

    def __init__(
        self, console: Any, total: int, waiting: bool, jps: bool = False, start: float | None = None
    ):
        self.total, self.waiting = total, waiting
        self.counts = JobCounts([], jps, start)
        if waiting:
            self.progress, self.task = make_bar(console, self.counts, transient=True)
        else:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn(f"Submitting {total} jobs:"),
                BarColumn(),
                TextColumn("{task.percentage:>5.1f}%"),
                TimeElapsedColumn(),
                console=console,
                auto_refresh=False,
            )
            self.task = self.progress.add_task("", total=total)
        self.progress.start()

    def print(self, text: str) -> None:
        """A line above the bar (a job id on a terminal stdout)."""
        from rich.text import Text

        self.progress.console.print(Text(text))

    def submitted(self, jobids: list[int]) -> None:
        """These jobs were just submitted: count them and redraw."""
        if self.waiting:
            for jobid in jobids:
                self.counts.state[jobid] = "PD"
            self.counts.counts["PD"] += len(jobids)
            refresh_bar(self.progress, self.task, self.counts)
        else:
            self.progress.update(self.task, advance=len(jobids))
            self.progress.refresh()

    def close(self) -> None:
        """Stop drawing (a waiting bar vanishes: the watcher's takes its place)."""
        self.progress.stop()
