"""``FluxExecutor``: concurrent.futures-style job submission and monitoring."""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import os
import threading
from typing import Any

from fluxcli.jobspec.status import MAIN_EVENTS, returncode

from .api import submit
from .events import EventLogEvent, JobException
from .handle import Handle

_LOG = logging.getLogger(__name__)


class FluxExecutorFuture(concurrent.futures.Future):
    """A future for one job: ``jobid()``, job-id and event callbacks, result = exit status."""

    EVENTS = MAIN_EVENTS

    def __init__(self, owning_thread_id: int, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._owning_thread_id = owning_thread_id
        self._jobid_future: concurrent.futures.Future = concurrent.futures.Future()
        self._jobid_callbacks: list = []
        self._event_callbacks: dict[str, list] = {}
        self._events: list[EventLogEvent] = []
        self._evlock = threading.RLock()

    def _check_thread(self) -> None:
        if threading.get_ident() == self._owning_thread_id and not self.done():
            raise RuntimeError("Cannot wait for future from inside callback")

    def result(self, timeout=None):
        self._check_thread()
        return super().result(timeout)

    def exception(self, timeout=None):
        self._check_thread()
        return super().exception(timeout)

    def jobid(self, timeout: float | None = None) -> int:
        """The job's id, once known (even after ``cancel()`` when it was known before).

        concurrent.futures.TimeoutError if not known within ``timeout``;
        CancelledError if cancelled before it was known; RuntimeError if the
        job could not be submitted.
        """
        try:
            return self._jobid_future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise concurrent.futures.TimeoutError() from None

    def _set_jobid(self, jobid: int, exc: BaseException | None = None) -> None:
        if self._jobid_future.done():
            raise RuntimeError("invalid state: jobid already set")
        if exc is not None:
            self._jobid_future.set_exception(exc)
            return
        self._jobid_future.set_result(jobid)
        for callback in self._jobid_callbacks:
            self._invoke(callback, self)

    def add_jobid_callback(self, callback) -> FluxExecutorFuture:
        """Call ``callback(future)`` once the job id is known."""
        if self._jobid_future.done() and self._jobid_future.exception() is None:
            self._invoke(callback, self)
        else:
            self._jobid_callbacks.append(callback)
        return self

    def add_event_callback(self, event: str, callback) -> FluxExecutorFuture:
        """Call ``callback(future, event)`` for each occurrence of ``event`` (replayed if past)."""
        if event not in self.EVENTS:
            raise ValueError(event)
        with self._evlock:
            self._event_callbacks.setdefault(event, []).append(callback)
            past = [e for e in self._events if e.name == event]
        for entry in past:
            self._invoke(callback, self, entry)
        return self

    def _set_event(self, entry: EventLogEvent) -> None:
        if entry.name not in self.EVENTS:
            raise ValueError(entry.name)
        with self._evlock:
            self._events.append(entry)
            callbacks = list(self._event_callbacks.get(entry.name, []))
        for callback in callbacks:
            self._invoke(callback, self, entry)

    def add_done_callback(self, fn) -> FluxExecutorFuture:
        super().add_done_callback(fn)
        return self

    def cancel(self, *args, **kwargs) -> bool:
        """Cancel the future if it has not started; an id not known by then never will be."""
        cancelled = super().cancel(*args, **kwargs)
        if cancelled and not self._jobid_future.done():
            self._jobid_future.set_exception(concurrent.futures.CancelledError())
        return cancelled

    def set_exception(self, exception) -> None:
        if not self._jobid_future.done():
            self._jobid_future.set_exception(
                RuntimeError(f"job could not be submitted due to {exception!r}")
            )
        super().set_exception(exception)

    @staticmethod
    def _invoke(callback, *args) -> None:
        try:
            callback(*args)
        except Exception:  # callback errors are logged and ignored, as documented
            _LOG.exception("exception in FluxExecutorFuture callback")


class FluxExecutor:
    """Submit jobspecs and get futures; worker threads follow each job's eventlog."""

    EVENTS = MAIN_EVENTS
    _counter = itertools.count()

    def __init__(
        self,
        threads: int = 1,
        thread_name_prefix: str = "",
        poll_interval: float = 0.1,
        handle_args: tuple = (),
        handle_kwargs: dict | None = None,
    ):
        if threads < 0:
            raise ValueError("the number of threads must be > 0")
        self._threads = max(1, threads)
        self._prefix = thread_name_prefix or f"FluxExecutor-{next(self._counter)}"
        self._handle_args = handle_args
        self._handle_kwargs = dict(handle_kwargs or {})
        self._shutdown = False
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max(4, 2 * self._threads + (os.cpu_count() or 1)),
            thread_name_prefix=self._prefix,
        )
        self._handle = Handle(*self._handle_args, **self._handle_kwargs)
        self._futures: set[FluxExecutorFuture] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> FluxExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown(wait=True)

    def _new_future(self) -> FluxExecutorFuture:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future = FluxExecutorFuture(0)
        with self._lock:
            self._futures.add(future)
        return future

    def submit(self, jobspec: Any, *args, **kwargs) -> FluxExecutorFuture:
        """Submit a jobspec; return its future (result = highest exit status or -signum).

        Takes ``flux.job.submit``'s arguments after the handle; what that
        raises (OSError for a rejected jobspec, TypeError for bad arguments)
        becomes the future's exception.
        """
        future = self._new_future()
        start = lambda: int(submit(self._handle, jobspec, *args, **kwargs))  # noqa: E731
        self._pool.submit(self._run, future, start, True)
        return future

    def attach(self, jobid: int) -> FluxExecutorFuture:
        """A future for an existing job (its events are replayed from the start).

        The future's ``jobid()`` is ``jobid`` as given, at once; a value that
        names no job (None, a negative or unknown id) becomes the future's
        exception (TypeError, OverflowError, ValueError), as in Flux.
        """
        future = self._new_future()
        future._set_jobid(jobid)
        self._pool.submit(self._run, future, lambda: self._existing(jobid), False)
        return future

    def _existing(self, jobid: Any) -> int:
        value = int(jobid)  # TypeError for None, as Flux
        if not 0 <= value < 2**64:
            raise OverflowError(f"can't convert {value} to an unsigned 64-bit job id")
        if self._handle.backend.info(value) is None:
            raise ValueError("job ID does not match any job")
        return value

    def _run(self, future: FluxExecutorFuture, start, set_jobid: bool) -> None:
        future._owning_thread_id = threading.get_ident()  # callbacks run in this worker
        if not future.set_running_or_notify_cancel():
            return
        try:
            try:
                jobid = start()
            except Exception as exc:
                future.set_exception(exc)
                return
            if set_jobid:
                future._set_jobid(jobid)
            for event in self._handle.backend.events([jobid]):
                entry = EventLogEvent(event.to_dict())
                if entry.name in MAIN_EVENTS:
                    future._set_event(entry)
                if future.done():
                    continue
                if entry.name == "finish":
                    future.set_result(returncode(entry.context["status"]))
                elif entry.name == "exception" and entry.context.get("severity") == 0:
                    super(FluxExecutorFuture, future).set_exception(JobException(entry))
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        finally:
            with self._lock:
                self._futures.discard(future)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting jobs; optionally wait for running futures or cancel queued ones."""
        self._shutdown = True
        if cancel_futures:
            with self._lock:
                for future in list(self._futures):
                    if not future.running():
                        future.cancel()
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
