"""Jobs' eventlogs watched through job-info on a handle of their own, as typed JobEvents.

One streaming ``job-info.eventlog-watch`` per job at a time; the handle's
reactor runs one turn at a time and each event is handed on as soon as it
arrives. A job's guest logs are reached the way flux-core's own tools reach
them: the main eventlog until ``start``, then the exec eventlog, and for
output, that until ``shell.init``, then the output eventlog; a job that never
started has none. Without ``follow``, each watch asks for job-info's sentinel
after the events so far and stops there.
"""

from __future__ import annotations

import errno
import json
from collections import deque
from collections.abc import Iterator, Sequence

from ..contract import JobEvent, UnknownJob

# fluxcli's log names and the eventlog paths of a job's KVS directory
PATHS = {"eventlog": "eventlog", "exec": "guest.exec.eventlog", "output": "guest.output"}
# the logs watched on the way to each one, and the event that opens the next
_STAGES = {
    "eventlog": [("eventlog", None)],
    "exec": [("eventlog", "start"), ("exec", None)],
    "output": [("eventlog", "start"), ("exec", "shell.init"), ("output", None)],
}
_SENTINEL = 2  # FLUX_JOB_EVENT_WATCH_INITIAL_SENTINEL
_END = object()


def _watch_class():
    """A future whose ``get()`` also reports job-info's sentinel (which the bindings' cannot)."""
    from _flux._core import ffi
    from flux.job._wrapper import _RAW as RAW
    from flux.job.event import JobEventWatchFuture

    class EventWatch(JobEventWatchFuture):
        def watch_get(self, future):
            text = ffi.new("char *[1]")
            RAW.event_watch_get(future, text)
            if text[0] == ffi.NULL:
                return _END  # the sentinel: every event so far was sent
            return json.loads(ffi.string(text[0]).decode("utf-8"))

    def start(handle, jobid: int, path: str, flags: int):
        return EventWatch(RAW.event_watch(handle, jobid, path, flags))

    return start


def watch_events(
    flux, uri: str, jobids: Sequence[int], log: str, follow: bool, format_id
) -> Iterator[JobEvent]:
    """Events of each job's ``log``, in order per job, until every log ends (or now)."""
    if log not in PATHS:
        raise ValueError(f"unknown eventlog '{log}' (use {', '.join(PATHS)})")
    handle = flux.Flux(uri)
    start = _watch_class()
    stages = _STAGES[log]
    arrived: deque = deque()
    flags = 0 if follow else _SENTINEL
    watches: dict[int, tuple] = {}  # jobid: (future, stage index)
    seqs: dict[int, int] = {}

    def on_event(future, jobid):
        try:
            event = future.get(autoreset=False)
        except OSError as exc:
            arrived.append((jobid, future, exc))
            return
        arrived.append((jobid, future, _END if event is None else event))
        if event is not None and event is not _END:
            future.reset()

    def watch(jobid: int, stage: int) -> None:
        future = start(handle, jobid, PATHS[stages[stage][0]], flags)
        watches[jobid] = (future.then(on_event, jobid), stage)

    try:
        for jobid in dict.fromkeys(int(j) for j in jobids):
            watch(jobid, 0)
            seqs[jobid] = 0
        while watches:
            while not arrived:
                handle.reactor_run(flags=flux.constants.FLUX_REACTOR_ONCE)
            jobid, future, item = arrived.popleft()
            if jobid not in watches or watches[jobid][0] is not future:
                continue  # a stage already left behind
            stage = watches[jobid][1]
            if item is _END:
                _stop(watches.pop(jobid)[0])
            elif isinstance(item, OSError):
                _stop(watches.pop(jobid)[0])
                if item.errno == errno.ENOENT and stage == 0:
                    raise UnknownJob(format_id(jobid)) from None
                if item.errno != errno.ENOENT:  # ENOENT later: that log was never written
                    raise item
            elif stage + 1 < len(stages):
                if item["name"] == stages[stage][1]:
                    _stop(watches.pop(jobid)[0])
                    watch(jobid, stage + 1)
            else:
                context = item.get("context") or {}
                yield JobEvent(jobid, seqs[jobid], item["name"], item["timestamp"], context, log)
                seqs[jobid] += 1
    finally:
        for future, _ in watches.values():
            _stop(future)


def _stop(future) -> None:
    """No more callbacks for ``future``; cancel its watch if it still runs."""
    from flux.future import _THEN_HANDLES

    if future.needs_cancel:
        future.cancel()
    future.stop()
    _THEN_HANDLES.pop(future, None)
