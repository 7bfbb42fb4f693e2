"""fluxcli.job as flux.job behaves (flux-core's t0010-job.py, t0023-executor.py)."""

import concurrent.futures as cf
import errno
import threading

import pytest

from fluxcli import job
from fluxcli.job import FluxExecutorFuture, JobInfo, JobspecV1

# flux.job.JobInfo.to_dict(filtered=False): its defaults, then its properties, then these
KEYS = """
t_depend t_priority t_sched t_run t_cleanup t_inactive duration expiration
name cwd queue project bank ntasks ncores nnodes
priority ranks nodelist success result waitstatus id t_submit
t_remaining state username userid urgency runtime status returncode
dependencies jobid annotations exception
""".split()


def test_get_job_has_flux_keys(handle, tmp_path):
    spec = JobspecV1.from_command(["sleep", "5"], cwd=str(tmp_path))
    jobid = job.submit(handle, spec)
    try:
        info = job.get_job(handle, jobid)
        assert list(info) == KEYS
        assert info["id"] == jobid and job.JobID(info["jobid"]) == jobid
        assert info["name"] == "sleep" and info["cwd"] == str(tmp_path)
        assert info["state"] in ("SCHED", "DEPEND", "RUN") and info["ntasks"] == 1
        assert info["ncores"] == 1 and info["returncode"] == ""
        assert info["exception"] == {"occurred": False, "severity": "", "type": "", "note": ""}
    finally:
        job.cancel(handle, jobid)
    assert job.get_job(handle, 123456) is None


def test_jobinfo_to_dict_filters_unset_values(handle):
    done = job.result(handle, job.submit(handle, JobspecV1.from_command(["false"])))
    data = done.to_dict()
    # the local instance records when the job entered PRIORITY; no cwd was given
    assert set(data) <= set(KEYS) and "t_priority" in data and "cwd" not in data
    assert (data["result"], data["returncode"], data["status"], data["success"]) == (
        "FAILED",
        1,
        "FAILED",
        False,
    )
    assert data["exception"] == {"occurred": False} and data["duration"] == 0.0
    assert data["state"] == "INACTIVE" and done.state_id == 64 and done.result_id == 2
    assert list(done.to_dict(filtered=False)) == KEYS
    with pytest.raises(AttributeError, match="invalid JobInfo attribute 'nope'"):
        done.nope  # noqa: B018


def test_jobinfo_from_a_bare_record():
    info = JobInfo({"id": 1, "result": "CANCELED", "t_submit": 1.0, "exception_type": "cancel"})
    assert (info.returncode, info.runtime, info.t_remaining) == (-128, 0.0, 0.0)
    assert info.exception.occurred and info.to_dict()["exception"]["type"] == "cancel"


def test_none_handles_are_rejected_as_flux_does():
    for call in (
        lambda: job.event_wait(None, 123, "start"),
        lambda: job.submit(None, JobspecV1.from_command(["true"])),
        lambda: job.get_job(None, 1),
        lambda: job.cancel_async(None, 1),
    ):
        with pytest.raises(OSError) as info:
            call()
        assert info.value.errno == errno.EINVAL


def test_event_wait_unknown_job(handle):
    with pytest.raises(OSError) as info:
        job.event_wait(handle, 123, "start")
    assert info.value.errno == errno.ENOENT


def test_future_jobid_and_cancel():
    fut = FluxExecutorFuture(threading.get_ident())
    with pytest.raises(cf.TimeoutError):
        fut.jobid(timeout=0)
    fut._set_jobid(10)
    assert fut.cancel() and fut.cancel()  # cancelling twice says True twice
    assert fut.jobid(0) == 10  # a known id survives cancel
    with pytest.raises(RuntimeError, match="jobid already set"):
        fut._set_jobid(11)
    fut = FluxExecutorFuture(threading.get_ident())
    fut.cancel()
    with pytest.raises(cf.CancelledError):
        fut.jobid(0)
    fut = FluxExecutorFuture(threading.get_ident())
    fut._set_jobid(None, exc=OverflowError("foobar"))
    with pytest.raises(OverflowError, match="foobar"):
        fut.jobid(0)
    fut = FluxExecutorFuture(threading.get_ident())
    fut.set_exception(ValueError("foobar"))
    with pytest.raises(RuntimeError, match="job could not be submitted due to ValueError"):
        fut.jobid()
    for value in (None, -1, "foobar"):
        fut = FluxExecutorFuture(threading.get_ident())
        fut._set_jobid(value)
        assert fut.jobid(timeout=0) == value


def test_executor_attach_and_bad_submissions():
    with job.FluxExecutor() as executor:
        jobid = executor.submit(JobspecV1.from_command(["true"])).jobid(timeout=60)
        attached = executor.attach(jobid)
        if attached.cancel():  # cancelled before it ran: the id stays known
            assert attached.jobid() == jobid
        bad_kwarg = executor.submit(JobspecV1.from_command(["true"]), not_an_arg=42)
        assert isinstance(bad_kwarg.exception(timeout=30), TypeError)
        not_a_jobspec = executor.submit(5)
        assert isinstance(not_a_jobspec.exception(timeout=30), TypeError)
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        executor.attach(None)
