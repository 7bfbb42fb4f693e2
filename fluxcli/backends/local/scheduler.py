"""First-come-first-served scheduling by priority, with EASY-style backfill."""

from __future__ import annotations

import asyncio
import copy
import math
import time


class Scheduler:
    """Starts SCHED jobs when resources allow; held jobs (priority 0) wait."""

    def __init__(self, manager):
        self.manager = manager
        self._kicked = False

    def kick(self) -> None:
        """Schedule a pass at the end of this loop turn."""
        if not self._kicked:
            self._kicked = True
            asyncio.get_running_loop().call_soon(self.schedule)

    def forget(self, job) -> None:
        """A job left the queue without running (nothing to do: the queue is derived)."""

    def schedule(self) -> None:
        """One pass: start the queue head while it fits, then backfill behind it."""
        self._kicked = False
        manager = self.manager
        queue = sorted(
            (j for j in manager.sched.values() if j.priority > 0 and j.request),
            key=lambda j: (-j.priority, j.id),
        )
        head = None
        shadow = None
        for job in queue:
            if head is None:
                alloc = manager.pool.allocate(job.request)
                if alloc is not None:
                    manager.start_job(job, alloc)
                else:
                    head = job
                continue
            if not job.duration:
                continue  # only jobs with a time limit can backfill
            if shadow is None:
                shadow = self._shadow_time(head)
            if time.time() + job.duration <= shadow:
                alloc = manager.pool.allocate(job.request)
                if alloc is not None:
                    manager.start_job(job, alloc)

    def _shadow_time(self, head) -> float:
        """When the blocked head job could start, assuming running jobs use their limits."""
        manager = self.manager
        running = [j for j in manager.jobs.values() if j.state == "RUN" and j.alloc is not None]
        ends = sorted(
            (
                ((j.t_run or time.time()) + j.duration if j.duration else math.inf, j)
                for j in running
            ),
            key=lambda pair: pair[0],
        )
        pool = copy.deepcopy(manager.pool)
        for end, job in ends:
            if end == math.inf:
                return math.inf
            pool.release(job.alloc)
            if pool.allocate(head.request) is not None:
                return end
        return math.inf
