"""RFC 21 events synthesized from snapshots of a scheduler's queue, and the one poller behind them.

A backend that can only look at its jobs (Slurm's squeue/sacct) describes
each job as a ``Progress``: where it is (``phase``), the times it reached
each phase, and how it ended. ``synthesize()`` turns one ``Progress`` into
the job's main eventlog so far; a later ``Progress`` of the same job gives
the same events plus new ones, so a follower sends only what is new.

One ``Poller`` per backend object asks about every watched job at once (never
one process per job). It polls every ``interval`` seconds while something
changes and backs off, doubling up to ``max_interval``, while nothing does;
a new watcher brings it back to ``interval``. The Slurm backend takes these
from ``FX_SLURM_POLL`` and ``FX_SLURM_POLL_MAX`` (see the README).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable

PHASES = ("depend", "sched", "run", "cleanup", "inactive")


class Progress:
    """Where one job is: ``phase`` (one of PHASES) and what is known of its course.

    ``times``: phase → epoch time it was reached (missing: not known, the
    time it was first seen is used); ``started``: it got resources;
    ``exception``: ``(type, note)`` of what ended it, if anything did;
    ``waitstatus``: its tasks' wait status once they ended.
    """

    __slots__ = ("phase", "times", "started", "exception", "waitstatus", "context")

    def __init__(
        self,
        phase: str,
        times: dict[str, float | None],
        started: bool = False,
        exception: tuple[str, str] | None = None,
        waitstatus: int | None = None,
        context: dict | None = None,
    ):
        self.phase, self.times, self.started = phase, times, started
        self.exception, self.waitstatus = exception, waitstatus
        self.context = context or {}  # submit/priority event contexts


def synthesize(progress: Progress) -> list[tuple[str, float, dict]]:
    """The main eventlog (name, timestamp, context) a job in ``progress`` has so far."""
    reached = PHASES.index(progress.phase)
    times = progress.times
    events: list[tuple[str, float, dict]] = []

    def add(name: str, key: str, context: dict | None = None) -> None:
        stamp = times.get(key) or time.time()
        if events:
            stamp = max(stamp, events[-1][1])
        events.append((name, stamp, context or {}))

    add("submit", "submit", progress.context.get("submit"))
    add("validate", "submit")
    ended_early = progress.phase == "inactive" and not progress.started
    if reached >= 1 and not (ended_early and times.get("sched") is None):
        add("depend", "sched")
        add("priority", "sched", progress.context.get("priority", {"priority": 16}))
    if progress.started and reached >= 2:
        add("alloc", "run")
        add("start", "run")
    if progress.phase != "inactive":
        return events  # the end (cleanup included) is written once it is known
    if progress.exception is not None:
        etype, note = progress.exception
        add("exception", "inactive", {"type": etype, "severity": 0, "note": note})
    if progress.started:
        status = progress.waitstatus if progress.waitstatus is not None else 0
        add("finish", "cleanup", {"status": status})
        add("release", "cleanup", {"ranks": "all", "final": True})
        add("free", "inactive")
    add("clean", "inactive")
    return events


def exec_events(progress: Progress) -> list[tuple[str, float, dict]]:
    """The exec eventlog of a job that started: its start, then its end once known."""
    if not progress.started:
        return []
    start = progress.times.get("run") or time.time()
    events = [
        ("init", start, {}),
        ("starting", start, {}),
        ("shell.init", start, {}),
        ("shell.start", start, {}),
    ]
    if progress.phase == "inactive":
        end = max(start, progress.times.get("cleanup") or time.time())
        status = progress.waitstatus if progress.waitstatus is not None else 0
        events += [("complete", end, {"status": status}), ("done", end, {})]
    return events


class Subscription:
    """Snapshots of some jobs, as the poller takes them: ``get()`` gives ``{id: snapshot}``."""

    def __init__(self, poller: Poller, ids: Iterable[int]):
        self.poller = poller
        self.ids = set(ids)
        self.updates: queue.SimpleQueue = queue.SimpleQueue()

    def get(self, timeout: float | None = None) -> dict[int, dict | None]:
        """The next snapshots (a job the poller cannot find maps to None); raises queue.Empty."""
        item = self.updates.get(timeout=timeout)
        if isinstance(item, Exception):
            raise item
        return item

    def done_with(self, jobid: int) -> None:
        """Stop asking about ``jobid`` for this subscriber."""
        self.ids.discard(jobid)

    def close(self) -> None:
        """Stop this subscriber's snapshots."""
        self.poller.unsubscribe(self)


class Poller:
    """One thread asking ``fetch(ids)`` about every watched job; started on first use."""

    def __init__(
        self,
        fetch: Callable[[set[int]], dict[int, dict | None]],
        interval: float,
        max_interval: float,
    ):
        self.fetch = fetch
        self.interval, self.max_interval = interval, max(interval, max_interval)
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.subscribers: list[Subscription] = []
        self.thread: threading.Thread | None = None

    def subscribe(self, ids: Iterable[int]) -> Subscription:
        """Watch ``ids``: the first snapshots come at once, then each time a poll is made."""
        subscription = Subscription(self, ids)
        with self.lock:
            self.subscribers.append(subscription)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, daemon=True, name="fx-poller")
                self.thread.start()
        self.wake.set()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Forget ``subscription``; a subscription unknown here is ignored."""
        with self.lock:
            if subscription in self.subscribers:
                self.subscribers.remove(subscription)

    def _run(self) -> None:
        delay = self.interval
        last: dict[int, dict | None] = {}
        while True:
            with self.lock:
                subscribers = list(self.subscribers)
                if not subscribers:
                    self.thread = None
                    return
            ids = set().union(*(s.ids for s in subscribers))
            try:
                snapshots = self.fetch(ids) if ids else {}
            except Exception as exc:  # every follower sees the failure
                for subscriber in subscribers:
                    subscriber.updates.put(exc)
                self.wait(delay)
                continue
            changed = any(last.get(i) != snapshots.get(i) for i in ids)
            last = snapshots
            for subscriber in subscribers:
                subscriber.updates.put({i: snapshots.get(i) for i in subscriber.ids})
            delay = self.interval if changed else min(delay * 2, self.max_interval)
            if self.wait(delay):
                delay = self.interval

    def wait(self, delay: float) -> bool:
        """Sleep ``delay`` seconds or until a new subscriber comes; True if one came."""
        woken = self.wake.wait(delay)
        self.wake.clear()
        return woken
