"""The flux.job-style Python API against the local instance."""

import asyncio
import concurrent.futures
import errno
import signal
import time

import pytest
from conftest import MAIN_SEQUENCE

import fluxcli
from fluxcli import job
from fluxcli.job import JobException, JobspecV1


def cmd(*argv, **kw):
    return JobspecV1.from_command(list(argv), **kw)


def test_submit_result_get_job(handle):
    jobid = job.submit(handle, cmd("true"))
    assert isinstance(jobid, job.JobID) and jobid > 0
    info = job.result(handle, jobid)
    assert (info.result, info.returncode, info.waitstatus) == ("COMPLETED", 0, 0)
    failed = job.result(handle, job.submit(handle, cmd("false")))
    assert (failed.result, failed.returncode, failed.waitstatus) == ("FAILED", 1, 256)
    missing = job.result(handle, job.submit(handle, cmd("nosuchprog")))
    assert missing.waitstatus == 32512 and missing.exception.type == "exec"
    assert "start failed: nosuchprog: No such file or directory" in missing.exception.note
    record = job.get_job(handle, jobid)
    assert record["id"] == jobid and record["state"] == "INACTIVE" and record["name"] == "true"
    assert job.get_job(handle, 1) is None


def test_submit_errors(handle):
    with pytest.raises(OSError) as exc:
        job.submit(handle, None)
    assert exc.value.errno == errno.EINVAL
    with pytest.raises(TypeError):
        job.submit(handle, 0)
    with pytest.raises(OSError, match="urgency range"):
        job.submit(handle, cmd("true"), urgency=99)
    with pytest.raises(OSError, match="count must have exactly one key set"):
        job.submit(
            handle,
            '{"resources":[],"tasks":[{"command":["a"],"slot":"task","count":{}}],"attributes":{"system":{"duration":0}},"version":1}',
        )


def test_event_watch_and_wait(handle):
    jobid = job.submit(handle, cmd("sleep", "0"))
    events = [e.name for e in job.event_watch(handle, jobid)]
    assert events == MAIN_SEQUENCE
    assert job.event_wait(handle, jobid, "start").name == "start"
    with pytest.raises(OSError) as exc:
        job.event_wait(handle, jobid, "foo")
    assert exc.value.errno == errno.ENODATA
    assert job.event_wait(handle, jobid, "done", eventlog="guest.exec.eventlog").name == "done"
    failed = job.submit(handle, cmd("true", num_tasks=4096))
    with pytest.raises(JobException, match="type=alloc"):
        job.event_wait(handle, failed, "start")
    with pytest.raises(OSError):
        job.event_wait("not a handle", jobid, "start")


def test_kill_cancel_raise(handle):
    jobid = job.submit(handle, cmd("sleep", "30"))
    job.event_wait(handle, jobid, "start")
    job.kill(handle, jobid, signal.SIGUSR1)
    assert job.result(handle, jobid).returncode == 128 + signal.SIGUSR1
    jobid = job.submit(handle, cmd("sleep", "30"))
    job.event_wait(handle, jobid, "start")
    job.cancel(handle, jobid, "enough")
    info = job.result(handle, jobid)
    assert (
        info.result == "CANCELED" and info.exception.note == "enough" and info.waitstatus == 36608
    )
    held = job.submit(handle, cmd("true"), urgency=0)
    job.job_raise(handle, held, "test", 0, "raised")
    info = job.result(handle, held)
    assert info.result == "FAILED" and info.returncode == 1 and info.exception.type == "test"
    with pytest.raises(OSError):
        job.kill(handle, held)


def test_async_functions(handle):
    future = job.submit_async(handle, cmd("true"))
    jobid = future.get_id()
    assert job.result_async(handle, jobid).get_info().result == "COMPLETED"
    seen = []
    done = concurrent.futures.Future()
    job.submit_async(handle, cmd("true")).then(
        lambda fut, tag: (seen.append(tag), done.set_result(fut.get_id())), "cb"
    )
    assert done.result(timeout=30) > 0 and seen == ["cb"]
    assert (
        job.cancel_async(handle, job.submit(handle, cmd("true"), urgency=0)).result(timeout=30)
        is None
    )


def test_waitable_jobs(handle):
    jobid = job.submit(handle, cmd("false"), waitable=True)
    status = job.wait(handle, jobid)
    assert status.jobid == jobid and status.success is False and "exit code 1" in status.errstr
    with pytest.raises(OSError):
        job.wait(handle, jobid)  # consumed
    ok = job.submit(handle, cmd("true"), waitable=True)
    assert job.wait_async(handle, ok).result(timeout=30).success is True
    with pytest.raises(OSError):
        job.wait(handle, job.submit(handle, cmd("true")))  # not waitable


