"""``--progress``: a rich progress bar of pending/running/complete/failed jobs."""

from __future__ import annotations

import sys
import time


class ProgressView:
    """PD/R/CD/F counters and a bar on stderr (only when stdout is a terminal)."""

    def __init__(self, total: int, jps: bool = False):
        self.total = total
        self.counts = {"PD": total, "R": 0, "CD": 0, "F": 0}
        self.live = None
        if not sys.stdout.isatty():
            print(
                "fluxcli: warning: stdout is not a tty. Ignoring --progress option", file=sys.stderr
            )
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.live = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[rate]}") if jps else TimeElapsedColumn(),
            console=Console(stderr=True, markup=False, highlight=False),
        )
        self.start = time.monotonic()
        self.task = self.live.add_task(self._text(), total=total, rate="")
        self.live.start()

    def _text(self) -> str:
        c = self.counts
        return f"PD:{c['PD']} R:{c['R']} CD:{c['CD']} F:{c['F']}"

    def update(self, name: str, context: dict) -> None:
        if name == "alloc":
            self.counts["PD"] -= 1
            self.counts["R"] += 1
        elif name == "finish":
            self.counts["R"] -= 1
            self.counts["CD" if context.get("status") == 0 else "F"] += 1
        elif name == "exception" and context.get("severity") == 0 and self.counts["PD"] > 0:
            self.counts["PD"] -= 1  # failed before it ran (e.g. unsatisfiable)
            self.counts["F"] += 1
        if self.live is not None:
            done = self.counts["CD"] + self.counts["F"]
            rate = f"{done / max(time.monotonic() - self.start, 1e-6):4.1f} job/s"
            self.live.update(self.task, description=self._text(), completed=done, rate=rate)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
