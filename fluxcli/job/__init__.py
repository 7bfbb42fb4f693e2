"""Python API mirroring ``flux.job``: submit, watch, wait, cancel, and FluxExecutor.

Example::

    import fluxcli
    from fluxcli.job import JobspecV1, submit, result

    handle = fluxcli.open()
    jobid = submit(handle, JobspecV1.from_command(["hostname"]))
    print(result(handle, jobid).returncode)
"""

from fluxcli.jobspec import BatchConfig, JobID, Jobspec, JobspecV1, validate_jobspec
from fluxcli.jobspec.jobid import id_encode, id_parse

from .api import (
    JobWaitResult,
    SubmitFuture,
    cancel,
    cancel_async,
    event_wait,
    event_watch,
    event_watch_async,
    get_job,
    job_raise,
    job_raise_async,
    kill,
    kill_async,
    result,
    result_async,
    submit,
    submit_async,
    submit_get_id,
    wait,
    wait_async,
)
from .events import MAIN_EVENTS, EventLogEvent, JobException
from .executor import FluxExecutor, FluxExecutorFuture
from .handle import Handle, open
from .info import JobInfo

__all__ = [
    "BatchConfig",
    "EventLogEvent",
    "FluxExecutor",
    "FluxExecutorFuture",
    "Handle",
    "JobException",
    "JobID",
    "JobInfo",
    "JobWaitResult",
    "Jobspec",
    "JobspecV1",
    "MAIN_EVENTS",
    "SubmitFuture",
    "cancel",
    "cancel_async",
    "event_wait",
    "event_watch",
    "event_watch_async",
    "get_job",
    "id_encode",
    "id_parse",
    "job_raise",
    "job_raise_async",
    "kill",
    "kill_async",
    "open",
    "result",
    "result_async",
    "submit",
    "submit_async",
    "submit_get_id",
    "validate_jobspec",
    "wait",
    "wait_async",
]