def test_executor():
    with job.FluxExecutor() as executor:
        futures = [executor.submit(cmd("true")) for _ in range(3)]
        assert [f.result(timeout=60) for f in futures] == [0, 0, 0]
        assert executor.submit(cmd("false")).result(timeout=60) == 1
        assert executor.submit(cmd("sh", "-c", "kill -9 $$")).result(timeout=60) == 137
        with pytest.raises(JobException):
            executor.submit(cmd("/not/a/real/app")).result(timeout=60)
        bad = executor.submit(None)
        assert isinstance(bad.exception(timeout=30), OSError)
        with pytest.raises(RuntimeError, match="job could not be submitted"):
            bad.jobid(timeout=30)
        events, jobids = [], []
        fut = executor.submit(cmd("true"))
        fut.add_jobid_callback(lambda f: jobids.append(f.jobid()))
        for name in ("start", "finish", "depend", "priority", "free"):
            fut.add_event_callback(name, lambda f, ev: events.append(ev.name))
        assert fut.result(timeout=60) == 0
        time.sleep(0.3)
        assert jobids == [fut.jobid()] and {"start", "finish", "depend", "priority", "free"} <= set(
            events
        )
        with pytest.raises(ValueError):
            fut.add_event_callback("validate", print)
        attached = executor.attach(fut.jobid())
        assert attached.result(timeout=60) == 0
        assert isinstance(executor.attach(1).exception(timeout=30), ValueError)
        # as t0023-executor.py: a bad id is the future's exception, its jobid() the id as given
        for bad_id, error in ((None, TypeError), (-1, OverflowError), (0, ValueError)):
            attached = executor.attach(bad_id)
            assert attached.jobid(timeout=0) == bad_id
            assert isinstance(attached.exception(timeout=30), error)
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        executor.submit(cmd("true"))
    executor.shutdown()  # idempotent
    assert job.FluxExecutor.EVENTS == job.MAIN_EVENTS and "validate" not in job.MAIN_EVENTS
    with pytest.raises(ValueError):
        job.FluxExecutor(threads=-1)


def test_asyncio_interface():
    from fluxcli.job import aio

    async def main():
        jobids = await asyncio.gather(
            aio.submit(cmd("echo", "pancakes")), aio.submit(cmd("sleep", "0.2")), asyncio.sleep(0.1)
        )
        infos = [await aio.result(j) for j in jobids[:2]]
        names = [e.name async for e in aio.event_watch(jobids[0])]
        return infos, names

    infos, names = asyncio.run(main())
    assert [i.result for i in infos] == ["COMPLETED", "COMPLETED"] and names[-1] == "clean"


def test_open_and_backend_selection(monkeypatch):
    from fluxcli.backends import backend_class, select
    from fluxcli.errors import BackendError

    assert select() == ("local", None)
    monkeypatch.setenv("FX_URI", "local:///x/local.sock")
    assert select() == ("local", "local:///x/local.sock")
    monkeypatch.delenv("FX_URI")
    # inside a real Flux allocation (FLUX_URI is a local:// socket too): Flux when
    # its backend can run here, else the user's own local instance, never Flux's socket
    monkeypatch.setenv("FLUX_URI", "local:///run/flux/local")
    usable = backend_class("flux").unavailable() is None
    assert select() == (("flux", "local:///run/flux/local") if usable else ("local", None))
    monkeypatch.setenv("FX_BACKEND", "local")
    assert select() == ("local", None)
    assert select("local", "local:///y.sock") == ("local", "local:///y.sock")
    assert select(uri="slurm:") == ("slurm", "slurm:")
    monkeypatch.setenv("FX_BACKEND", "nosuch")
    with pytest.raises(BackendError, match="backend 'nosuch' is not available"):
        fluxcli.open()


def test_backend_from_an_installed_package(tmp_path, monkeypatch):
    """A package registers a backend through the fluxcli.backends entry-point group."""
    import sys

    from fluxcli.backends import backend_class
    from fluxcli.backends.local.backend import LocalBackend
    from fluxcli.errors import BackendError

    (tmp_path / "echo_backend.py").write_text(
        "from fluxcli.backends.local.backend import LocalBackend\n"
        "class EchoBackend(LocalBackend):\n    name = 'echo'\n"
        "class NotABackend:\n    pass\n"
    )
    dist = tmp_path / "echo_backend-1.0.dist-info"
    dist.mkdir()
    (dist / "entry_points.txt").write_text(
        "[fluxcli.backends]\necho = echo_backend:EchoBackend\nbogus = echo_backend:NotABackend\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cls = backend_class("echo")
    assert issubclass(cls, LocalBackend) and cls.name == "echo"
    assert backend_class("local") is LocalBackend
    with pytest.raises(BackendError, match="is not a Backend subclass"):
        backend_class("bogus")
    with pytest.raises(BackendError, match=r"available: bogus, echo, flux, local"):
        backend_class("nosuch")
    sys.modules.pop("echo_backend", None)
    monkeypatch.setenv("FX_BACKEND", "echo")
    handle = fluxcli.open()
    assert type(handle.backend).__name__ == "EchoBackend"
    assert job.result(handle, job.submit(handle, cmd("true"))).result == "COMPLETED"
    handle.close()


def test_executor_shutdown_cancels_queued_futures():
    executor = job.FluxExecutor()
    blocker = executor.submit(cmd("sleep", "0.3"))
    blocker.jobid(timeout=30)
    executor.shutdown(wait=True, cancel_futures=True)
    assert blocker.result(timeout=30) == 0  # running futures are not cancelled
    with pytest.raises(RuntimeError):
        executor.attach(blocker.jobid())
