"""``fx top``'s screen: resources in use and free, job counts, and the active jobs.

``Overview`` turns typed records (``BackendInfo``, ``JobRecord``s and
``JobUsage`` readings) into lines; ``render`` makes them a rich renderable
for the full-screen live view. It never sees a backend.
"""

from __future__ import annotations

import time

from .board import clock, size

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any

    from fluxcli.backends.contract import BackendInfo, JobRecord, JobUsage

BAR_WIDTH = 24
STATE_CODES = {"DEPEND": "D", "PRIORITY": "P", "SCHED": "S", "RUN": "R", "CLEANUP": "C"}


def meter(label: str, used: int, total: int) -> str:
    """``    cores [||||||||        2/4]`` as flux top draws its resource bars."""
    figure = f"{used}/{total}"
    filled = 0 if total == 0 else round(BAR_WIDTH * used / total)
    inside = ("|" * filled).ljust(BAR_WIDTH)
    inside = inside[: BAR_WIDTH - len(figure)] + figure
    return f"{label:>9} [{inside}]"


class Overview:
    """One frame of ``fx top`` from what the backend said this time."""

    def __init__(
        self,
        info: BackendInfo,
        jobs: list[JobRecord],
        usage: dict[int, JobUsage],
        counts: dict[str, int],
        format_id,
        now: float | None = None,
    ):
        self.info, self.jobs, self.usage, self.counts = info, jobs, usage, counts
        self.format_id = format_id
        self.now = time.time() if now is None else now

    def _resources(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        from fluxcli.jobspec.hostlist import decode_hostlist

        nodes = self.info.resources or []
        cores = sum(len(n.get("cores", [])) for n in nodes)
        gpus = sum(len(n.get("gpus", [])) for n in nodes)
        running = [j for j in self.jobs if j.state in ("RUN", "CLEANUP")]
        busy: set[str] = set()
        for job in running:
            try:
                busy.update(decode_hostlist(job.nodelist) if job.nodelist else [])
            except ValueError:
                pass
        used_cores = min(cores, sum(j.ncores or 0 for j in running))
        used_gpus = min(gpus, sum(getattr(j, "ngpus", 0) or 0 for j in running))
        return (len(busy), len(nodes)), (used_cores, cores), (used_gpus, gpus)

    def lines(self) -> list[str]:
        """The screen as plain lines."""
        (bn, tn), (bc, tc), (bg, tg) = self._resources()
        pending = sum(1 for j in self.jobs if j.state in ("DEPEND", "PRIORITY", "SCHED"))
        running = sum(1 for j in self.jobs if j.state in ("RUN", "CLEANUP"))
        started = float((self.info.details or {}).get("started") or self.now)
        head = [
            f"{self.info.name} {self.info.uri}",
            f"{meter('nodes', bn, tn)}   {pending:>8} pending",
            f"{meter('cores', bc, tc)}   {running:>8} running",
            f"{meter('gpus', bg, tg)}   {self.counts.get('complete', 0):>8} complete,"
            f" {self.counts.get('failed', 0)} failed",
            f" uptime: {clock(self.now - started)}   q: quit",
            "",
            f"{'JOBID':>12} {'ST':>2} {'NTASKS':>6} {'NCORES':>6} {'ELAPSED':>8}"
            f" {'CPU':>8} {'MEM':>7}  NAME",
        ]
        return head + [self._row(job) for job in self.jobs]

    def _row(self, job: JobRecord) -> str:
        state = STATE_CODES.get(job.state, job.state[:2])
        origin = job.t_run if job.t_run else job.t_submit
        elapsed = clock(max(0.0, self.now - (origin or self.now)))
        found = self.usage.get(job.id)
        cpu = f"{found.cputime:.1f}s" if found else "-"
        mem = size(found.rss) if found else "-"
        return (
            f"{self.format_id(job.id):>12} {state:>2} {job.ntasks or 0:>6} {job.ncores or 0:>6}"
            f" {elapsed:>8} {cpu:>8} {mem:>7}  {job.name}"
        )

    def render(self, height: int) -> Any:
        """The frame for a screen ``height`` lines tall (jobs past it are counted, not shown)."""
        from rich.console import Group
        from rich.text import Text

        lines = self.lines()
        if len(lines) > height:
            hidden = len(lines) - height + 1
            lines = lines[: height - 1] + [f"  … {hidden} more jobs"]
        return Group(*(Text(line, no_wrap=True, overflow="crop") for line in lines))
