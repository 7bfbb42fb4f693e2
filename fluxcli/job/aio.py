"""asyncio interface: ``await fluxcli.job.aio.submit(jobspec)`` and friends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from . import api
from .events import EventLogEvent
from .handle import Handle, default_handle
from .info import JobInfo


async def submit(jobspec, handle: Handle | None = None, **kwargs):
    """Submit a job from a coroutine; return its JobID."""
    return await asyncio.to_thread(api.submit, handle or default_handle(), jobspec, **kwargs)


async def result(jobid, handle: Handle | None = None) -> JobInfo:
    """Wait for a job to finish; return its JobInfo."""
    return await asyncio.to_thread(api.result, handle or default_handle(), jobid)


async def cancel(jobid, handle: Handle | None = None, reason: str | None = None) -> None:
    """Cancel a job."""
    await asyncio.to_thread(api.cancel, handle or default_handle(), jobid, reason)


async def event_watch(
    jobid, handle: Handle | None = None, eventlog: str = "eventlog"
) -> AsyncIterator[EventLogEvent]:
    """Async iterator over a job's events."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    done = object()

    def pump() -> None:
        try:
            for event in api.event_watch(handle or default_handle(), jobid, eventlog):
                loop.call_soon_threadsafe(queue.put_nowait, event)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, done)

    task = loop.run_in_executor(None, pump)
    while True:
        item = await queue.get()
        if item is done:
            break
        yield item
    await task
