"""Jobs' eventlogs watched through job-info on a handle of their own, as typed JobEvents.

One streaming ``job-info.eventlog-watch`` per job; the handle's reactor runs
one turn at a time and each event is handed on as soon as it arrives. Without
``follow``, the watch asks for job-info's sentinel after the events so far
and stops there.
"""

from __future__ import annotations

import errno
import json
from collections import deque
from collections.abc import Iterator, Sequence

from ..contract import JobEvent, UnknownJob

# fluxcli's log names and the eventlog paths of a job's KVS directory
PATHS = {"eventlog": "eventlog", "exec": "guest.exec.eventlog", "output": "guest.output"}
_WAITCREATE, _SENTINEL = 1, 2  # FLUX_JOB_EVENT_WATCH_* flags
_END = object()


def _watch_class(flux):
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
    start = _watch_class(flux)
    arrived: deque = deque()
    seqs = {}
    # without follow, a job not yet started has no guest logs (rather than waiting for them)
    flags = _SENTINEL if not follow else _WAITCREATE if log != "eventlog" else 0

    def on_event(future, jobid):
        try:
            event = future.get(autoreset=False)
        except OSError as exc:
            arrived.append((jobid, exc))
            return
        arrived.append((jobid, _END if event is None else event))
        if event is None or event is _END:
            return
        future.reset()

    watches = {}
    try:
        for jobid in dict.fromkeys(int(j) for j in jobids):
            watches[jobid] = start(handle, jobid, PATHS[log], flags).then(on_event, jobid)
            seqs[jobid] = 0
        while watches:
            while not arrived:
                handle.reactor_run(flags=flux.constants.FLUX_REACTOR_ONCE)
            jobid, item = arrived.popleft()
            if item is _END:
                _stop(watches.pop(jobid))
                continue
            if isinstance(item, OSError):
                _stop(watches.pop(jobid))
                if item.errno == errno.ENOENT and log == "eventlog":
                    raise UnknownJob(format_id(jobid)) from None
                if item.errno == errno.ENOENT:  # a job that never started has no guest logs
                    if _exists(flux, handle, jobid):
                        continue
                    raise UnknownJob(format_id(jobid)) from None
                raise item
            yield JobEvent(
                jobid, seqs[jobid], item["name"], item["timestamp"], item.get("context") or {}, log
            )
            seqs[jobid] += 1
    finally:
        for future in watches.values():
            _stop(future)
        del handle


def _stop(future) -> None:
    """No more callbacks for ``future``; cancel its watch if it still runs."""
    from flux.future import _THEN_HANDLES

    if future.needs_cancel:
        future.cancel()
    future.stop()
    _THEN_HANDLES.pop(future, None)


def _exists(flux, handle, jobid: int) -> bool:
    try:
        flux.job.job_list_id(handle, jobid, ["id"]).get_job()
    except OSError:
        return False
    return True
