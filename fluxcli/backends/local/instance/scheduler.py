"""First-come-first-served scheduling by priority, with EASY-style backfill."""

from __future__ import annotations

import asyncio
import bisect
import copy
import math
import time


class Scheduler:
    """Starts SCHED jobs when resources allow; held jobs (priority 0) wait.

    The queue is kept sorted by (-priority, id) as jobs enter and leave, so a
    pass costs what it starts, not the length of the queue.
    """

    def __init__(self, manager):
        self.manager = manager
        self._kicked = False
        self.queue: list[tuple[int, int]] = []
        self.jobs: dict[int, object] = {}
        self.timed = 0  # queued jobs with a time limit: the only backfill candidates

    def add(self, job) -> None:
        """A job entered SCHED (or its priority changed)."""
        self.remove(job)
        job.queue_key = (-job.priority, job.id)
        bisect.insort(self.queue, job.queue_key)
        self.jobs[job.id] = job
        self.timed += 1 if job.duration else 0
        self.kick()

    def remove(self, job) -> None:
        """A job left SCHED."""
        if self.jobs.pop(job.id, None) is None:
            return
        index = bisect.bisect_left(self.queue, job.queue_key)
        if index < len(self.queue) and self.queue[index] == job.queue_key:
            del self.queue[index]
        self.timed -= 1 if job.duration else 0

    def kick(self) -> None:
        """Schedule a pass at the end of this loop turn."""
        if not self._kicked:
            self._kicked = True
            asyncio.get_running_loop().call_soon(self.schedule)

    def schedule(self) -> None:
        """One pass: start the queue head while it fits, then backfill behind it."""
        self._kicked = False
        manager = self.manager
        head = None
        shadow = None
        for neg_priority, jobid in list(self.queue):
            if neg_priority == 0:
                break  # held jobs (priority 0) sort last and never start
            if not any(manager.pool.free_cores.values()):
                break
            job = self.jobs.get(jobid)
            if job is None or job.request is None:
                continue
            if head is None:
                alloc = manager.pool.allocate(job.request)
                if alloc is not None:
                    manager.start_job(job, alloc)
                    continue
                head = job
                if not self.timed:
                    break
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
