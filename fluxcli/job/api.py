"""Synchronous and future-based job functions mirroring ``flux.job``."""

from __future__ import annotations

import errno
import signal
from collections import namedtuple
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from fluxcli.backends.contract import SubmitRequest
from fluxcli.jobspec import JobID
from fluxcli.jobspec.loading import jobspec_to_string as jobspec_text
from fluxcli.jobspec.status import URGENCY_DEFAULT, submit_flags

from .events import EventLogEvent, JobException
from .handle import Handle, resolve
from .info import JobInfo

JOBID_ANY = 0xFFFFFFFFFFFFFFFF
JobWaitResult = namedtuple("JobWaitResult", ["jobid", "success", "errstr"])
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fluxcli-job")


class SubmitFuture(Future):
    """A future fulfilled with the new job's id (``get_id()``)."""

    def get_id(self) -> JobID:
        return self.result()

    def then(self, callback, *args) -> SubmitFuture:
        """Call ``callback(future, *args)`` once the id is known."""
        self.add_done_callback(lambda fut: callback(fut, *args))
        return self


def _future(cls, func, flux_handle: Handle | None, *args) -> Future:
    """Run ``func(flux_handle, *args)`` in the background (a bad handle fails now, as in Flux)."""
    resolve(flux_handle)
    args = (flux_handle, *args)
    fut = cls()

    def run() -> None:
        try:
            fut.set_result(func(*args))
        except BaseException as exc:
            fut.set_exception(exc)

    _pool.submit(run)
    return fut


def submit(
    flux_handle: Handle | None,
    jobspec,
    urgency: int = URGENCY_DEFAULT,
    waitable: bool = False,
    debug: bool = False,
    pre_signed: bool = False,
    novalidate: bool = False,
) -> JobID:
    """Submit a job; return its JobID (OSError with the instance's message when rejected)."""
    text = jobspec_text(jobspec)
    handle = resolve(flux_handle)
    flags = int(submit_flags(waitable, debug, pre_signed, novalidate))
    with handle.lock:
        [jobid] = handle.backend.submit([SubmitRequest(text, urgency, flags)])
    if isinstance(jobid, Exception):
        raise jobid
    return JobID(jobid)


def submit_async(
    flux_handle: Handle | None,
    jobspec,
    urgency: int = URGENCY_DEFAULT,
    waitable: bool = False,
    debug: bool = False,
    pre_signed: bool = False,
    novalidate: bool = False,
) -> SubmitFuture:
    """Submit without waiting; the returned future's ``get_id()`` gives the JobID."""
    jobspec_text(jobspec)  # type errors surface now, as in Flux
    return _future(
        SubmitFuture, submit, flux_handle, jobspec, urgency, waitable, debug, pre_signed, novalidate
    )


def submit_get_id(future: SubmitFuture) -> JobID:
    """The id a SubmitFuture was fulfilled with."""
    if future is None:
        raise OSError(errno.EINVAL, "future must not be None/NULL")
    return future.get_id()


def event_watch(
    flux_handle: Handle | None, jobid, eventlog: str = "eventlog"
) -> Iterator[EventLogEvent]:
    """Yield the events of a job's eventlog ("eventlog", "exec", "output") until it ends."""
    backend = resolve(flux_handle).backend
    for event in backend.events([int(JobID(jobid))], _log_name(eventlog)):
        yield EventLogEvent(event.to_dict())


def event_watch_async(flux_handle: Handle | None, jobid, eventlog: str = "eventlog") -> Future:
    """A future fulfilled with the list of events once the eventlog ends."""
    return _future(Future, lambda h: list(event_watch(h, jobid, eventlog)), flux_handle)


def event_wait(
    flux_handle: Handle | None,
    jobid,
    name: str,
    eventlog: str = "eventlog",
    raiseJobException: bool = True,
) -> EventLogEvent:  # noqa: N803 - flux's name
    """Wait for event ``name``; JobException on an earlier fatal exception, OSError(ENODATA) if never."""
    for event in event_watch(resolve(flux_handle), jobid, eventlog):
        if event.name == name:
            return event
        if raiseJobException and event.name == "exception" and event.context.get("severity") == 0:
            raise JobException(event)
    raise OSError(errno.ENODATA, f"eventlog ended before event='{name}'")


def _log_name(eventlog: str) -> str:
    aliases = {"guest.exec.eventlog": "exec", "guest.output": "output", "guest.input": "input"}
    return aliases.get(eventlog, eventlog)


def kill(flux_handle: Handle | None, jobid, signum: int | None = None) -> None:
    """Send ``signum`` (default SIGTERM) to a running job."""
    resolve(flux_handle).backend.kill(int(jobid), signal.SIGTERM if signum is None else int(signum))


def kill_async(flux_handle: Handle | None, jobid, signum: int | None = None) -> Future:
    """``kill`` in the background."""
    return _future(Future, kill, flux_handle, jobid, signum)


def cancel(flux_handle: Handle | None, jobid, reason: str | None = None) -> None:
    """Cancel a pending or running job (a fatal ``cancel`` exception)."""
    resolve(flux_handle).backend.cancel(int(jobid), reason)


def cancel_async(flux_handle: Handle | None, jobid, reason: str | None = None) -> Future:
    """``cancel`` in the background."""
    return _future(Future, cancel, flux_handle, jobid, reason)


def job_raise(
    flux_handle: Handle | None, jobid, exc_type: str, severity: int = 0, note: str | None = None
) -> None:
    """Raise an exception of type ``exc_type`` on a job (severity 0 is fatal)."""
    resolve(flux_handle).backend.raise_exception(int(jobid), exc_type, severity, note or "")


def job_raise_async(flux_handle, jobid, exc_type, severity=0, note=None) -> Future:
    """``job_raise`` in the background."""
    return _future(Future, job_raise, flux_handle, jobid, exc_type, severity, note)


class JobResultFuture(Future):
    """A future fulfilled with a job's final record."""

    def get_dict(self) -> dict:
        return self.result().to_dict()

    def get_info(self) -> JobInfo:
        return self.result()


def result(flux_handle: Handle | None, jobid, flags: int = 0) -> JobInfo:
    """Wait for a job to become inactive and return its JobInfo (any job, any number of times)."""
    handle = resolve(flux_handle)
    jobid = int(JobID(jobid))
    for event in event_watch(handle, jobid):
        if event.name == "clean":
            break
    record = handle.backend.info(jobid)
    if record is None:
        raise OSError(errno.ENOENT, f"job {jobid} not found")
    return JobInfo(record)


def result_async(flux_handle: Handle | None, jobid, flags: int = 0) -> JobResultFuture:
    """``result`` in the background."""
    return _future(JobResultFuture, result, flux_handle, jobid, flags)


def wait(flux_handle: Handle | None, jobid=JOBID_ANY) -> JobWaitResult:
    """Wait for a waitable job and consume its result."""
    if jobid == JOBID_ANY:
        raise OSError(errno.ECHILD, "waiting for any job is not supported; name a job")
    jid, success, errstr = resolve(flux_handle).backend.wait(int(jobid))
    return JobWaitResult(jid, success, errstr)


def wait_async(flux_handle: Handle | None, jobid=JOBID_ANY) -> Future:
    """``wait`` in the background."""
    return _future(Future, wait, flux_handle, jobid)


def get_job(flux_handle: Handle | None, jobid) -> dict | None:
    """A job's information dictionary, or None if the job is unknown."""
    backend = resolve(flux_handle).backend
    record = backend.info(int(JobID(jobid)))
    if record is None:
        return None
    return JobInfo(record, backend.jobspec(record.id)).to_dict(filtered=False)
