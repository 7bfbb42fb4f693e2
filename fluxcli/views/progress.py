"""``--progress``: counts of pending/running/complete/failed jobs, and the bar that shows them.

``JobCounts`` is plain bookkeeping (the reference's rules: a job runs at
``alloc``, completes or fails at ``finish``, fails at a fatal exception while
pending, and advances the bar when its watch is over). ``make_bar`` builds the
rich widget lazily; only the live display calls it.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

    from fluxcli.backends.contract import JobEvent


class JobCounts:
    """PD/R/CD/F counters over a fixed set of jobs."""

    def __init__(self, jobids, jps: bool = False):
        self.state = dict.fromkeys(jobids, "PD")
        self.done: set[int] = set()
        self.jps = jps
        self.start = time.monotonic()

    @property
    def total(self) -> int:
        return len(self.state)

    def count(self, state: str) -> int:
        """How many jobs are in ``state`` (PD, R, CD or F)."""
        return sum(1 for value in self.state.values() if value == state)

    def update(self, event: JobEvent) -> None:
        """Follow one main-eventlog event of one job."""
        current = self.state.get(event.jobid)
        if current is None or event.log != "eventlog":
            return
        if event.name == "alloc" and current == "PD":
            self.state[event.jobid] = "R"
        elif event.name == "finish" and current in ("PD", "R"):
            self.state[event.jobid] = "CD" if event.context.get("status") == 0 else "F"
        elif event.name == "exception" and event.context.get("severity") == 0 and current == "PD":
            self.state[event.jobid] = "F"

    def finish(self, jobid: int) -> None:
        """The watch of ``jobid`` is over: the bar advances."""
        self.done.add(jobid)

    def text(self) -> str:
        """``PD:n R:n CD:n F:n``."""
        return " ".join(f"{s}:{self.count(s)}" for s in ("PD", "R", "CD", "F"))

    def rate(self) -> str:
        """Jobs done per second so far (``--jps``)."""
        elapsed = max(time.monotonic() - self.start, 1e-6)
        return f"{len(self.done) / elapsed:4.1f} job/s"


def make_bar(console: Any, counts: JobCounts) -> tuple[Any, Any]:
    """A rich Progress (not started) showing ``counts`` and its task id."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[rate]}") if counts.jps else TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
    )
    task = progress.add_task(counts.text(), total=counts.total, rate="")
    return progress, task


def refresh_bar(progress: Any, task: Any, counts: JobCounts) -> None:
    """Bring the bar up to date with ``counts`` and redraw it."""
    progress.update(task, description=counts.text(), completed=len(counts.done), rate=counts.rate())
    progress.refresh()
